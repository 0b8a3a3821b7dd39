package mappings_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/mappings"
)

// TestServiceTry tries stored and built-in mappings on files: the output
// when it runs through, every problem otherwise; the admin API answers the
// same through POST …/try. On both databases.
func TestServiceTry(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			db := d.Open(t)
			store := mappings.NewSQLStore(db)
			engine := mappings.NewEngine(store, mappings.Limits{})
			svc := mappings.NewService(store, engine)
			tenant, other := hubtest.MustTenant(t, db), hubtest.MustTenant(t, db)
			def, err := svc.Upload(ctx, tenant, []byte(tenantYAML("abfall", 1, transformV(1))))
			if err != nil || def.Name != "abfall" || def.Version != 1 {
				t.Fatalf("upload = %+v, %v", def, err)
			}
			if _, err := svc.Upload(ctx, tenant, []byte(tenantYAML("kaputt", 1, "{behaelter: 1}"))); hub.ErrorKind(err) != mappings.KindCheckFailed ||
				len(mappings.CheckViolations(err)) == 0 || mappings.CheckViolations(err)[0].Stage != "output" {
				t.Fatalf("upload of a failing mapping: %v, %+v", err, mappings.CheckViolations(err))
			}
			if vs, err := svc.Versions(ctx, tenant); err != nil || len(vs) != 1 {
				t.Fatalf("versions = %+v, %v; want only abfall", vs, err)
			}

			tests := []struct {
				name, tenant, mapping string
				version               int
				input                 string
				wantOutput            string
				wantStages            []string
				wantCode              string
			}{
				{"OK", tenant, "abfall", 1, `{"tonne":"papier"}`, `{"behaelter":"papier","fassung":1}`, nil, ""},
				{"InputInvalid", tenant, "abfall", 1, `{"tonne":"gelb"}`, `{"behaelter":"gelb","fassung":1}`, []string{"input"}, ""},
				{"NotJSON", tenant, "abfall", 1, `tonne`, "", []string{"run"}, ""},
				{"OtherTenant", other, "abfall", 1, `{"tonne":"bio"}`, "", nil, hub.ENOTFOUND},
				{"UnknownVersion", tenant, "abfall", 2, `{"tonne":"bio"}`, "", nil, hub.ENOTFOUND},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					res, err := svc.Try(ctx, tc.tenant, tc.mapping, tc.version, []byte(tc.input))
					if tc.wantCode != "" {
						if hub.ErrorCode(err) != tc.wantCode {
							t.Fatalf("err = %v, want %s", err, tc.wantCode)
						}
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					var stages []string
					for _, v := range res.Violations {
						stages = append(stages, v.Stage)
					}
					var out bytes.Buffer
					if res.Output != "" {
						if err := json.Compact(&out, []byte(res.Output)); err != nil {
							t.Fatalf("output %q: %v", res.Output, err)
						}
					}
					if out.String() != tc.wantOutput || !reflect.DeepEqual(stages, tc.wantStages) || res.OK() != (len(tc.wantStages) == 0) {
						t.Fatalf("try = %+v; want output %s, stages %v", res, tc.wantOutput, tc.wantStages)
					}
				})
			}

			api := adminAPI{store: store, engine: engine}
			rec := api.do(t, adminOf(tenant), http.MethodPost, "/admin/v1/tenants/"+tenant+"/mappings/abfall/versions/1/try", `{"tonne":"gelb"}`)
			var res mappings.TryResult
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &res) != nil || len(res.Violations) != 1 ||
				res.Violations[0].Field != "/tonne" {
				t.Fatalf("POST try: %d %s", rec.Code, rec.Body)
			}
			if rec := api.do(t, adminOf(other), http.MethodPost, "/admin/v1/tenants/"+tenant+"/mappings/abfall/versions/1/try", `{}`); rec.Code != http.StatusForbidden {
				t.Fatalf("POST try as another tenant: %d %s", rec.Code, rec.Body)
			}
		})
	}
}
