package mappings_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/mappings"
)

// tenantYAML is a self-contained mapping file as a tenant uploads it: a
// bin collection request mapped to what a waste management system reads.
func tenantYAML(name string, version int, transform string) string {
	return fmt.Sprintf(`name: %s
version: %d
description: Leerung der Abfallbehälter
input:
  schema:
    type: object
    required: [tonne]
    properties: {tonne: {type: string, enum: [bio, rest, papier]}}
  example: {tonne: bio}
output:
  format: json
  schema:
    type: object
    required: [behaelter]
    properties: {behaelter: {type: string}, fassung: {type: integer}}
transform: %q
`, name, version, transform)
}

// transformV returns a program that tells which version produced it.
func transformV(v int) string { return fmt.Sprintf("{behaelter: .tonne, fassung: %d}", v) }

// tenantDef parses tenantYAML.
func tenantDef(t *testing.T, name string, version int, transform string) *mappings.Definition {
	t.Helper()
	def, err := mappings.Parse([]byte(tenantYAML(name, version, transform)), nil, ".")
	if err != nil {
		t.Fatalf("parse tenant mapping: %v", err)
	}
	return def
}

// sameBundle asserts that two definitions bundle to the same file.
func sameBundle(t *testing.T, got, want *mappings.Definition) {
	t.Helper()
	g, err := got.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	w, err := want.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g, w) {
		t.Errorf("stored mapping differs:\n got: %s\nwant: %s", g, w)
	}
}

// TestSQLStore is the Store contract, on SQLite and on PostgreSQL.
func TestSQLStore(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			db := d.Open(t)
			ctx := context.Background()
			store := mappings.NewSQLStore(db)

			t.Run("OK", func(t *testing.T) {
				tenant := hubtest.MustTenant(t, db)
				def := tenantDef(t, "abfall", 1, transformV(1))
				if err := store.CreateMapping(ctx, tenant, def); err != nil {
					t.Fatalf("CreateMapping: %v", err)
				}
				got, err := store.FindMapping(ctx, tenant, "abfall", 1)
				if err != nil {
					t.Fatalf("FindMapping: %v", err)
				}
				sameBundle(t, got, def)
			})

			t.Run("ErrVersionExists", func(t *testing.T) {
				tenant := hubtest.MustTenant(t, db)
				first := tenantDef(t, "abfall", 1, transformV(1))
				if err := store.CreateMapping(ctx, tenant, first); err != nil {
					t.Fatal(err)
				}
				err := store.CreateMapping(ctx, tenant, tenantDef(t, "abfall", 1, transformV(9)))
				if got, want := hub.ErrorCode(err), hub.ECONFLICT; got != want {
					t.Fatalf("code = %q, want %q (%v)", got, want, err)
				}
				if got, want := hub.ErrorKind(err), mappings.KindVersionExists; got != want {
					t.Errorf("kind = %q, want %q", got, want)
				}
				got, err := store.FindMapping(ctx, tenant, "abfall", 1)
				if err != nil {
					t.Fatal(err)
				}
				sameBundle(t, got, first)
			})

			t.Run("OKOldVersionsStayAndListIsSorted", func(t *testing.T) {
				tenant := hubtest.MustTenant(t, db)
				for _, c := range []struct {
					name    string
					version int
				}{{"abfall", 2}, {"abfall", 1}, {"sperrmuell", 1}, {"abfall", 10}} {
					if err := store.CreateMapping(ctx, tenant, tenantDef(t, c.name, c.version, transformV(c.version))); err != nil {
						t.Fatalf("CreateMapping %s@v%d: %v", c.name, c.version, err)
					}
				}
				v1, err := store.FindMapping(ctx, tenant, "abfall", 1)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := v1.Transform, transformV(1); got != want {
					t.Errorf("v1 transform = %q, want %q", got, want)
				}
				defs, err := store.ListMappings(ctx, tenant)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, d := range defs {
					got = append(got, mappings.Ref{Name: d.Name, Version: d.Version}.String())
				}
				if got, want := fmt.Sprint(got), "[abfall@v1 abfall@v2 abfall@v10 sperrmuell@v1]"; got != want {
					t.Errorf("list = %s, want %s", got, want)
				}
			})

			t.Run("ErrNotFound", func(t *testing.T) {
				tenant, other := hubtest.MustTenant(t, db), hubtest.MustTenant(t, db)
				if err := store.CreateMapping(ctx, tenant, tenantDef(t, "abfall", 1, transformV(1))); err != nil {
					t.Fatal(err)
				}
				for _, c := range []struct {
					name, tenant, mapping string
					version               int
				}{
					{"UnknownName", tenant, "sperrmuell", 1},
					{"UnknownVersion", tenant, "abfall", 2},
					{"OtherTenant", other, "abfall", 1},
				} {
					t.Run(c.name, func(t *testing.T) {
						_, err := store.FindMapping(ctx, c.tenant, c.mapping, c.version)
						if got, want := hub.ErrorCode(err), hub.ENOTFOUND; got != want {
							t.Errorf("code = %q, want %q (%v)", got, want, err)
						}
					})
				}
				defs, err := store.ListMappings(ctx, other)
				if err != nil {
					t.Fatal(err)
				}
				if len(defs) != 0 {
					t.Errorf("other tenant lists %d mapping(s), want none", len(defs))
				}
			})

			t.Run("ErrInvalid", func(t *testing.T) {
				tenant := hubtest.MustTenant(t, db)
				badName := tenantDef(t, "abfall", 1, transformV(1))
				badName.Name = "Abfall!"
				for _, c := range []struct {
					name, tenant string
					def          *mappings.Definition
				}{
					{"BadName", tenant, badName},
					{"UnknownTenant", "no-such-tenant", tenantDef(t, "abfall", 1, transformV(1))},
				} {
					t.Run(c.name, func(t *testing.T) {
						err := store.CreateMapping(ctx, c.tenant, c.def)
						if got, want := hub.ErrorCode(err), hub.EINVALID; got != want {
							t.Errorf("code = %q, want %q (%v)", got, want, err)
						}
					})
				}
			})
		})
	}
}
