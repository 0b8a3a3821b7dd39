package admin

import (
	"cmp"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
)

// destinationPageRoutes mounts the pages to list, create and edit a
// tenant's destinations (Empfangsstellen).
func (c *Center) destinationPageRoutes(r chi.Router) {
	r.Get("/admin/mandanten/{tenant}/empfangsstellen", c.destinationsPage)
	r.Post("/admin/mandanten/{tenant}/empfangsstellen", c.destinationCreate)
	r.Get("/admin/mandanten/{tenant}/empfangsstellen/{destination}", c.destinationPage)
	r.Post("/admin/mandanten/{tenant}/empfangsstellen/{destination}", c.destinationUpdate)
}

// destinationKinds are the kinds a page offers, with German labels.
var destinationKinds = []struct{ Value, Label string }{
	{hub.DestinationAMQP, "Fachverfahren über AMQP"},
	{hub.DestinationBuiltin, "Eingebautes Fachverfahren"},
	{hub.DestinationFITConnect, "FIT-Connect"},
}

var destinationFormNames = []string{"name", "orgUnitId", "kind", "email",
	"service.leikaKey", "service.name", "service.schemaUri", "service.schema"}

func (c *Center) destinationsPage(w http.ResponseWriter, r *http.Request) {
	c.showDestinations(w, r, http.StatusOK, page{Form: map[string]string{"kind": hub.DestinationAMQP, "service.schema": "{}"}})
}

func (c *Center) destinationPage(w http.ResponseWriter, r *http.Request) {
	c.showDestinations(w, r, http.StatusOK, page{})
}

// showDestinations renders the list with the create form, or, with a
// destination in the path, the edit form of that destination.
func (c *Center) showDestinations(w http.ResponseWriter, r *http.Request, status int, p page) {
	a, t, ok := c.pathTenant(w, r)
	if !ok {
		return
	}
	tenantID := t.ID
	ds, err := c.svc.ListDestinations(r.Context(), a, tenantID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	units, err := c.svc.ListUnits(r.Context(), a, tenantID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	names := unitNames(units)
	data := map[string]any{"Tenant": t, "Destinations": ds, "Units": units, "UnitNames": names, "Kinds": destinationKinds}
	p.Title = "Empfangsstellen – " + t.Name
	if id := chi.URLParam(r, "destination"); id != "" {
		d := findDestination(ds, id)
		if d == nil {
			c.fail(w, r, notFound("Empfangsstelle"))
			return
		}
		data["Editing"] = d
		p.Title = d.Name + " – " + t.Name
		if p.Form == nil {
			p.Form = map[string]string{"name": d.Name, "orgUnitId": d.OrgUnitID, "kind": cmp.Or(d.Kind, hub.DestinationAMQP), "email": d.Contact.Email}
		}
	}
	if p.Form == nil {
		p.Form = map[string]string{}
	}
	p.Data = data
	c.render(w, r, status, "destinations", p)
}

func findDestination(ds []*hub.Destination, id string) *hub.Destination {
	for _, d := range ds {
		if d.ID == id {
			return d
		}
	}
	return nil
}

// formService reads the form's service row; ok is false when it is empty.
func formService(form map[string]string) (hub.DestinationService, bool) {
	sv := hub.DestinationService{LeikaKey: strings.TrimSpace(form["service.leikaKey"]), Name: strings.TrimSpace(form["service.name"]),
		SchemaURI: strings.TrimSpace(form["service.schemaUri"]), Schema: json.RawMessage(strings.TrimSpace(form["service.schema"]))}
	empty := sv.LeikaKey == "" && sv.Name == "" && sv.SchemaURI == "" && (len(sv.Schema) == 0 || string(sv.Schema) == "{}")
	return sv, !empty
}

func (c *Center) destinationCreate(w http.ResponseWriter, r *http.Request) {
	form := formValues(r, destinationFormNames...)
	d := hub.Destination{Name: strings.TrimSpace(form["name"]), OrgUnitID: form["orgUnitId"], Kind: form["kind"],
		Contact: hub.Contact{Email: strings.TrimSpace(form["email"])}}
	if sv, ok := formService(form); ok {
		d.Services = []hub.DestinationService{sv}
	}
	tenantID := chi.URLParam(r, "tenant")
	created, err := c.svc.CreateDestination(r.Context(), actorFrom(r.Context()), tenantID, d)
	if err != nil {
		c.formFailed(w, r, err, form, c.showDestinations, destinationFieldNames)
		return
	}
	http.Redirect(w, r, "/admin/mandanten/"+tenantID+"/empfangsstellen/"+created.ID, http.StatusSeeOther)
}

// destinationUpdate changes name, unit, kind and e-mail address; a filled
// service row adds that service or replaces the one with its key.
func (c *Center) destinationUpdate(w http.ResponseWriter, r *http.Request) {
	form := formValues(r, destinationFormNames...)
	a := actorFrom(r.Context())
	tenantID, id := chi.URLParam(r, "tenant"), chi.URLParam(r, "destination")
	ds, err := c.svc.ListDestinations(r.Context(), a, tenantID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	old := findDestination(ds, id)
	if old == nil {
		c.fail(w, r, notFound("Empfangsstelle"))
		return
	}
	d := *old
	d.Name, d.OrgUnitID, d.Kind = strings.TrimSpace(form["name"]), form["orgUnitId"], form["kind"]
	d.Contact.Email = strings.TrimSpace(form["email"])
	d.Services = append([]hub.DestinationService(nil), old.Services...)
	if sv, ok := formService(form); ok {
		replaced := false
		for i := range d.Services {
			if d.Services[i].LeikaKey == sv.LeikaKey {
				sv.MappingName, sv.MappingVersion, sv.PaymentRequired = d.Services[i].MappingName, d.Services[i].MappingVersion, d.Services[i].PaymentRequired
				d.Services[i], replaced = sv, true
			}
		}
		if !replaced {
			d.Services = append(d.Services, sv)
		}
	}
	if _, err := c.svc.UpdateDestination(r.Context(), a, tenantID, id, d); err != nil {
		c.formFailed(w, r, err, form, c.showDestinations, destinationFieldNames)
		return
	}
	http.Redirect(w, r, "/admin/mandanten/"+tenantID+"/empfangsstellen/"+id, http.StatusSeeOther)
}

var serviceField = regexp.MustCompile(`^services\[\d+\]\.`)

// destinationFieldNames maps the catalogue's field names to the form's:
// every service's fields to the one service row.
func destinationFieldNames(fields map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range fields {
		switch {
		case k == "contact.email":
			k = "email"
		case k == "services":
			k = "service.leikaKey"
		case serviceField.MatchString(k):
			k = "service." + serviceField.ReplaceAllString(k, "")
		}
		if _, seen := out[k]; !seen {
			out[k] = v
		}
	}
	return out
}
