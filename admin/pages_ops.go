package admin

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/catalogue"
)

// opsPageRoutes mounts the pages for responsibilities and dead letters.
func (c *Center) opsPageRoutes(r chi.Router) {
	r.Get("/admin/mandanten/{tenant}/zustaendigkeiten", c.responsibilitiesPage)
	r.Post("/admin/mandanten/{tenant}/zustaendigkeiten", c.responsibilitySet)
	r.Post("/admin/mandanten/{tenant}/zustaendigkeiten/entfernen", c.responsibilityRemove)
	r.Get("/admin/mandanten/{tenant}/unzustellbar", c.deadLettersPage)
	r.Post("/admin/mandanten/{tenant}/unzustellbar/{destination}/{message}/erneut-senden", c.deadLetterReplay)
	r.Post("/admin/mandanten/{tenant}/unzustellbar/{destination}/{message}/verwerfen", c.deadLetterDiscard)
}

// sectionTitles are the German titles of the sections of regional texts.
var sectionTitles = map[string]string{"volltext": "Beschreibung", "voraussetzungen": "Voraussetzungen",
	"verfahrensablauf": "Verfahrensablauf", "fristen": "Fristen", "unterlagen": "Erforderliche Unterlagen",
	"kosten": "Kosten", "rechtsgrundlage": "Rechtsgrundlage"}

type sectionField struct{ Key, Title string }

func (c *Center) responsibilitiesPage(w http.ResponseWriter, r *http.Request) {
	c.showResponsibilities(w, r, http.StatusOK, page{Form: map[string]string{"leikaKey": r.URL.Query().Get("leistung")}})
}

func (c *Center) showResponsibilities(w http.ResponseWriter, r *http.Request, status int, p page) {
	a, t, ok := c.pathTenant(w, r)
	if !ok {
		return
	}
	tenantID := t.ID
	filter := r.URL.Query().Get("leistung")
	if len(filter) != 14 {
		filter = ""
	}
	rs, err := c.svc.ListResponsibilities(r.Context(), a, tenantID, filter)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	units, err := c.svc.ListUnits(r.Context(), a, tenantID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	names := map[string]string{}
	for _, u := range units {
		names[u.ID] = u.Name
	}
	var sections []sectionField
	for _, k := range catalogue.Sections() {
		sections = append(sections, sectionField{Key: k, Title: sectionTitles[k]})
	}
	if p.Form == nil {
		p.Form = map[string]string{}
	}
	p.Title = "Zuständigkeiten – " + t.Name
	p.Data = map[string]any{"Tenant": t, "Responsibilities": rs, "Units": units, "UnitNames": names, "Sections": sections, "Filter": filter}
	c.render(w, r, status, "responsibilities", p)
}

func (c *Center) responsibilitySet(w http.ResponseWriter, r *http.Request) {
	names := []string{"leikaKey", "arsPrefix", "orgUnitId", "onlineUrl"}
	for _, k := range catalogue.Sections() {
		names = append(names, "notes."+k)
	}
	form := formValues(r, names...)
	res := catalogue.Responsibility{LeikaKey: strings.TrimSpace(form["leikaKey"]), ARSPrefix: strings.TrimSpace(form["arsPrefix"]),
		OrgUnitID: form["orgUnitId"], OnlineURL: strings.TrimSpace(form["onlineUrl"]), Notes: map[string]string{}}
	for _, k := range catalogue.Sections() {
		res.Notes[k] = strings.TrimSpace(form["notes."+k])
	}
	tenantID := chi.URLParam(r, "tenant")
	if _, err := c.svc.SetResponsibility(r.Context(), actorFrom(r.Context()), tenantID, res); err != nil {
		fields, problem, ok := formErrors(err)
		if !ok {
			c.fail(w, r, err)
			return
		}
		c.showResponsibilities(w, r, httpStatus(err), page{Errors: fields, Problem: problem, Form: form})
		return
	}
	http.Redirect(w, r, "/admin/mandanten/"+tenantID+"/zustaendigkeiten?leistung="+res.LeikaKey, http.StatusSeeOther)
}

func (c *Center) responsibilityRemove(w http.ResponseWriter, r *http.Request) {
	tenantID := chi.URLParam(r, "tenant")
	leika := r.PostFormValue("leikaKey")
	if err := c.svc.RemoveResponsibility(r.Context(), actorFrom(r.Context()), tenantID, leika, r.PostFormValue("arsPrefix")); err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/mandanten/"+tenantID+"/zustaendigkeiten?leistung="+leika, http.StatusSeeOther)
}

func (c *Center) deadLettersPage(w http.ResponseWriter, r *http.Request) {
	a, t, ok := c.pathTenant(w, r)
	if !ok {
		return
	}
	tenantID := t.ID
	overview, err := c.svc.DeadLetterOverview(r.Context(), a, tenantID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "deadletters", page{Title: "Unzustellbare Nachrichten – " + t.Name,
		Data: map[string]any{"Tenant": t, "Destinations": overview}})
}

func (c *Center) deadLetterReplay(w http.ResponseWriter, r *http.Request) {
	c.resolveDeadLetterPage(w, r, c.svc.ReplayDeadLetter)
}

func (c *Center) deadLetterDiscard(w http.ResponseWriter, r *http.Request) {
	c.resolveDeadLetterPage(w, r, c.svc.DiscardDeadLetter)
}

func (c *Center) resolveDeadLetterPage(w http.ResponseWriter, r *http.Request, do deadLetterAction) {
	tenantID := chi.URLParam(r, "tenant")
	if _, err := do(r.Context(), actorFrom(r.Context()), tenantID, chi.URLParam(r, "destination"), chi.URLParam(r, "message")); err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/mandanten/"+tenantID+"/unzustellbar", http.StatusSeeOther)
}

// mayDeadLettersIn reports whether the actor may handle dead letters in
// a tenant, for links.
func mayDeadLettersIn(a *Actor, tenantID string) bool {
	return a.May(access.DeadLettersManage, access.Resource{TenantID: tenantID})
}
