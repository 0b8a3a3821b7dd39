package admin

import (
	"encoding/json"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/catalogue"
)

// opsAPIRoutes mounts the operations on the catalogue's responsibilities
// and on destinations' dead letters.
func (c *Center) opsAPIRoutes(r chi.Router) {
	r.Get("/admin/v1/tenants/{tenant}/responsibilities", c.apiListResponsibilities)
	r.Put("/admin/v1/tenants/{tenant}/responsibilities/{leikaKey}/{arsPrefix}", c.apiSetResponsibility)
	r.Delete("/admin/v1/tenants/{tenant}/responsibilities/{leikaKey}/{arsPrefix}", c.apiRemoveResponsibility)
	r.Get("/admin/v1/tenants/{tenant}/destinations", c.apiListDestinations)
	r.Post("/admin/v1/tenants/{tenant}/destinations", c.apiCreateDestination)
	r.Put("/admin/v1/tenants/{tenant}/destinations/{destination}", c.apiUpdateDestination)
	r.Get("/admin/v1/tenants/{tenant}/destinations/{destination}/dead-letters", c.apiListDeadLetters)
	r.Get("/admin/v1/tenants/{tenant}/destinations/{destination}/dead-letters/{message}", c.apiGetDeadLetter)
	r.Post("/admin/v1/tenants/{tenant}/destinations/{destination}/dead-letters/{message}/replay", c.apiReplayDeadLetter)
	r.Delete("/admin/v1/tenants/{tenant}/destinations/{destination}/dead-letters/{message}", c.apiDiscardDeadLetter)
}

func (c *Center) apiListResponsibilities(w http.ResponseWriter, r *http.Request) {
	rs, err := c.svc.ListResponsibilities(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"), r.URL.Query().Get("leikaKey"))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": rs})
}

func (c *Center) apiSetResponsibility(w http.ResponseWriter, r *http.Request) {
	var in catalogue.Responsibility
	if err := decode(r, &in); err != nil {
		writeAPIError(w, r, err)
		return
	}
	in.LeikaKey, in.ARSPrefix = chi.URLParam(r, "leikaKey"), chi.URLParam(r, "arsPrefix")
	out, err := c.svc.SetResponsibility(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"), in)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (c *Center) apiRemoveResponsibility(w http.ResponseWriter, r *http.Request) {
	err := c.svc.RemoveResponsibility(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"),
		chi.URLParam(r, "leikaKey"), chi.URLParam(r, "arsPrefix"))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (c *Center) apiListDeadLetters(w http.ResponseWriter, r *http.Request) {
	dls, err := c.svc.ListDeadLetters(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"), chi.URLParam(r, "destination"))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": dls})
}

func (c *Center) apiGetDeadLetter(w http.ResponseWriter, r *http.Request) {
	dl, err := c.svc.InspectDeadLetter(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"), chi.URLParam(r, "destination"),
		chi.URLParam(r, "message"))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dl)
}

func (c *Center) apiReplayDeadLetter(w http.ResponseWriter, r *http.Request) {
	dl, err := c.svc.ReplayDeadLetter(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"), chi.URLParam(r, "destination"),
		chi.URLParam(r, "message"))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dl)
}

func (c *Center) apiDiscardDeadLetter(w http.ResponseWriter, r *http.Request) {
	_, err := c.svc.DiscardDeadLetter(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"), chi.URLParam(r, "destination"),
		chi.URLParam(r, "message"))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// destinationJSON is a destination in the admin API.
type destinationJSON struct {
	ID            string          `json:"id,omitempty"`
	Kind          string          `json:"kind,omitempty"`
	OrgUnitID     string          `json:"orgUnitId"`
	Name          string          `json:"name"`
	Contact       hub.Contact     `json:"contact"`
	EncryptionKey json.RawMessage `json:"encryptionKey,omitempty"`
	Services      []serviceJSON   `json:"services"`
}

type serviceJSON struct {
	LeikaKey        string          `json:"leikaKey"`
	Name            string          `json:"name"`
	SchemaURI       string          `json:"schemaUri"`
	Schema          json.RawMessage `json:"schema"`
	MappingName     string          `json:"mappingName,omitempty"`
	MappingVersion  string          `json:"mappingVersion,omitempty"`
	PaymentRequired bool            `json:"paymentRequired,omitempty"`
}

func toDestinationJSON(d *hub.Destination) destinationJSON {
	out := destinationJSON{ID: d.ID, Kind: d.Kind, OrgUnitID: d.OrgUnitID, Name: d.Name, Contact: d.Contact,
		EncryptionKey: d.EncryptionKey, Services: []serviceJSON{}}
	for _, sv := range d.Services {
		out.Services = append(out.Services, serviceJSON(sv))
	}
	return out
}

func (in destinationJSON) destination() hub.Destination {
	d := hub.Destination{ID: in.ID, Kind: in.Kind, OrgUnitID: in.OrgUnitID, Name: in.Name, Contact: in.Contact,
		EncryptionKey: in.EncryptionKey}
	for _, sv := range in.Services {
		d.Services = append(d.Services, hub.DestinationService(sv))
	}
	return d
}

func (c *Center) apiListDestinations(w http.ResponseWriter, r *http.Request) {
	ds, err := c.svc.ListDestinations(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	items := make([]destinationJSON, 0, len(ds))
	for _, d := range ds {
		items = append(items, toDestinationJSON(d))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (c *Center) apiCreateDestination(w http.ResponseWriter, r *http.Request) {
	var in destinationJSON
	if err := decode(r, &in); err != nil {
		writeAPIError(w, r, err)
		return
	}
	d, err := c.svc.CreateDestination(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"), in.destination())
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toDestinationJSON(d))
}

func (c *Center) apiUpdateDestination(w http.ResponseWriter, r *http.Request) {
	var in destinationJSON
	if err := decode(r, &in); err != nil {
		writeAPIError(w, r, err)
		return
	}
	d, err := c.svc.UpdateDestination(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"), chi.URLParam(r, "destination"),
		in.destination())
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toDestinationJSON(d))
}
