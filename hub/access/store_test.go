package access_test

import (
	"context"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/hub/staff"
)

// TestStore runs the grants' store on both databases.
func TestStore(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			db := d.Open(t)
			tenant := hubtest.MustTenant(t, db)
			people := staff.NewStore(db)
			grants := access.NewStore(db)
			var person *staff.Account
			err := db.InTx(ctx, func(tx *sqlstore.Tx) (err error) {
				person, _, err = people.Invite(ctx, tx, tenant, "p@example.org", "P")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			add := func(g access.Grant) error {
				g.PersonID = person.ID
				return db.InTx(ctx, func(tx *sqlstore.Tx) error { return grants.Add(ctx, tx, &g) })
			}
			t.Run("OK", func(t *testing.T) {
				for _, g := range []access.Grant{
					{Role: access.CaseWorker, TenantID: tenant, UnitID: "u1"},
					{Role: access.Auditor, TenantID: tenant},
					{Role: access.PlatformOperator},
				} {
					if err := add(g); err != nil {
						t.Fatalf("add %+v: %v", g, err)
					}
				}
				got, err := grants.Of(ctx, person.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 3 {
					t.Fatalf("%d grants, want 3: %+v", len(got), got)
				}
			})
			t.Run("ErrTwice", func(t *testing.T) {
				err := add(access.Grant{Role: access.CaseWorker, TenantID: tenant, UnitID: "u1"})
				if !hub.IsCode(err, hub.ECONFLICT) {
					t.Fatalf("granting twice: %v, want conflict", err)
				}
				err = add(access.Grant{Role: access.PlatformOperator})
				if !hub.IsCode(err, hub.ECONFLICT) {
					t.Fatalf("granting operator twice: %v, want conflict", err)
				}
			})
			t.Run("ErrInvalid", func(t *testing.T) {
				if err := add(access.Grant{Role: access.TenantAdmin, TenantID: tenant, UnitID: "u1"}); !hub.IsCode(err, hub.EINVALID) {
					t.Fatalf("tenant admin on a unit: %v, want invalid", err)
				}
			})
			t.Run("Remove", func(t *testing.T) {
				gs, _ := grants.Of(ctx, person.ID)
				err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
					_, err := grants.Remove(ctx, tx, person.ID, gs[0].ID)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				err = db.InTx(ctx, func(tx *sqlstore.Tx) error {
					_, err := grants.Remove(ctx, tx, "someone-else", gs[1].ID)
					return err
				})
				if !hub.IsCode(err, hub.ENOTFOUND) {
					t.Fatalf("removing another person's grant: %v, want not found", err)
				}
				err = db.InTx(ctx, func(tx *sqlstore.Tx) error { return grants.RemovePerson(ctx, tx, person.ID) })
				if err != nil {
					t.Fatal(err)
				}
				if left, _ := grants.Of(ctx, person.ID); len(left) != 0 {
					t.Errorf("grants left after RemovePerson: %+v", left)
				}
			})
		})
	}
}
