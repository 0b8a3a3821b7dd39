package catalogue_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
)

const leika = "99050012104000"

type fixture struct {
	db     *sqlstore.DB
	store  *catalogue.Store
	tenant string
	dest   *hub.Destination
}

// newFixture makes a tenant with Chemnitz and Dresden, a destination that
// is its own organisational unit, responsible for Chemnitz.
func newFixture(t *testing.T, db *sqlstore.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, store: catalogue.NewStore(db), tenant: hubtest.MustTenant(t, db)}
	f.dest = &hub.Destination{TenantID: f.tenant, Name: "Gewerbeamt Chemnitz", Contact: hub.Contact{Email: "gewerbe@example.org"},
		Services: []hub.DestinationService{{LeikaKey: leika, Name: "Gewerbeanmeldung", SchemaURI: "urn:test", Schema: json.RawMessage(`{}`)}}}
	if err := f.store.CreateDestination(ctx, f.dest); err != nil {
		t.Fatal(err)
	}
	if err := f.store.UpsertAreas(ctx, f.tenant, []hub.Area{{ARS: "145110000000", Name: "Chemnitz", Level: "gemeinde"},
		{ARS: "146120000000", Name: "Dresden", Level: "gemeinde", Postcode: "01067"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.store.AddResponsibility(ctx, f.tenant, hub.Responsibility{LeikaKey: leika, ARSPrefix: "145110000000", DestinationID: f.dest.ID}); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestCatalogueContract runs the catalogue store's cases on both databases.
func TestCatalogueContract(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			t.Run("Routes", func(t *testing.T) { testRoutes(t, newFixture(t, d.Open(t))) })
			t.Run("UnitsAndFinder", func(t *testing.T) { testUnitsAndFinder(t, newFixture(t, d.Open(t))) })
			t.Run("Places", func(t *testing.T) { testPlaces(t, newFixture(t, d.Open(t))) })
		})
	}
}

func testRoutes(t *testing.T, f *fixture) {
	ctx := context.Background()
	routes, err := f.store.FindRoutes(ctx, f.tenant, leika, "145110000000")
	if err != nil || len(routes) != 1 || routes[0].Destination.ID != f.dest.ID || routes[0].Service.Name != "Gewerbeanmeldung" {
		t.Fatalf("routes = %+v, %v", routes, err)
	}
	if got, want := routes[0].Unit, (hub.Unit{ID: f.dest.ID, Name: "Gewerbeamt Chemnitz"}); got != want {
		t.Fatalf("route unit = %+v, want %+v", got, want)
	}
	// A state-wide responsibility is overridden by the municipality's own.
	wide := &hub.Destination{TenantID: f.tenant, Name: "Landesdirektion", Services: []hub.DestinationService{{LeikaKey: leika, Name: "G", SchemaURI: "u", Schema: json.RawMessage(`{}`)}}}
	if err := f.store.CreateDestination(ctx, wide); err != nil {
		t.Fatal(err)
	}
	if err := f.store.AddResponsibility(ctx, f.tenant, hub.Responsibility{LeikaKey: leika, ARSPrefix: "14", DestinationID: wide.ID}); err != nil {
		t.Fatal(err)
	}
	if routes, _ := f.store.FindRoutes(ctx, f.tenant, leika, "145110000000"); len(routes) != 1 || routes[0].Destination.ID != f.dest.ID {
		t.Fatalf("specific responsibility not preferred: %+v", routes)
	}
	if routes, _ := f.store.FindRoutes(ctx, f.tenant, leika, "146120000000"); len(routes) != 1 || routes[0].Destination.ID != wide.ID {
		t.Fatalf("state-wide responsibility not found for Dresden: %+v", routes)
	}
	tests := []struct{ name, leika, ars, kind string }{
		{"UnknownService", "99000000000000", "145110000000", "unknown_service"},
		{"UnknownArea", leika, "091620000000", "unknown_area"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.store.FindRoutes(ctx, f.tenant, tc.leika, tc.ars)
			if hub.ErrorCode(err) != hub.ENOTFOUND || hub.ErrorKind(err) != tc.kind {
				t.Fatalf("err = %v, want %s", err, tc.kind)
			}
		})
	}
	t.Run("NoResponsibility", func(t *testing.T) {
		// A fresh tenant has Chemnitz's responsibility only, none for Dresden.
		f2 := newFixture(t, f.db)
		_, err := f2.store.FindRoutes(ctx, f2.tenant, leika, "146120000000")
		if hub.ErrorKind(err) != "no_responsibility" {
			t.Fatalf("err = %v, want no_responsibility", err)
		}
	})
	t.Run("NoDestination", func(t *testing.T) {
		// A unit without a destination for the service is named in the answer.
		f2 := newFixture(t, f.db)
		writeUnits(t, f2, catalogue.OrgUnit{ID: "buergerbuero", Name: "Bürgerbüro Dresden"})
		if err := f2.store.AddResponsibility(ctx, f2.tenant, hub.Responsibility{LeikaKey: leika, ARSPrefix: "14612", OrgUnitID: "buergerbuero"}); err != nil {
			t.Fatal(err)
		}
		_, err := f2.store.FindRoutes(ctx, f2.tenant, leika, "146120000000")
		if hub.ErrorKind(err) != "no_destination" || !strings.Contains(hub.ErrorMessage(err), "Bürgerbüro Dresden") {
			t.Fatalf("err = %v, want no_destination naming the unit", err)
		}
	})
	t.Run("AssignDestination", func(t *testing.T) {
		f2 := newFixture(t, f.db)
		writeUnits(t, f2, catalogue.OrgUnit{ID: "steueramt", Name: "Steueramt"})
		if _, err := f2.store.FindDestination(ctx, f2.tenant, f2.dest.ID); err != nil { // cached now
			t.Fatal(err)
		}
		if err := f2.store.AssignDestination(ctx, f2.tenant, f2.dest.ID, "steueramt"); err != nil {
			t.Fatal(err)
		}
		if d, err := f2.store.FindDestination(ctx, f2.tenant, f2.dest.ID); err != nil || d.OrgUnitID != "steueramt" {
			t.Fatalf("destination = %+v, %v; want it in unit steueramt", d, err)
		}
		if err := f2.store.AssignDestination(ctx, f2.tenant, f2.dest.ID, "nowhere"); hub.ErrorCode(err) != hub.EINVALID {
			t.Fatalf("assign to unknown unit: %v, want invalid", err)
		}
	})
	t.Run("OtherTenantSeesNothing", func(t *testing.T) {
		f2 := newFixture(t, f.db)
		if _, err := f2.store.FindDestination(ctx, f2.tenant, f.dest.ID); hub.ErrorCode(err) != hub.ENOTFOUND {
			t.Fatalf("another tenant's destination visible: %v", err)
		}
	})
}

func writeUnits(t *testing.T, f *fixture, units ...catalogue.OrgUnit) {
	t.Helper()
	var hs []catalogue.Hashed[catalogue.OrgUnit]
	for _, u := range units {
		hs = append(hs, catalogue.Hashed[catalogue.OrgUnit]{Record: u, Hash: "h"})
	}
	if err := f.db.InTx(context.Background(), func(tx *sqlstore.Tx) error {
		return catalogue.WriteUnits(context.Background(), tx, f.tenant, time.Now().UTC(), hs)
	}); err != nil {
		t.Fatal(err)
	}
}

// testUnitsAndFinder checks that the finder's answer (Responsible) and the
// routes name the same unit, read from the same responsibility.
func testUnitsAndFinder(t *testing.T, f *fixture) {
	ctx := context.Background()
	writeUnits(t, f,
		catalogue.OrgUnit{ID: "stadt-dresden", Name: "Stadtverwaltung Dresden", Address: catalogue.Address{City: "Dresden"}},
		catalogue.OrgUnit{ID: "steueramt-dresden", ParentID: "stadt-dresden", Name: "Steuer- und Kassenamt Dresden",
			Address: catalogue.Address{Street: "Dr.-Külz-Ring 19", Postcode: "01067", City: "Dresden"}})
	if err := f.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		return catalogue.WriteResponsibilities(ctx, tx, f.tenant, time.Now().UTC(), []catalogue.Hashed[catalogue.Responsibility]{
			{Record: catalogue.Responsibility{LeikaKey: leika, ARSPrefix: "146120000000", OrgUnitID: "steueramt-dresden",
				OnlineURL: "https://dresden.example/gewerbe", Notes: map[string]string{"kosten": "26 Euro"}}, Hash: "h"}})
	}); err != nil {
		t.Fatal(err)
	}
	d := &hub.Destination{TenantID: f.tenant, OrgUnitID: "steueramt-dresden", Name: "Fachverfahren Steueramt",
		Services: []hub.DestinationService{{LeikaKey: leika, Name: "G", SchemaURI: "u", Schema: json.RawMessage(`{}`)}}}
	if err := f.store.CreateDestination(ctx, d); err != nil {
		t.Fatal(err)
	}
	m, err := f.store.Responsible(ctx, f.tenant, leika, "146120000000")
	if err != nil {
		t.Fatal(err)
	}
	if m.Unit.Name != "Steuer- und Kassenamt Dresden" || m.Unit.ParentID != "stadt-dresden" || m.Notes["kosten"] != "26 Euro" ||
		m.OnlineURL != "https://dresden.example/gewerbe" || m.ARSPrefix != "146120000000" {
		t.Fatalf("finder = %+v", m)
	}
	routes, err := f.store.FindRoutes(ctx, f.tenant, leika, "146120000000")
	if err != nil || len(routes) != 1 || routes[0].Destination.ID != d.ID || routes[0].Unit.Name != m.Unit.Name {
		t.Fatalf("routes = %+v, %v; want the finder's unit %s", routes, err, m.Unit.Name)
	}
	if keys, err := f.store.UnitServices(ctx, f.tenant, "steueramt-dresden", 200); err != nil || len(keys) != 1 || keys[0] != leika {
		t.Fatalf("unit services = %v, %v", keys, err)
	}
	if us, err := f.store.SearchUnits(ctx, f.tenant, []string{"kassenamt"}); err != nil || len(us) != 1 || us[0].ID != "steueramt-dresden" {
		t.Fatalf("search units = %+v, %v", us, err)
	}
	if _, err := f.store.OrgUnit(ctx, f.tenant, "nowhere"); hub.ErrorCode(err) != hub.ENOTFOUND {
		t.Fatalf("unknown unit: %v", err)
	}
	if err := f.store.CreateDestination(ctx, &hub.Destination{TenantID: f.tenant, OrgUnitID: "nowhere", Name: "X"}); hub.ErrorCode(err) != hub.EINVALID {
		t.Fatalf("destination of an unknown unit: %v, want invalid", err)
	}
}

func testPlaces(t *testing.T, f *fixture) {
	ctx := context.Background()
	if err := f.store.AddAreas(ctx, f.tenant, []hub.Area{{ARS: "146120000000", Name: "ignored, exists", Level: "gemeinde"}},
		[]catalogue.Postcode{{Postcode: "01069", ARS: "146120000000"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, q, want string }{
		{"Postcode", "01067", "Dresden"},
		{"FurtherPostcode", "01069", "Dresden"},
		{"ARS", "145110000000", "Chemnitz"},
		{"NameStart", "dres", "Dresden"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := f.store.Places(ctx, f.tenant, tc.q)
			if err != nil || len(ps) != 1 || ps[0].Name != tc.want {
				t.Fatalf("places(%q) = %+v, %v; want %s", tc.q, ps, err, tc.want)
			}
		})
	}
	if areas, err := f.store.Areas(ctx, f.tenant); err != nil || len(areas) != 2 {
		t.Fatalf("areas = %+v, %v", areas, err)
	}
}
