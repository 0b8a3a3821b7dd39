package mappings

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/httpserver"
)

// MaxUploadBytes bounds the body of a mapping upload: a mapping file with
// its schemas and example inline. The shipped mappings bundle to ~20 KiB.
const MaxUploadBytes = 1 << 20

// Kinds of the admin API's refusals (hub.Error.Kind, the problem type).
const (
	KindInvalidMapping = "mapping_invalid"       // the body is no self-contained mapping file
	KindCheckFailed    = "mapping_check_failed"  // the mapping does not pass Check
	KindNameReserved   = "mapping_name_reserved" // the name is a built-in mapping's
)

// admin serves the mapping administration API on the Service.
type admin struct {
	svc *Service
}

// AdminRoutes mounts the tenant mapping administration API on r:
//
//	GET  /admin/v1/tenants/{tenant}/mappings                           → list of versions
//	POST /admin/v1/tenants/{tenant}/mappings                           → 201; body: a mapping file
//	GET  /admin/v1/tenants/{tenant}/mappings/{name}/versions/{version} → the bundle (YAML)
//	POST /admin/v1/tenants/{tenant}/mappings/{name}/versions/{version}/try → 200 TryResult; body: the input data
//
// Every route needs require(hub.ScopeAdmin) and a principal of that very
// tenant. An upload is one self-contained mapping file (schemas and
// example inline, as Definition.Bundle writes it); it is accepted only if
// it passes Check within engine's limits, and otherwise refused with a
// problem+json that lists every violation found.
func AdminRoutes(r chi.Router, store Store, engine *Engine, require func(scopes ...string) func(http.Handler) http.Handler) {
	a := &admin{svc: NewService(store, engine)}
	r.Route("/admin/v1/tenants/{tenant}/mappings", func(r chi.Router) {
		r.Use(require(hub.ScopeAdmin), requireTenant)
		r.Get("/", a.list)
		r.Post("/", a.create)
		r.Get("/{name}/versions/{version}", a.get)
		r.Post("/{name}/versions/{version}/try", a.try)
	})
}

// requireTenant lets a request through only for an admin principal of the
// {tenant} in the path. require checks the same; this check keeps the
// routes safe should they ever be mounted behind a laxer middleware.
func requireTenant(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := hub.PrincipalFrom(r.Context())
		switch {
		case p == nil:
			httpserver.WriteError(w, r, &hub.Error{Code: hub.EUNAUTHORIZED, Kind: "missing_token", Message: "A bearer token is required."})
		case !p.HasScope(hub.ScopeAdmin):
			httpserver.WriteError(w, r, &hub.Error{Code: hub.EFORBIDDEN, Kind: "insufficient_scope", Message: fmt.Sprintf("The token lacks the scope %q.", hub.ScopeAdmin)})
		case p.TenantID == "" || p.TenantID != chi.URLParam(r, "tenant"):
			httpserver.WriteError(w, r, &hub.Error{Code: hub.EFORBIDDEN, Kind: "wrong_tenant", Message: "The token belongs to another tenant."})
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// VersionView describes one stored mapping version in the admin API.
type VersionView struct {
	Name        string `json:"name"`
	Version     int    `json:"version"`
	Format      Format `json:"format"`
	Description string `json:"description,omitempty"`
	// Href is the path of the version's bundle.
	Href string `json:"href"`
}

func viewOf(r *http.Request, def *Definition) VersionView {
	return VersionView{Name: def.Name, Version: def.Version, Format: def.Format, Description: def.Description,
		Href: fmt.Sprintf("/admin/v1/tenants/%s/mappings/%s/versions/%d", chi.URLParam(r, "tenant"), def.Name, def.Version)}
}

func (a *admin) list(w http.ResponseWriter, r *http.Request) {
	defs, err := a.svc.Versions(r.Context(), chi.URLParam(r, "tenant"))
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	items := make([]VersionView, 0, len(defs))
	for _, d := range defs {
		items = append(items, viewOf(r, d))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (a *admin) get(w http.ResponseWriter, r *http.Request) {
	version, err := pathVersion(r)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	def, err := a.svc.Version(r.Context(), chi.URLParam(r, "tenant"), chi.URLParam(r, "name"), version)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	bundle, err := def.Bundle()
	if err != nil {
		httpserver.WriteError(w, r, fmt.Errorf("bundle mapping %s@v%d: %w", def.Name, def.Version, err))
		return
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(bundle)
}

func (a *admin) create(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	tenant := chi.URLParam(r, "tenant")
	def, err := a.svc.Upload(r.Context(), tenant, body)
	var he *hub.Error
	if vs := CheckViolations(err); vs != nil && errors.As(err, &he) {
		writeCheckProblem(w, r, he, vs)
		return
	}
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	httpserver.Logger(r.Context()).Info("tenant mapping uploaded", "tenant", tenant,
		"mapping", Ref{Tenant: tenant, Name: def.Name, Version: def.Version}.String(),
		"by", hub.PrincipalFrom(r.Context()).ClientID)
	v := viewOf(r, def)
	w.Header().Set("Location", v.Href)
	writeJSON(w, http.StatusCreated, v)
}

func (a *admin) try(w http.ResponseWriter, r *http.Request) {
	version, err := pathVersion(r)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	res, err := a.svc.Try(r.Context(), chi.URLParam(r, "tenant"), chi.URLParam(r, "name"), version, body)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func pathVersion(r *http.Request) (int, error) {
	version, err := strconv.Atoi(strings.TrimPrefix(chi.URLParam(r, "version"), "v"))
	if err != nil || version < 1 {
		return 0, hub.FieldError("version", "The version must be a number of 1 or more.")
	}
	return version, nil
}

// readBody reads a request body of at most MaxUploadBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxUploadBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, &hub.Error{Code: hub.ETOOLARGE, Message: fmt.Sprintf("A mapping file may have at most %d bytes.", MaxUploadBytes)}
	}
	if err != nil {
		return nil, &hub.Error{Code: hub.EINVALID, Message: "The body could not be read.", Err: err}
	}
	return body, nil
}

// parseUpload reads a mapping file as it will be stored: bundled and
// parsed back, so that what Check runs is exactly what the store keeps and
// the engine later compiles.
func parseUpload(body []byte) (*Definition, error) {
	invalid := func(err error) error {
		return &hub.Error{Code: hub.EINVALID, Kind: KindInvalidMapping, Err: err,
			Message: "The body must be one self-contained mapping file (YAML, documents inline): " + err.Error()}
	}
	def, err := Parse(body, nil, ".")
	if err != nil {
		return nil, invalid(err)
	}
	bundle, err := def.Bundle()
	if err != nil {
		return nil, invalid(err)
	}
	if def, err = Parse(bundle, nil, "."); err != nil {
		return nil, invalid(err)
	}
	return def, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
