package admin

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/audit"
	"github.com/amthub/amthub/hub/catalogue"
)

func (c *Center) tenantsPage(w http.ResponseWriter, r *http.Request) {
	c.showTenants(w, r, http.StatusOK, page{})
}

func (c *Center) showTenants(w http.ResponseWriter, r *http.Request, status int, p page) {
	a := actorFrom(r.Context())
	ts, err := c.svc.ListTenants(r.Context(), a)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	names := map[string]string{}
	for _, t := range ts {
		names[t.ID] = t.Name
	}
	p.Title = "Mandanten"
	p.Data = map[string]any{"Tenants": ts, "Names": names, "Kinds": hub.TenantKinds, "MayCreate": a.Operator()}
	c.render(w, r, status, "tenants", p)
}

func (c *Center) tenantCreate(w http.ResponseWriter, r *http.Request) {
	form := formValues(r, "name", "slug", "kind", "parent")
	t := &hub.Tenant{Name: strings.TrimSpace(form["name"]), Slug: strings.TrimSpace(form["slug"]), Kind: hub.TenantKind(form["kind"]), ParentID: form["parent"]}
	if err := c.svc.CreateTenant(r.Context(), actorFrom(r.Context()), t); err != nil {
		c.formFailed(w, r, err, form, c.showTenants, nil)
		return
	}
	http.Redirect(w, r, "/admin/mandanten/"+t.ID, http.StatusSeeOther)
}

func (c *Center) tenantPage(w http.ResponseWriter, r *http.Request) {
	c.showTenant(w, r, http.StatusOK, page{})
}

func (c *Center) showTenant(w http.ResponseWriter, r *http.Request, status int, p page) {
	a := actorFrom(r.Context())
	id := chi.URLParam(r, "tenant")
	t, err := c.svc.Tenant(r.Context(), a, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	units, err := c.svc.ListUnits(r.Context(), a, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p.Title = t.Name
	p.Data = map[string]any{"Tenant": t, "Units": units,
		"MayUnits": a.May(access.UnitsManage, access.Resource{TenantID: id, AnyUnit: true}),
		"MayStaff": a.May(access.StaffManage, access.Resource{TenantID: id}), "MayDeadLetters": mayDeadLettersIn(a, id), "MayClients": mayClientsIn(a, id),
		"MayRecord": mayRecordIn(a, id)}
	c.render(w, r, status, "tenant", p)
}

func (c *Center) unitCreate(w http.ResponseWriter, r *http.Request) {
	form := formValues(r, "name", "parentId", "street", "postcode", "city", "email")
	u := catalogue.OrgUnit{Name: strings.TrimSpace(form["name"]), ParentID: form["parentId"],
		Address: catalogue.Address{Street: form["street"], Postcode: form["postcode"], City: form["city"]},
		Contact: catalogue.Contact{Email: strings.TrimSpace(form["email"])}}
	tenantID := chi.URLParam(r, "tenant")
	if _, err := c.svc.CreateUnit(r.Context(), actorFrom(r.Context()), tenantID, u); err != nil {
		c.formFailed(w, r, err, form, c.showTenant, unitFieldNames)
		return
	}
	http.Redirect(w, r, "/admin/mandanten/"+tenantID, http.StatusSeeOther)
}

// unitFieldNames maps the catalogue's field names (its import format's)
// to the form's.
func unitFieldNames(fields map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range fields {
		switch k {
		case "anschrift.strasse", "address.street":
			k = "street"
		case "anschrift.plz", "address.postcode":
			k = "postcode"
		case "anschrift.ort", "address.city":
			k = "city"
		case "kommunikation.email", "contact.email":
			k = "email"
		case "uebergeordnet":
			k = "parentId"
		}
		out[k] = v
	}
	return out
}

func (c *Center) staffChoose(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	ts, err := c.svc.ListTenants(r.Context(), a)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	var mine []*hub.Tenant
	for _, t := range ts {
		if a.May(access.StaffManage, access.Resource{TenantID: t.ID}) {
			mine = append(mine, t)
		}
	}
	if len(mine) == 0 {
		c.fail(w, r, forbidden())
		return
	}
	if len(mine) == 1 {
		http.Redirect(w, r, "/admin/mandanten/"+mine[0].ID+"/personal", http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "choose", page{Title: "Personal und Rollen", Data: mine})
}

func (c *Center) staffPage(w http.ResponseWriter, r *http.Request) {
	c.showStaff(w, r, http.StatusOK, page{})
}

func (c *Center) showStaff(w http.ResponseWriter, r *http.Request, status int, p page) {
	a := actorFrom(r.Context())
	id := chi.URLParam(r, "tenant")
	t, err := c.svc.Tenant(r.Context(), a, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	people, err := c.svc.ListStaff(r.Context(), a, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p.Title = "Personal und Rollen"
	p.Data = map[string]any{"Tenant": t, "People": people}
	c.render(w, r, status, "staff", p)
}

func (c *Center) staffInvite(w http.ResponseWriter, r *http.Request) {
	form := formValues(r, "displayName", "email")
	_, err := c.svc.InviteStaff(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"), form["email"], form["displayName"])
	if err != nil {
		c.formFailed(w, r, err, form, c.showStaff, nil)
		return
	}
	c.showStaff(w, r, http.StatusOK, page{Notice: "Die Einladung an " + strings.ToLower(strings.TrimSpace(form["email"])) + " ist versandt."})
}

func (c *Center) personPage(w http.ResponseWriter, r *http.Request) {
	c.showPerson(w, r, http.StatusOK, page{})
}

func (c *Center) showPerson(w http.ResponseWriter, r *http.Request, status int, p page) {
	a := actorFrom(r.Context())
	person, err := c.svc.Person(r.Context(), a, chi.URLParam(r, "person"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	var units []UnitNode
	names := map[string]string{}
	if person.TenantID != "" {
		if units, err = c.svc.ListUnits(r.Context(), a, person.TenantID); err != nil {
			c.fail(w, r, err)
			return
		}
		for _, u := range units {
			names[u.ID] = u.Name
		}
	}
	roles := access.Roles
	if !a.Operator() || person.TenantID != "" {
		roles = roles[1:]
	}
	p.Title = person.DisplayName
	p.Data = map[string]any{"Person": person, "Units": units, "UnitNames": names, "Roles": roles}
	c.render(w, r, status, "person", p)
}

func (c *Center) grantAdd(w http.ResponseWriter, r *http.Request) {
	form := formValues(r, "role", "unit")
	personID := chi.URLParam(r, "person")
	_, err := c.svc.AddGrant(r.Context(), actorFrom(r.Context()), personID, access.Grant{Role: access.Role(form["role"]), UnitID: form["unit"]})
	if err != nil {
		c.formFailed(w, r, err, form, c.showPerson, nil)
		return
	}
	http.Redirect(w, r, "/admin/personal/"+personID, http.StatusSeeOther)
}

func (c *Center) grantRemove(w http.ResponseWriter, r *http.Request) {
	personID := chi.URLParam(r, "person")
	if err := c.svc.RemoveGrant(r.Context(), actorFrom(r.Context()), personID, chi.URLParam(r, "grant")); err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/personal/"+personID, http.StatusSeeOther)
}

func (c *Center) staffRemove(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	p, err := c.svc.Person(r.Context(), a, chi.URLParam(r, "person"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if err := c.svc.RemoveStaff(r.Context(), a, p.ID); err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/mandanten/"+p.TenantID+"/personal", http.StatusSeeOther)
}

func (c *Center) cataloguePage(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	ts, err := c.svc.ListTenants(r.Context(), a)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	var mine []*hub.Tenant
	for _, t := range ts {
		if a.May(access.CatalogueEdit, access.Resource{TenantID: t.ID, AnyUnit: true}) {
			mine = append(mine, t)
		}
	}
	if len(mine) == 0 {
		c.fail(w, r, forbidden())
		return
	}
	c.render(w, r, http.StatusOK, "catalogue", page{Title: "Katalog", Data: mine})
}

// auditQuery reads the audit filter from the query string; field errors
// name the bad date.
func auditQuery(v url.Values) (AuditQuery, map[string]string) {
	q := AuditQuery{TenantID: v.Get("tenant"), ActorID: v.Get("actor"), Action: v.Get("action"),
		ResourceKind: v.Get("kind"), ResourceID: v.Get("resource")}
	errs := map[string]string{}
	loc := berlin()
	if s := v.Get("from"); s != "" {
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			errs["from"] = "Bitte geben Sie ein Datum an (TT.MM.JJJJ)."
		}
		q.From = t
	}
	if s := v.Get("to"); s != "" {
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			errs["to"] = "Bitte geben Sie ein Datum an (TT.MM.JJJJ)."
		}
		q.To = t.AddDate(0, 0, 1)
	}
	return q, errs
}

func (c *Center) auditPage(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q, errs := auditQuery(v)
	form := map[string]string{"action": q.Action, "actor": q.ActorID, "resource": q.ResourceID, "from": v.Get("from"), "to": v.Get("to")}
	if len(errs) > 0 {
		c.render(w, r, http.StatusUnprocessableEntity, "audit", page{Title: "Protokoll", Errors: errs, Form: form, Data: map[string]any{"Query": ""}})
		return
	}
	entries, err := c.svc.ListAudit(r.Context(), actorFrom(r.Context()), q)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "audit", page{Title: "Protokoll", Form: form, Data: map[string]any{"Entries": entries, "Query": v.Encode()}})
}

func (c *Center) auditCSV(w http.ResponseWriter, r *http.Request) {
	q, errs := auditQuery(r.URL.Query())
	if len(errs) > 0 {
		c.fail(w, r, hub.FieldError("from", "Bitte geben Sie gültige Daten an."))
		return
	}
	q.Limit = 10000
	entries, err := c.svc.ListAudit(r.Context(), actorFrom(r.Context()), q)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeAuditCSV(w, entries)
}

func writeAuditCSV(w http.ResponseWriter, entries []audit.Entry) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="protokoll.csv"`)
	_ = audit.WriteCSV(w, entries)
}

// formFailed shows a form again with err's messages next to its fields
// (names mapped by rename, if given), or fails the page when err is not
// about the input.
func (c *Center) formFailed(w http.ResponseWriter, r *http.Request, err error, form map[string]string,
	show func(http.ResponseWriter, *http.Request, int, page), rename func(map[string]string) map[string]string) {
	fields, problem, ok := formErrors(err)
	if !ok {
		c.fail(w, r, err)
		return
	}
	if rename != nil {
		fields = rename(fields)
	}
	show(w, r, httpStatus(err), page{Errors: fields, Problem: problem, Form: form})
}
