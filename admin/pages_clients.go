package admin

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub/access"
)

// clientPageRoutes mounts the pages for a tenant's OAuth clients.
func (c *Center) clientPageRoutes(r chi.Router) {
	r.Get("/admin/mandanten/{tenant}/clients", c.clientsPage)
	r.Post("/admin/mandanten/{tenant}/clients", c.clientCreate)
	r.Post("/admin/mandanten/{tenant}/clients/{client}/neues-geheimnis", c.clientRotate)
	r.Post("/admin/mandanten/{tenant}/clients/{client}/deaktivieren", c.clientDisable)
}

func (c *Center) clientsPage(w http.ResponseWriter, r *http.Request) {
	c.showClients(w, r, http.StatusOK, page{})
}

func (c *Center) showClients(w http.ResponseWriter, r *http.Request, status int, p page) {
	a, t, ok := c.pathTenant(w, r)
	if !ok {
		return
	}
	tenantID := t.ID
	cs, err := c.svc.ListClients(r.Context(), a, tenantID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if p.Form == nil {
		p.Form = map[string]string{}
	}
	p.Title = "API-Clients – " + t.Name
	p.Data = map[string]any{"Tenant": t, "Clients": cs, "Scopes": VendorScopes, "Chosen": r.PostForm["scopes"]}
	c.render(w, r, status, "clients", p)
}

func (c *Center) clientCreate(w http.ResponseWriter, r *http.Request) {
	form := formValues(r, "name")
	tenantID := chi.URLParam(r, "tenant")
	cl, secret, err := c.svc.CreateClient(r.Context(), actorFrom(r.Context()), tenantID, form["name"], r.PostForm["scopes"])
	if err != nil {
		fields, problem, ok := formErrors(err)
		if !ok {
			c.fail(w, r, err)
			return
		}
		c.showClients(w, r, httpStatus(err), page{Errors: fields, Problem: problem, Form: form})
		return
	}
	c.showSecret(w, r, cl.ID, cl.Name, secret, "Der Client wurde angelegt.")
}

func (c *Center) clientRotate(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	tenantID, clientID := chi.URLParam(r, "tenant"), chi.URLParam(r, "client")
	secret, err := c.svc.RotateClientSecret(r.Context(), a, tenantID, clientID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	name := clientID
	if cs, err := c.svc.ListClients(r.Context(), a, tenantID); err == nil {
		for _, cl := range cs {
			if cl.ID == clientID {
				name = cl.Name
			}
		}
	}
	c.showSecret(w, r, clientID, name, secret, "Der Client hat ein neues Geheimnis; das bisherige gilt nicht mehr.")
}

// showSecret answers a creation or rotation with the secret: on this page
// only, never again (the store keeps a hash).
func (c *Center) showSecret(w http.ResponseWriter, r *http.Request, id, name, secret, notice string) {
	tenantID := chi.URLParam(r, "tenant")
	t, err := c.svc.Tenant(r.Context(), actorFrom(r.Context()), tenantID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "clientsecret", page{Title: "Client-Geheimnis – " + name, Notice: notice,
		Data: map[string]any{"Tenant": t, "ClientID": id, "Name": name, "Secret": secret}})
}

func (c *Center) clientDisable(w http.ResponseWriter, r *http.Request) {
	tenantID := chi.URLParam(r, "tenant")
	if err := c.svc.DisableClient(r.Context(), actorFrom(r.Context()), tenantID, chi.URLParam(r, "client")); err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/mandanten/"+tenantID+"/clients", http.StatusSeeOther)
}

// mayClientsIn reports whether the actor may manage OAuth clients in a
// tenant, for links.
func mayClientsIn(a *Actor, tenantID string) bool {
	return a.May(access.ClientsManage, access.Resource{TenantID: tenantID, AnyUnit: true})
}
