package audit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/audit"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
)

// TestStore records, filters and exports entries on both databases.
func TestStore(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			db := d.Open(t)
			t1, t2 := hubtest.MustTenant(t, db), hubtest.MustTenant(t, db)
			base := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
			entries := []audit.Entry{
				{At: base, TenantID: t1, ActorID: "a1", ActorName: "Anna", Action: "staff.invited", ResourceKind: "staff", ResourceID: "s1",
					After: map[string]any{"email": "s1@amt.de", "password": "pw"}},
				{At: base.Add(time.Hour), TenantID: t1, ActorID: "a2", ActorName: "Bernd", Action: "grant.added", ResourceKind: "grant", ResourceID: "g1"},
				{At: base.Add(2 * time.Hour), TenantID: t2, ActorID: "a1", ActorName: "Anna", Action: "staff.removed", ResourceKind: "staff", ResourceID: "s2",
					Before: map[string]any{"email": "s2@amt.de"}},
				{At: base.Add(3 * time.Hour), ActorID: "a1", ActorName: "=cmd()", Action: "tenant.created", ResourceKind: "tenant", ResourceID: t2},
			}
			for _, e := range entries {
				if err := db.InTx(ctx, func(tx *sqlstore.Tx) error { return audit.Record(ctx, tx, e) }); err != nil {
					t.Fatal(err)
				}
			}
			t.Run("RolledBackWithTheChange", func(t *testing.T) {
				boom := errors.New("change failed")
				err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
					if err := audit.Record(ctx, tx, audit.Entry{TenantID: t1, ActorID: "a9", ActorName: "Rolled Back", Action: "x.y", ResourceKind: "x", ResourceID: "1"}); err != nil {
						return err
					}
					return boom
				})
				if !errors.Is(err, boom) {
					t.Fatalf("InTx = %v", err)
				}
			})
			s := audit.NewStore(db)
			ids := func(es []audit.Entry) string {
				var out []string
				for _, e := range es {
					out = append(out, e.ResourceID)
				}
				return strings.Join(out, ",")
			}
			for _, tc := range []struct {
				name string
				f    audit.Filter
				want string
			}{
				{"all", audit.Filter{AllTenants: true}, t2 + ",s2,g1,s1"},
				{"nothing without tenants", audit.Filter{}, ""},
				{"one tenant", audit.Filter{Tenants: []string{t1}}, "g1,s1"},
				{"actor", audit.Filter{AllTenants: true, ActorID: "a1"}, t2 + ",s2,s1"},
				{"action", audit.Filter{AllTenants: true, Action: "grant.added"}, "g1"},
				{"action prefix", audit.Filter{AllTenants: true, Action: "staff."}, "s2,s1"},
				{"resource", audit.Filter{AllTenants: true, ResourceKind: "staff", ResourceID: "s2"}, "s2"},
				{"time", audit.Filter{AllTenants: true, From: base.Add(30 * time.Minute), To: base.Add(2 * time.Hour)}, "g1"},
				{"limit", audit.Filter{AllTenants: true, Limit: 1}, t2},
			} {
				t.Run(tc.name, func(t *testing.T) {
					got, err := s.List(ctx, tc.f)
					if err != nil {
						t.Fatal(err)
					}
					if ids(got) != tc.want {
						t.Errorf("List = %s, want %s", ids(got), tc.want)
					}
				})
			}
			t.Run("RedactedAndCSV", func(t *testing.T) {
				got, err := s.List(ctx, audit.Filter{AllTenants: true})
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := audit.WriteCSV(&buf, got); err != nil {
					t.Fatal(err)
				}
				if strings.Contains(buf.String(), `"pw"`) || strings.Contains(buf.String(), "Rolled Back") {
					t.Errorf("CSV keeps a secret or a rolled-back entry:\n%s", buf.String())
				}
				rows, err := csv.NewReader(&buf).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) != 5 || strings.Join(rows[0], ",") != strings.Join(audit.CSVHeader, ",") {
					t.Fatalf("CSV rows = %v", rows)
				}
				if rows[1][4] != "'=cmd()" {
					t.Errorf("formula cell = %q, want it quoted", rows[1][4])
				}
				var after map[string]string
				if err := json.Unmarshal([]byte(rows[4][9]), &after); err != nil {
					t.Fatal(err)
				}
				if after["password"] != audit.Redacted || after["email"] != "s1@amt.de" {
					t.Errorf("after = %s", rows[4][9])
				}
			})
		})
	}
}
