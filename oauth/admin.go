package oauth

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/httpserver"
)

// ClientView is a client as the admin API shows it: never a secret hash.
type ClientView struct {
	ID           string     `json:"id"`
	TenantID     string     `json:"tenantId"`
	Name         string     `json:"name"`
	AuthMethod   string     `json:"authMethod"`
	GrantTypes   []string   `json:"grantTypes"`
	Scopes       []string   `json:"scopes"`
	RedirectURIs []string   `json:"redirectUris"`
	Audience     []string   `json:"audience"`
	Region       string     `json:"region,omitempty"`
	MinACR       string     `json:"minAcr,omitempty"`
	Disabled     bool       `json:"disabled"`
	DisabledAt   *time.Time `json:"disabledAt,omitempty"`
	CreatedAt    time.Time  `json:"createdAt"`
	// Secret is set only in the answer that created or rotated it.
	Secret string `json:"clientSecret,omitempty"`
}

// View returns the admin view of c.
func (c *Client) View() ClientView {
	return ClientView{ID: c.ID, TenantID: c.TenantID, Name: c.Name, AuthMethod: c.AuthMethod, GrantTypes: c.GrantTypes,
		Scopes: c.Scopes, RedirectURIs: c.RedirectURIs, Audience: c.Audience, Region: c.Region, MinACR: c.MinACR,
		Disabled: c.DisabledAt != nil, DisabledAt: c.DisabledAt, CreatedAt: c.CreatedAt}
}

// AdminRoutes mounts the client administration API on r:
//
//	GET  /admin/v1/tenants/{tenant}/clients
//	POST /admin/v1/tenants/{tenant}/clients                      → 201, secret shown once
//	GET  /admin/v1/tenants/{tenant}/clients/{client}
//	POST /admin/v1/tenants/{tenant}/clients/{client}/rotate-secret
//	POST /admin/v1/tenants/{tenant}/clients/{client}/disable
//
// Every route needs a token with the admin scope of that very tenant;
// errors are problem+json.
func (p *Provider) AdminRoutes(r chi.Router) {
	r.Route("/admin/v1/tenants/{tenant}/clients", func(r chi.Router) {
		r.Use(p.Verifier.Require(hub.ScopeAdmin))
		r.Get("/", p.adminList)
		r.Post("/", p.adminCreate)
		r.Get("/{client}", p.adminGet)
		r.Post("/{client}/rotate-secret", p.adminRotate)
		r.Post("/{client}/disable", p.adminDisable)
	})
}

// tenantOfRequest is the tenant the principal acts for; Require has
// already checked it equals the {tenant} of the path.
func tenantOfRequest(r *http.Request) string { return hub.PrincipalFrom(r.Context()).TenantID }

func (p *Provider) adminList(w http.ResponseWriter, r *http.Request) {
	cs, err := p.Clients.List(r.Context(), tenantOfRequest(r))
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	out := make([]ClientView, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.View())
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out}, "no-store")
}

func (p *Provider) adminCreate(w http.ResponseWriter, r *http.Request) {
	var spec ClientSpec
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		httpserver.WriteError(w, r, &hub.Error{Code: hub.EINVALID, Message: "The body must be a client specification in JSON.", Err: err})
		return
	}
	c, secret, err := p.Clients.Create(r.Context(), tenantOfRequest(r), spec)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	p.audit(r.Context(), "oauth client created", "client_id", c.ID, "tenant", c.TenantID, "by", hub.PrincipalFrom(r.Context()).ClientID)
	v := c.View()
	v.Secret = secret
	w.Header().Set("Location", r.URL.Path+"/"+c.ID)
	writeJSON(w, http.StatusCreated, v, "no-store")
}

func (p *Provider) adminGet(w http.ResponseWriter, r *http.Request) {
	c, err := p.Clients.Get(r.Context(), tenantOfRequest(r), chi.URLParam(r, "client"))
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c.View(), "no-store")
}

func (p *Provider) adminRotate(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "client")
	secret, err := p.Clients.RotateSecret(r.Context(), tenantOfRequest(r), id)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	p.audit(r.Context(), "oauth client secret rotated", "client_id", id, "by", hub.PrincipalFrom(r.Context()).ClientID)
	writeJSON(w, http.StatusOK, map[string]string{"clientId": id, "clientSecret": secret}, "no-store")
}

func (p *Provider) adminDisable(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "client")
	if err := p.Clients.Disable(r.Context(), tenantOfRequest(r), id); err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	p.audit(r.Context(), "oauth client disabled", "client_id", id, "by", hub.PrincipalFrom(r.Context()).ClientID)
	w.WriteHeader(http.StatusNoContent)
}
