package sqlstore_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
)

const leika = "99050012104000"

type fixture struct {
	db     *sqlstore.DB
	store  *sqlstore.SubmissionStore
	tenant string
	dest   *hub.Destination
}

func newFixture(t *testing.T, db *sqlstore.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, store: sqlstore.NewSubmissionStore(db), tenant: hubtest.MustTenant(t, db)}
	f.dest = &hub.Destination{TenantID: f.tenant, Name: "Gewerbeamt Chemnitz", Contact: hub.Contact{Email: "gewerbe@example.org"},
		Services: []hub.DestinationService{{LeikaKey: leika, Name: "Gewerbeanmeldung", SchemaURI: "urn:test", Schema: json.RawMessage(`{}`)}}}
	if err := f.store.CreateDestination(ctx, f.dest); err != nil {
		t.Fatal(err)
	}
	if err := f.store.UpsertAreas(ctx, f.tenant, []hub.Area{{ARS: "145110000000", Name: "Chemnitz", Level: "gemeinde"},
		{ARS: "146120000000", Name: "Dresden", Level: "gemeinde"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.store.AddResponsibility(ctx, f.tenant, hub.Responsibility{LeikaKey: leika, ARSPrefix: "145110000000", DestinationID: f.dest.ID}); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestRoutingContract runs the routing store's cases on both databases.
func TestRoutingContract(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			t.Run("Routes", func(t *testing.T) { testRoutes(t, newFixture(t, d.Open(t))) })
		})
	}
}

func testRoutes(t *testing.T, f *fixture) {
	ctx := context.Background()
	routes, err := f.store.FindRoutes(ctx, f.tenant, leika, "145110000000")
	if err != nil || len(routes) != 1 || routes[0].Destination.ID != f.dest.ID || routes[0].Service.Name != "Gewerbeanmeldung" {
		t.Fatalf("routes = %+v, %v", routes, err)
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
	t.Run("OtherTenantSeesNothing", func(t *testing.T) {
		f2 := newFixture(t, f.db)
		if _, err := f2.store.FindDestination(ctx, f2.tenant, f.dest.ID); hub.ErrorCode(err) != hub.ENOTFOUND {
			t.Fatalf("another tenant's destination visible: %v", err)
		}
	})
}
