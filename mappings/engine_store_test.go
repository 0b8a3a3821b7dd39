package mappings_test

import (
	"context"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/mappings"
)

// TestEngineRunsUploadedMappings uploads through the admin API and runs
// through the engine, as the pipeline does for a destination that names a
// tenant's mapping.
func TestEngineRunsUploadedMappings(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			db := d.Open(t)
			ctx := context.Background()
			store := mappings.NewSQLStore(db)
			engine := mappings.NewEngine(store, mappings.Limits{})
			api := adminAPI{store: store, engine: engine}
			tenant, other := hubtest.MustTenant(t, db), hubtest.MustTenant(t, db)
			run := func(e *mappings.Engine, ref mappings.Ref) (string, error) {
				res, err := e.Run(ctx, ref, []byte(`{"tonne": "papier"}`), mappings.ExampleMeta())
				if err != nil {
					return "", err
				}
				return string(res.Body), nil
			}
			v1 := mappings.Ref{Tenant: tenant, Name: "abfall", Version: 1}
			v2 := mappings.Ref{Tenant: tenant, Name: "abfall", Version: 2}
			want := map[mappings.Ref]string{
				v1: "{\n  \"behaelter\": \"papier\",\n  \"fassung\": 1\n}\n",
				v2: "{\n  \"behaelter\": \"papier\",\n  \"fassung\": 2\n}\n",
			}

			api.upload(t, tenant, tenantYAML("abfall", 1, transformV(1)))
			if got, err := run(engine, v1); err != nil || got != want[v1] {
				t.Fatalf("v1 before v2 = %q, %v; want %q", got, err, want[v1])
			}

			api.upload(t, tenant, tenantYAML("abfall", 2, transformV(2)))
			// A fresh engine has nothing cached: the store itself keeps v1.
			for name, e := range map[string]*mappings.Engine{"cached": engine, "fresh": mappings.NewEngine(store, mappings.Limits{})} {
				for _, ref := range []mappings.Ref{v1, v2} {
					if got, err := run(e, ref); err != nil || got != want[ref] {
						t.Errorf("%s engine, %s = %q, %v; want %q", name, ref, got, err, want[ref])
					}
				}
			}

			t.Run("ErrOtherTenant", func(t *testing.T) {
				_, err := run(engine, mappings.Ref{Tenant: other, Name: "abfall", Version: 1})
				if got, want := hub.ErrorCode(err), hub.ENOTFOUND; got != want {
					t.Errorf("code = %q, want %q (%v)", got, want, err)
				}
			})
		})
	}
}
