package admin

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// regionalPageRoutes mounts the page comparing a service's regional
// texts with the state's text.
func (c *Center) regionalPageRoutes(r chi.Router) {
	r.Get("/admin/mandanten/{tenant}/regionaltexte", c.regionalTextsPage)
}

func (c *Center) regionalTextsPage(w http.ResponseWriter, r *http.Request) {
	a, t, ok := c.pathTenant(w, r)
	if !ok {
		return
	}
	tenantID := t.ID
	leika := strings.TrimSpace(r.URL.Query().Get("leistung"))
	p := page{Title: "Regionale Texte – " + t.Name, Form: map[string]string{"leistung": leika}}
	data := map[string]any{"Tenant": t, "Titles": sectionTitles}
	p.Data = data
	if leika == "" {
		if _, err := c.svc.ListResponsibilities(r.Context(), a, tenantID, ""); err != nil {
			c.fail(w, r, err) // the right check: 403/404 before an empty form
			return
		}
		c.render(w, r, http.StatusOK, "regional", p)
		return
	}
	name, texts, err := c.svc.RegionalTexts(r.Context(), a, tenantID, leika)
	if err != nil {
		fields, problem, ok := formErrors(err)
		if !ok {
			c.fail(w, r, err)
			return
		}
		p.Errors, p.Problem = fields, problem
		c.render(w, r, httpStatus(err), "regional", p)
		return
	}
	units, err := c.svc.ListUnits(r.Context(), a, tenantID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	names := unitNames(units)
	data["Service"], data["Texts"], data["UnitNames"], data["Shown"] = name, texts, names, true
	c.render(w, r, http.StatusOK, "regional", p)
}

// unitNames maps the units' ids to their names, for tables.
func unitNames(units []UnitNode) map[string]string {
	names := make(map[string]string, len(units))
	for _, u := range units {
		names[u.ID] = u.Name
	}
	return names
}
