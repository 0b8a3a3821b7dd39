package catalogue_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/amthub/amthub/cmd/amthub/schema"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
)

// TestMigrationMergesResponsibilities fills the schema as shipped before
// the catalogue (routing's and the finder's responsibilities side by side)
// and checks that migration 00650 keeps every fact in the one catalogue.
func TestMigrationMergesResponsibilities(t *testing.T) {
	for _, d := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"SQLite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "amthub.db") }},
		{"PostgreSQL", func(t *testing.T) string { return hubtest.NewPostgresURL(t) }},
	} {
		t.Run(d.name, func(t *testing.T) { testMigration(t, d.url(t)) })
	}
}

func testMigration(t *testing.T, url string) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, url, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Everything the schema had before the catalogue's first migration
	// (00650); later migrations of other modules come after it.
	before := fstest.MapFS{}
	for _, m := range schema.All() {
		names, err := fs.Glob(m.FS, "*.sql")
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if v, err := strconv.Atoi(name[:5]); err == nil && v < 650 {
				b, err := fs.ReadFile(m.FS, name)
				if err != nil {
					t.Fatal(err)
				}
				before[name] = &fstest.MapFile{Data: b}
			}
		}
	}
	if err := db.Migrate(ctx, nil, sqlstore.Migrations{Module: "before-catalogue", FS: before}); err != nil {
		t.Fatal(err)
	}
	tenant := hubtest.MustTenant(t, db)
	now := time.Now().UTC()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, id := range []string{"d1", "d2"} {
		exec(`INSERT INTO destinations (id, tenant_id, name, contact, created_at) VALUES ($1, $2, $3, $4, $5)`,
			id, tenant, "Amt "+id, `{"email":"`+id+`@example.org","phone":"0351"}`, now)
		exec(`INSERT INTO destination_services (tenant_id, destination_id, leika_key, service_name, schema_uri, schema)
			VALUES ($1, $2, $3, 'Gewerbeanmeldung', 'urn:x', '{}')`, tenant, id, leika)
	}
	exec(`INSERT INTO areas (tenant_id, ars, name, level) VALUES ($1, '146120000000', 'Dresden', 'gemeinde'),
		($1, '147130000000', 'Leipzig', 'gemeinde')`, tenant)
	// Routing: Dresden's district by two destinations, Chemnitz by one.
	for _, r := range [][2]string{{"14612", "d2"}, {"14612", "d1"}, {"145110000000", "d1"}} {
		exec(`INSERT INTO responsibilities (tenant_id, leika_key, ars_prefix, destination_id) VALUES ($1, $2, $3, $4)`,
			tenant, leika, r[0], r[1])
	}
	// The finder: the Bürgerbüro for Dresden's district and for Leipzig.
	exec(`INSERT INTO portal_services (tenant_id, leika_key, name, summary, description, requirements, procedure, deadlines,
		documents, costs, legal_basis, keywords, online_url, content_hash, updated_at)
		VALUES ($1, $2, 'Gewerbe anmelden', '', '', '', '', '', '', '', '', '', '', 'h', $3)`, tenant, leika, now)
	exec(`INSERT INTO portal_authorities (tenant_id, id, name, street, postcode, city, opening_hours, phone, email, website,
		content_hash, updated_at) VALUES ($1, 'bb', 'Bürgerbüro', '', '', '', '', '', '', '', 'h', $2)`, tenant, now)
	for _, prefix := range []string{"14612", "147130000000"} {
		exec(`INSERT INTO portal_responsibilities (tenant_id, leika_key, ars_prefix, authority_id, online_url, notes,
			content_hash, updated_at) VALUES ($1, $2, $3, 'bb', 'https://dresden.example/gewerbe', '{"kosten":"26 Euro"}', 'h', $4)`,
			tenant, leika, prefix, now)
	}

	if err := hubtest.Migrate(ctx, db); err != nil {
		t.Fatalf("migrate to the catalogue: %v", err)
	}
	store := catalogue.NewStore(db)
	// Where both tables spoke, routing's unit wins and the finder's texts stay.
	m, err := store.Responsible(ctx, tenant, leika, "146120000000")
	if err != nil || m.Unit.ID != "d1" || m.Unit.Name != "Amt d1" || m.Unit.Contact.Email != "d1@example.org" ||
		m.Notes["kosten"] != "26 Euro" || m.OnlineURL != "https://dresden.example/gewerbe" {
		t.Fatalf("Dresden = %+v, %v; want routing's unit d1 with the finder's notes", m, err)
	}
	routes, err := store.FindRoutes(ctx, tenant, leika, "146120000000")
	if err != nil || len(routes) != 1 || routes[0].Destination.ID != "d1" || routes[0].Unit.ID != "d1" {
		t.Fatalf("Dresden routes = %+v, %v", routes, err)
	}
	if m, err := store.Responsible(ctx, tenant, leika, "145110000000"); err != nil || m.Unit.ID != "d1" {
		t.Fatalf("Chemnitz (routing only) = %+v, %v", m, err)
	}
	// The finder's own responsibility stays; routing now names its unit.
	if m, err := store.Responsible(ctx, tenant, leika, "147130000000"); err != nil || m.Unit.Name != "Bürgerbüro" {
		t.Fatalf("Leipzig (finder only) = %+v, %v", m, err)
	}
	if _, err := store.FindRoutes(ctx, tenant, leika, "147130000000"); hub.ErrorKind(err) != "no_destination" ||
		!strings.Contains(hub.ErrorMessage(err), "Bürgerbüro") {
		t.Fatalf("Leipzig routes: %v, want no_destination naming the Bürgerbüro", err)
	}
	if d, err := store.FindDestination(ctx, tenant, "d2"); err != nil || d.OrgUnitID != "d2" || d.Kind != hub.DestinationAMQP {
		t.Fatalf("d2 = %+v, %v; want its own unit", d, err)
	}
	for _, gone := range []string{"portal_responsibilities", "portal_authorities", "portal_postcodes"} {
		if _, err := db.ExecContext(ctx, `SELECT 1 FROM `+gone); err == nil {
			t.Errorf("%s still exists", gone)
		}
	}
}
