package admin

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/httpserver"
	"github.com/amthub/amthub/hub/staff"
)

//go:embed admin.yaml
var specYAML []byte

// Spec returns the parsed, validated OpenAPI document of /admin/v1.
func Spec() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(specYAML)
	if err != nil {
		return nil, fmt.Errorf("load admin spec: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("admin spec is invalid: %w", err)
	}
	return doc, nil
}

// apiRoutes mounts /admin/v1: each request is checked against admin.yaml
// before its handler runs.
func (c *Center) apiRoutes(r chi.Router) {
	doc, err := Spec()
	if err != nil {
		panic(err) // the embedded spec is checked by the tests
	}
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		panic(err)
	}
	validate := specValidator(router)
	r.With(validate).Post("/admin/v1/login", c.apiLogin)
	r.Group(func(r chi.Router) {
		r.Use(c.requireAPI, validate)
		r.Post("/admin/v1/logout", c.apiLogout)
		r.Get("/admin/v1/tenants", c.apiListTenants)
		r.Post("/admin/v1/tenants", c.apiCreateTenant)
		r.Get("/admin/v1/tenants/{tenant}", c.apiGetTenant)
		r.Get("/admin/v1/tenants/{tenant}/units", c.apiListUnits)
		r.Post("/admin/v1/tenants/{tenant}/units", c.apiCreateUnit)
		r.Get("/admin/v1/tenants/{tenant}/staff", c.apiListStaff)
		r.Post("/admin/v1/tenants/{tenant}/staff", c.apiInviteStaff)
		r.Get("/admin/v1/staff/{person}", c.apiGetPerson)
		r.Delete("/admin/v1/staff/{person}", c.apiRemovePerson)
		r.Post("/admin/v1/staff/{person}/grants", c.apiAddGrant)
		r.Delete("/admin/v1/staff/{person}/grants/{grant}", c.apiRemoveGrant)
		r.Get("/admin/v1/audit", c.apiListAudit)
		c.opsAPIRoutes(r)
	})
}

func specValidator(router routers.Router) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			route, params, err := router.FindRoute(r)
			if err != nil {
				writeAPIError(w, r, hub.Errorf(hub.ENOTFOUND, "No such resource."))
				return
			}
			if r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
			}
			in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
			if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
				writeAPIError(w, r, requestProblem(err))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func requestProblem(err error) error {
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		field := ""
		if re.Parameter != nil {
			field = re.Parameter.Name
		}
		var se *openapi3.SchemaError
		if errors.As(err, &se) && len(se.JSONPointer()) > 0 {
			field = strings.Join(se.JSONPointer(), ".")
		}
		return &hub.Error{Code: hub.EINVALID, Kind: "request_invalid", Field: field, Message: "The request does not match the API description: " + re.Reason}
	}
	return &hub.Error{Code: hub.EINVALID, Kind: "request_invalid", Message: "The request does not match the API description."}
}

func writeAPIError(w http.ResponseWriter, r *http.Request, err error) {
	httpserver.WriteError(w, r, err)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func decode(r *http.Request, v any) error {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		return &hub.Error{Code: hub.EINVALID, Kind: "body_invalid", Message: "The body is not valid JSON."}
	}
	return nil
}

func (c *Center) apiLogin(w http.ResponseWriter, r *http.Request) {
	var in struct{ Email, Password, Code string }
	if err := decode(r, &in); err != nil {
		writeAPIError(w, r, err)
		return
	}
	pending, err := c.logins.Password(r.Context(), in.Email, in.Password, clientAddr(r))
	if err == nil {
		var token string
		if token, err = c.logins.Code(r.Context(), pending, in.Code, clientAddr(r)); err == nil {
			writeJSON(w, http.StatusOK, map[string]string{"token": token})
			return
		}
	}
	writeAPIError(w, r, err)
}

func (c *Center) apiLogout(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	if err := c.logins.Logout(r.Context(), token); err != nil {
		writeAPIError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type tenantJSON struct {
	ID       string         `json:"id"`
	Slug     string         `json:"slug"`
	Name     string         `json:"name"`
	Kind     hub.TenantKind `json:"kind"`
	ParentID string         `json:"parentId,omitempty"`
}

func toTenantJSON(t *hub.Tenant) tenantJSON {
	return tenantJSON{ID: t.ID, Slug: t.Slug, Name: t.Name, Kind: t.Kind, ParentID: t.ParentID}
}

func (c *Center) apiListTenants(w http.ResponseWriter, r *http.Request) {
	ts, err := c.svc.ListTenants(r.Context(), actorFrom(r.Context()))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	items := make([]tenantJSON, 0, len(ts))
	for _, t := range ts {
		items = append(items, toTenantJSON(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (c *Center) apiCreateTenant(w http.ResponseWriter, r *http.Request) {
	var in tenantJSON
	if err := decode(r, &in); err != nil {
		writeAPIError(w, r, err)
		return
	}
	t := &hub.Tenant{Slug: in.Slug, Name: in.Name, Kind: in.Kind, ParentID: in.ParentID}
	if err := c.svc.CreateTenant(r.Context(), actorFrom(r.Context()), t); err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toTenantJSON(t))
}

func (c *Center) apiGetTenant(w http.ResponseWriter, r *http.Request) {
	t, err := c.svc.Tenant(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toTenantJSON(t))
}

type unitJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	ParentID string `json:"parentId,omitempty"`
	Depth    int    `json:"depth"`
}

func (c *Center) apiListUnits(w http.ResponseWriter, r *http.Request) {
	units, err := c.svc.ListUnits(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	items := make([]unitJSON, 0, len(units))
	for _, u := range units {
		items = append(items, unitJSON{ID: u.ID, Name: u.Name, ParentID: u.ParentID, Depth: u.Depth})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (c *Center) apiCreateUnit(w http.ResponseWriter, r *http.Request) {
	var in unitJSON
	if err := decode(r, &in); err != nil {
		writeAPIError(w, r, err)
		return
	}
	u, err := c.svc.CreateUnit(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"), catalogue.OrgUnit{Name: in.Name, ParentID: in.ParentID})
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, unitJSON{ID: u.ID, Name: u.Name, ParentID: u.ParentID})
}

type grantJSON struct {
	ID       string      `json:"id"`
	Role     access.Role `json:"role"`
	TenantID string      `json:"tenantId,omitempty"`
	UnitID   string      `json:"unitId,omitempty"`
}

type personJSON struct {
	ID          string       `json:"id"`
	TenantID    string       `json:"tenantId,omitempty"`
	Email       string       `json:"email"`
	DisplayName string       `json:"displayName"`
	Status      staff.Status `json:"status"`
	Grants      []grantJSON  `json:"grants"`
}

func toPersonJSON(p *Person) personJSON {
	out := personJSON{ID: p.ID, TenantID: p.TenantID, Email: p.Email, DisplayName: p.DisplayName, Status: p.Status, Grants: []grantJSON{}}
	for _, g := range p.Grants {
		out.Grants = append(out.Grants, grantJSON{ID: g.ID, Role: g.Role, TenantID: g.TenantID, UnitID: g.UnitID})
	}
	return out
}

func (c *Center) apiListStaff(w http.ResponseWriter, r *http.Request) {
	people, err := c.svc.ListStaff(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	items := make([]personJSON, 0, len(people))
	for _, p := range people {
		items = append(items, toPersonJSON(p))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (c *Center) apiInviteStaff(w http.ResponseWriter, r *http.Request) {
	var in struct{ Email, DisplayName string }
	if err := decode(r, &in); err != nil {
		writeAPIError(w, r, err)
		return
	}
	inv, err := c.svc.InviteStaff(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"), in.Email, in.DisplayName)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toPersonJSON(&Person{Account: inv.Person}))
}

func (c *Center) apiGetPerson(w http.ResponseWriter, r *http.Request) {
	p, err := c.svc.Person(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "person"))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toPersonJSON(p))
}

func (c *Center) apiRemovePerson(w http.ResponseWriter, r *http.Request) {
	if err := c.svc.RemoveStaff(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "person")); err != nil {
		writeAPIError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (c *Center) apiAddGrant(w http.ResponseWriter, r *http.Request) {
	var in grantJSON
	if err := decode(r, &in); err != nil {
		writeAPIError(w, r, err)
		return
	}
	g, err := c.svc.AddGrant(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "person"), access.Grant{Role: in.Role, UnitID: in.UnitID})
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, grantJSON{ID: g.ID, Role: g.Role, TenantID: g.TenantID, UnitID: g.UnitID})
}

func (c *Center) apiRemoveGrant(w http.ResponseWriter, r *http.Request) {
	if err := c.svc.RemoveGrant(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "person"), chi.URLParam(r, "grant")); err != nil {
		writeAPIError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type auditJSON struct {
	ID           string    `json:"id"`
	At           time.Time `json:"at"`
	TenantID     string    `json:"tenantId,omitempty"`
	ActorID      string    `json:"actorId"`
	ActorName    string    `json:"actorName"`
	Action       string    `json:"action"`
	ResourceKind string    `json:"resourceKind"`
	ResourceID   string    `json:"resourceId"`
	Before       any       `json:"before,omitempty"`
	After        any       `json:"after,omitempty"`
}

func (c *Center) apiListAudit(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := AuditQuery{TenantID: v.Get("tenant"), ActorID: v.Get("actor"), Action: v.Get("action"), ResourceKind: v.Get("kind"), ResourceID: v.Get("resource")}
	q.From, _ = time.Parse(time.RFC3339, v.Get("from")) // the spec checked the format
	q.To, _ = time.Parse(time.RFC3339, v.Get("to"))
	q.Limit, _ = strconv.Atoi(v.Get("limit"))
	entries, err := c.svc.ListAudit(r.Context(), actorFrom(r.Context()), q)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "text/csv") {
		writeAuditCSV(w, entries)
		return
	}
	items := make([]auditJSON, 0, len(entries))
	for _, e := range entries {
		items = append(items, auditJSON{ID: e.ID, At: e.At, TenantID: e.TenantID, ActorID: e.ActorID, ActorName: e.ActorName,
			Action: e.Action, ResourceKind: e.ResourceKind, ResourceID: e.ResourceID, Before: e.Before, After: e.After})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}
