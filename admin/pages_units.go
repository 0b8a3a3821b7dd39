package admin

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// unitPageRoutes mounts the pages to edit, move and delete an
// organisational unit.
func (c *Center) unitPageRoutes(r chi.Router) {
	r.Get("/admin/mandanten/{tenant}/einheiten/{unit}", c.unitPage)
	r.Post("/admin/mandanten/{tenant}/einheiten/{unit}", c.unitUpdate)
	r.Post("/admin/mandanten/{tenant}/einheiten/{unit}/verschieben", c.unitMove)
	r.Post("/admin/mandanten/{tenant}/einheiten/{unit}/loeschen", c.unitDelete)
}

func (c *Center) unitPage(w http.ResponseWriter, r *http.Request) {
	c.showUnit(w, r, http.StatusOK, page{})
}

func (c *Center) showUnit(w http.ResponseWriter, r *http.Request, status int, p page) {
	a := actorFrom(r.Context())
	tenantID, unitID := chi.URLParam(r, "tenant"), chi.URLParam(r, "unit")
	t, err := c.svc.Tenant(r.Context(), a, tenantID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	u, err := c.svc.Unit(r.Context(), a, tenantID, unitID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	units, err := c.svc.ListUnits(r.Context(), a, tenantID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if p.Form == nil {
		p.Form = map[string]string{"name": u.Name, "street": u.Address.Street, "postcode": u.Address.Postcode,
			"city": u.Address.City, "email": u.Contact.Email, "parentId": u.ParentID}
	}
	if _, ok := p.Form["parentId"]; !ok {
		p.Form["parentId"] = u.ParentID
	}
	p.Title = u.Name + " – " + t.Name
	p.Data = map[string]any{"Tenant": t, "Unit": u, "Units": units}
	c.render(w, r, status, "unit", p)
}

func (c *Center) unitUpdate(w http.ResponseWriter, r *http.Request) {
	form := formValues(r, "name", "street", "postcode", "city", "email")
	tenantID, unitID := chi.URLParam(r, "tenant"), chi.URLParam(r, "unit")
	a := actorFrom(r.Context())
	old, err := c.svc.Unit(r.Context(), a, tenantID, unitID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	u := *old
	u.Name = strings.TrimSpace(form["name"])
	u.Address.Street, u.Address.Postcode, u.Address.City = form["street"], form["postcode"], form["city"]
	u.Contact.Email = strings.TrimSpace(form["email"])
	if _, err := c.svc.UpdateUnit(r.Context(), a, tenantID, unitID, u); err != nil {
		c.formFailed(w, r, err, form, c.showUnit, unitFieldNames)
		return
	}
	http.Redirect(w, r, "/admin/mandanten/"+tenantID+"/einheiten/"+unitID, http.StatusSeeOther)
}

func (c *Center) unitMove(w http.ResponseWriter, r *http.Request) {
	form := formValues(r, "parentId")
	tenantID, unitID := chi.URLParam(r, "tenant"), chi.URLParam(r, "unit")
	if _, err := c.svc.MoveUnit(r.Context(), actorFrom(r.Context()), tenantID, unitID, form["parentId"]); err != nil {
		c.unitFailed(w, r, err, form)
		return
	}
	http.Redirect(w, r, "/admin/mandanten/"+tenantID+"/einheiten/"+unitID, http.StatusSeeOther)
}

func (c *Center) unitDelete(w http.ResponseWriter, r *http.Request) {
	tenantID, unitID := chi.URLParam(r, "tenant"), chi.URLParam(r, "unit")
	if err := c.svc.DeleteUnit(r.Context(), actorFrom(r.Context()), tenantID, unitID); err != nil {
		c.unitFailed(w, r, err, nil)
		return
	}
	http.Redirect(w, r, "/admin/mandanten/"+tenantID, http.StatusSeeOther)
}

// unitFailed shows the unit page again with the move's or deletion's
// error: next to the parent field, or above the forms.
func (c *Center) unitFailed(w http.ResponseWriter, r *http.Request, err error, form map[string]string) {
	fields, problem, ok := formErrors(err)
	if !ok {
		c.fail(w, r, err)
		return
	}
	p := page{Errors: fields, Problem: problem}
	if form != nil {
		c.showUnitWith(w, r, httpStatus(err), p, form)
		return
	}
	c.showUnit(w, r, httpStatus(err), p)
}

// showUnitWith shows the unit page with the unit's own values, except the
// fields in override.
func (c *Center) showUnitWith(w http.ResponseWriter, r *http.Request, status int, p page, override map[string]string) {
	u, err := c.svc.Unit(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"), chi.URLParam(r, "unit"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p.Form = map[string]string{"name": u.Name, "street": u.Address.Street, "postcode": u.Address.Postcode,
		"city": u.Address.City, "email": u.Contact.Email, "parentId": u.ParentID}
	for k, v := range override {
		p.Form[k] = v
	}
	c.showUnit(w, r, status, p)
}
