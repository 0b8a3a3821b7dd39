package epaybl_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/payments"
)

// TestListForCitizen checks that a citizen sees the payments of their own
// cases only, newest first, with the provider's status, and no payment
// the provider has not created.
func TestListForCitizen(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, d.Open(t))
			store := payments.NewStore(e.db, e.cases.Store)
			erika, max := hub.NewID(), hub.NewID()
			c1 := e.cases.Case(t, "vendor-a", erika)
			c2 := e.cases.Case(t, "vendor-a", erika)
			cMax := e.cases.Case(t, "vendor-a", max)
			cNone := e.cases.Case(t, "vendor-a", "")
			p1 := e.create(t, c1.CaseID, "")
			e.clock.Add(time.Second)
			p2 := e.create(t, c2.CaseID, "")
			e.pay(t, p2, "pay", true)
			e.clock.Add(time.Second)
			pMax := e.create(t, cMax.CaseID, "")
			e.create(t, cNone.CaseID, "")
			// A payment the provider has not answered yet.
			if _, err := e.db.ExecContext(ctx, `INSERT INTO payments (id, tenant_id, client_id, case_id, status, amount, currency,
				purpose, description, items, return_url, request_hash, expires_at, created_at, updated_at)
				VALUES ($1, $2, 'vendor-a', $3, 'PENDING', 100, 'EUR', 'Offen', '', '[]', 'https://v.example/', 'h', $4, $4, $4)`,
				hub.NewID(), e.cases.TenantID, c1.CaseID, e.db.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}

			ids := func(list []*payments.Payment) []string {
				var out []string
				for _, p := range list {
					out = append(out, p.ID)
				}
				return out
			}
			cases := []struct {
				name, tenant, citizen string
				want                  []string
			}{
				{"Owner", e.cases.TenantID, erika, []string{p2.ID, p1.ID}},
				{"OtherCitizen", e.cases.TenantID, max, []string{pMax.ID}},
				{"Stranger", e.cases.TenantID, hub.NewID(), nil},
				{"NoCitizen", e.cases.TenantID, "", nil},
				{"OtherTenant", hubtest.MustTenant(t, e.db), erika, nil},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					list, err := store.ListForCitizen(ctx, c.tenant, c.citizen)
					if err != nil {
						t.Fatal(err)
					}
					if got := ids(list); !slices.Equal(got, c.want) {
						t.Fatalf("payments %v, want %v", got, c.want)
					}
				})
			}
			list, _ := store.ListForCitizen(ctx, e.cases.TenantID, erika)
			if len(list) == 2 {
				if got := list[0]; got.Status != payments.StatusPayed || got.CaseID != c2.CaseID || got.Amount != 3550 || got.Purpose != "Gewerbeanmeldung 2026" {
					t.Errorf("paid payment %+v", got)
				}
				if got := list[1]; got.Status != payments.StatusInitial || got.RedirectURL == "" {
					t.Errorf("open payment: status %s, pay page %q", got.Status, got.RedirectURL)
				}
			}
		})
	}
}
