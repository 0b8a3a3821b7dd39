package schema_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/pressly/goose/v3"

	"github.com/amthub/amthub/cmd/amthub/schema"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
)

// shippedOnly returns the composed schema as shipped before modules owned
// their migrations (versions up to 00520).
func shippedOnly(t *testing.T) []sqlstore.Migrations {
	t.Helper()
	var out []sqlstore.Migrations
	for _, m := range schema.All() {
		names, err := fs.Glob(m.FS, "*.sql")
		if err != nil {
			t.Fatal(err)
		}
		sub := fstest.MapFS{}
		for _, name := range names {
			if v, err := goose.NumericComponent(name); err != nil || v > 520 {
				continue
			}
			b, err := fs.ReadFile(m.FS, name)
			if err != nil {
				t.Fatal(err)
			}
			sub[name] = &fstest.MapFile{Data: b}
		}
		if len(sub) > 0 {
			out = append(out, sqlstore.Migrations{Module: m.Module, FS: sub})
		}
	}
	return out
}

// TestUpgradeMovesConfirmation upgrades a database of the shipped schema:
// whether an account's e-mail address is confirmed moves from the
// portal's master data into the account (hub/citizens), and an account
// without master data (made by `amthub dev` or an operator, which could
// log in through OAuth) counts as confirmed.
func TestUpgradeMovesConfirmation(t *testing.T) {
	for _, d := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "amthub.db") }},
		{"postgres", func(t *testing.T) string { return hubtest.NewPostgresURL(t) }},
	} {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := sqlstore.Open(ctx, d.url(t), sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Migrate(ctx, nil, shippedOnly(t)...); err != nil {
				t.Fatal(err)
			}
			tenant := hubtest.MustTenant(t, db)
			now := db.Now()
			for _, acct := range []struct {
				id, token string
				confirmed bool
				profile   bool
			}{
				{id: "confirmed", confirmed: true, profile: true},
				{id: "waiting", token: "abc123", profile: true},
				{id: "seeded"},
			} {
				if _, err := db.ExecContext(ctx, `INSERT INTO citizen_accounts (id, tenant_id, email, password_hash, display_name, created_at)
					VALUES ($1, $2, $3, 'x', 'Name', $4)`, acct.id, tenant, acct.id+"@example.org", now); err != nil {
					t.Fatal(err)
				}
				if !acct.profile {
					continue
				}
				var at any
				if acct.confirmed {
					at = now
				}
				if _, err := db.ExecContext(ctx, `INSERT INTO portal_profiles (tenant_id, citizen_id, given_name, family_name,
					birth_name, birth_date, birth_place, street, postcode, city, phone, confirmed_at, confirm_token, updated_at)
					VALUES ($1, $2, 'G', 'F', '', '', '', '', '', '', '', $3, $4, $5)`, tenant, acct.id, at, acct.token, now); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Migrate(ctx, nil, schema.All()...); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				id        string
				confirmed bool
				token     string
			}{
				{"confirmed", true, ""},
				{"waiting", false, "abc123"},
				{"seeded", true, ""},
			} {
				var confirmed bool
				var token string
				if err := db.QueryRowContext(ctx, `SELECT confirmed_at IS NOT NULL, confirm_token FROM citizen_accounts
					WHERE tenant_id = $1 AND id = $2`, tenant, tc.id).Scan(&confirmed, &token); err != nil {
					t.Fatal(err)
				}
				if confirmed != tc.confirmed || token != tc.token {
					t.Errorf("%s: confirmed %v token %q, want %v %q", tc.id, confirmed, token, tc.confirmed, tc.token)
				}
			}
			var n int
			if err := db.QueryRowContext(ctx, `SELECT count(*) FROM portal_profiles WHERE tenant_id = $1`, tenant).Scan(&n); err != nil || n != 2 {
				t.Fatalf("master data after the upgrade: %d rows, %v; want 2", n, err)
			}
		})
	}
}
