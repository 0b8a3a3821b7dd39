package mappings_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/mappings"
)

// withPrincipal stands in for the OAuth verifier's Require: it puts p into
// the context (nothing if p is nil) and checks nothing itself, so that the
// tests see the handlers' own checks.
func withPrincipal(p *hub.Principal) func(...string) func(http.Handler) http.Handler {
	return func(...string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if p != nil {
					r = r.WithContext(hub.WithPrincipal(r.Context(), p))
				}
				next.ServeHTTP(w, r)
			})
		}
	}
}

func adminOf(tenant string) *hub.Principal {
	return &hub.Principal{TenantID: tenant, ClientID: "ops-" + tenant, Scopes: []string{hub.ScopeAdmin}}
}

// adminAPI serves the admin routes on a store, as the principal given.
type adminAPI struct {
	store  mappings.Store
	engine *mappings.Engine
}

func (a adminAPI) do(t *testing.T, as *hub.Principal, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := chi.NewRouter()
	mappings.AdminRoutes(r, a.store, a.engine, withPrincipal(as))
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	return rec
}

// upload posts a mapping file and requires a 201.
func (a adminAPI) upload(t *testing.T, tenant, body string) {
	t.Helper()
	if rec := a.do(t, adminOf(tenant), http.MethodPost, "/admin/v1/tenants/"+tenant+"/mappings", body); rec.Code != http.StatusCreated {
		t.Fatalf("upload: status %d: %s", rec.Code, rec.Body)
	}
}

type problem struct {
	Type       string                    `json:"type"`
	Status     int                       `json:"status"`
	Field      string                    `json:"field"`
	Violations []mappings.CheckViolation `json:"violations"`
}

func TestAdminUpload(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			db := d.Open(t)
			store := mappings.NewSQLStore(db)
			api := adminAPI{store: store, engine: mappings.NewEngine(store, mappings.Limits{})}
			tenant, other := hubtest.MustTenant(t, db), hubtest.MustTenant(t, db)
			api.upload(t, tenant, tenantYAML("vorhanden", 1, transformV(1)))

			for _, c := range []struct {
				name       string
				as         *hub.Principal
				body       string
				wantStatus int
				wantType   string
				wantStage  string // of the first violation
				wantField  string // of the first violation
			}{
				{"OK", adminOf(tenant), tenantYAML("abfall", 1, transformV(1)), 201, "", "", ""},
				{"OKJSONBody", adminOf(tenant), `{"name": "json-upload", "version": 1,
					"input": {"schema": {"type": "object"}}, "output": {"format": "json", "schema": {}},
					"transform": "."}`, 201, "", "", ""},
				{"ErrVersionExists", adminOf(tenant), tenantYAML("vorhanden", 1, transformV(2)), 409, mappings.KindVersionExists, "", ""},
				{"ErrReservedName", adminOf(tenant), tenantYAML("hundesteuer", 7, transformV(1)), 409, mappings.KindNameReserved, "", ""},
				{"ErrSyntax", adminOf(tenant), tenantYAML("syntax", 1, "{behaelter: "), 422, mappings.KindCheckFailed, "compile", ""},
				{"ErrOutputSchema", adminOf(tenant), tenantYAML("ausgabe", 1, "{behaelter: 1}"), 422, mappings.KindCheckFailed, "output", "/behaelter"},
				{"ErrExampleInvalid", adminOf(tenant), strings.Replace(tenantYAML("beispiel", 1, transformV(1)), "{tonne: bio}", "{tonne: gelb}", 1),
					422, mappings.KindCheckFailed, "input", "/tonne"},
				{"ErrProgramRaises", adminOf(tenant), tenantYAML("programm", 1, `error({field: "/tonne", reason: "unbekannt"})`),
					422, mappings.KindCheckFailed, "program", "/tonne"},
				{"ErrNotAMapping", adminOf(tenant), "hallo: welt\n", 400, mappings.KindInvalidMapping, "", ""},
				{"ErrFileReference", adminOf(tenant), strings.Replace(tenantYAML("datei", 1, transformV(1)),
					"  example: {tonne: bio}", "  example: v1.example.json", 1), 400, mappings.KindInvalidMapping, "", ""},
				{"ErrTooLarge", adminOf(tenant), strings.Repeat("#", mappings.MaxUploadBytes+1), 413, hub.ETOOLARGE, "", ""},
				{"ErrNoPrincipal", nil, tenantYAML("anonym", 1, transformV(1)), 401, "missing_token", "", ""},
				{"ErrOtherTenant", adminOf(other), tenantYAML("fremd", 1, transformV(1)), 403, "wrong_tenant", "", ""},
				{"ErrNoAdminScope", &hub.Principal{TenantID: tenant, Scopes: []string{hub.ScopeRoutesRead}},
					tenantYAML("ohne", 1, transformV(1)), 403, "insufficient_scope", "", ""},
			} {
				t.Run(c.name, func(t *testing.T) {
					rec := api.do(t, c.as, http.MethodPost, "/admin/v1/tenants/"+tenant+"/mappings", c.body)
					if got, want := rec.Code, c.wantStatus; got != want {
						t.Fatalf("status = %d, want %d: %s", got, want, rec.Body)
					}
					if c.wantStatus == http.StatusCreated {
						checkCreated(t, rec, tenant)
						return
					}
					var p problem
					if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
						t.Fatalf("problem: %v: %s", err, rec.Body)
					}
					if got, want := p.Type, "/problems/"+c.wantType; got != want {
						t.Errorf("type = %q, want %q", got, want)
					}
					if c.wantStage == "" {
						return
					}
					if len(p.Violations) == 0 {
						t.Fatalf("no violations listed: %s", rec.Body)
					}
					if got, want := p.Violations[0].Stage, c.wantStage; got != want {
						t.Errorf("stage = %q, want %q: %s", got, want, rec.Body)
					}
					if got, want := p.Violations[0].Field, c.wantField; got != want {
						t.Errorf("field = %q, want %q: %s", got, want, rec.Body)
					}
				})
			}

			defs, err := store.ListMappings(t.Context(), tenant)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(defs), 3; got != want {
				t.Errorf("%d mapping(s) stored, want %d (vorhanden, abfall, json-upload)", got, want)
			}
		})
	}
}

func checkCreated(t *testing.T, rec *httptest.ResponseRecorder, tenant string) {
	t.Helper()
	var v mappings.VersionView
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("answer: %v: %s", err, rec.Body)
	}
	if v.Name == "" || v.Version != 1 {
		t.Errorf("answer = %+v, want a name and version 1", v)
	}
	if got, want := rec.Header().Get("Location"), "/admin/v1/tenants/"+tenant+"/mappings/"+v.Name+"/versions/1"; got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
}

func TestAdminRead(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			db := d.Open(t)
			store := mappings.NewSQLStore(db)
			api := adminAPI{store: store, engine: mappings.NewEngine(store, mappings.Limits{})}
			tenant, other := hubtest.MustTenant(t, db), hubtest.MustTenant(t, db)
			api.upload(t, tenant, tenantYAML("abfall", 1, transformV(1)))
			api.upload(t, tenant, tenantYAML("abfall", 2, transformV(2)))
			base := "/admin/v1/tenants/" + tenant + "/mappings"

			t.Run("OKList", func(t *testing.T) {
				rec := api.do(t, adminOf(tenant), http.MethodGet, base, "")
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				var list struct{ Items []mappings.VersionView }
				if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
					t.Fatal(err)
				}
				if got, want := len(list.Items), 2; got != want {
					t.Fatalf("%d item(s), want %d: %s", got, want, rec.Body)
				}
				if got, want := list.Items[1].Href, base+"/abfall/versions/2"; got != want {
					t.Errorf("href = %q, want %q", got, want)
				}
			})

			for _, c := range []struct {
				name, version string
				wantTransform string
			}{{"OKVersion1", "1", transformV(1)}, {"OKVersionV2", "v2", transformV(2)}} {
				t.Run(c.name, func(t *testing.T) {
					rec := api.do(t, adminOf(tenant), http.MethodGet, base+"/abfall/versions/"+c.version, "")
					if rec.Code != http.StatusOK {
						t.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
					if got, want := rec.Header().Get("Content-Type"), "application/yaml"; got != want {
						t.Errorf("Content-Type = %q, want %q", got, want)
					}
					def, err := mappings.Parse(rec.Body.Bytes(), nil, ".")
					if err != nil {
						t.Fatalf("the answer is no mapping file: %v", err)
					}
					if got, want := def.Transform, c.wantTransform; got != want {
						t.Errorf("transform = %q, want %q", got, want)
					}
				})
			}

			for _, c := range []struct {
				name, path string
				as         *hub.Principal
				wantStatus int
			}{
				{"ErrUnknownVersion", base + "/abfall/versions/3", adminOf(tenant), 404},
				{"ErrUnknownName", base + "/sperrmuell/versions/1", adminOf(tenant), 404},
				{"ErrBadVersion", base + "/abfall/versions/neu", adminOf(tenant), 400},
				{"ErrOtherTenantsPath", base + "/abfall/versions/1", adminOf(other), 403},
				{"ErrOtherTenantsList", base, adminOf(other), 403},
				{"ErrNotInOwnTenant", "/admin/v1/tenants/" + other + "/mappings/abfall/versions/1", adminOf(other), 404},
			} {
				t.Run(c.name, func(t *testing.T) {
					if got, want := api.do(t, c.as, http.MethodGet, c.path, "").Code, c.wantStatus; got != want {
						t.Errorf("status = %d, want %d", got, want)
					}
				})
			}
		})
	}
}
