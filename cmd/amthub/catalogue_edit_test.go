package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/sqlstore"
)

// TestResponsibilityChangeSeenAtOnce changes who serves a demo service in
// its area through the catalogue's Editor, on a second connection to the
// running hub's database (as another hub process or the admin surface
// would), and asks the portal's finder and GET /v1/routes at once: both
// name the new organisational unit; no cache answers with the old one.
func TestResponsibilityChangeSeenAtOnce(t *testing.T) {
	dir := t.TempDir()
	demo, stop := startDev(t, dir)
	defer stop()
	base := strings.TrimSuffix(demo.URLs["api"], "/")
	tokens := &tokenSource{base: base, id: demo.Vendor.ClientID, secret: demo.Vendor.ClientSecret}
	dd := demo.Destinations[0]
	p := pair{leika: dd.LeikaKey, ars: dd.ARS}
	finder, err := askFinder(base, p)
	if err != nil {
		t.Fatal(err)
	}
	routes, err := askRoutes(base, tokens, p)
	if err != nil || !routes.routed || routes.id != finder.id {
		t.Fatalf("before: finder %+v, routes %+v, %v; want both to name one unit", finder, routes, err)
	}

	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(dir, "amthub.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// This process's in-process bus is not the hub's; the queue does not
	// matter to a route lookup.
	local := bus.NewLocal(watermill.NopLogger{})
	defer local.Close()
	ed := catalogue.NewEditor(catalogue.NewStore(db), local)
	unit, err := ed.CreateUnit(ctx, demo.Tenant.ID, catalogue.OrgUnit{Name: "Bürgeramt Neu", Address: catalogue.Address{City: "Neustadt"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ed.CreateDestination(ctx, demo.Tenant.ID, hub.Destination{OrgUnitID: unit.After.ID, Name: "Fachverfahren Neu",
		Services: []hub.DestinationService{{LeikaKey: dd.LeikaKey, Name: dd.ServiceName, SchemaURI: "urn:test:neu",
			Schema: json.RawMessage(`{"type":"object"}`)}}}); err != nil {
		t.Fatal(err)
	}
	ch, err := ed.SetResponsibility(ctx, demo.Tenant.ID, catalogue.Responsibility{LeikaKey: dd.LeikaKey, ARSPrefix: dd.ARS, OrgUnitID: unit.After.ID})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Before != nil && ch.Before.OrgUnitID == unit.After.ID {
		t.Fatalf("the unit was responsible before: %+v", ch.Before)
	}

	finder, err = askFinder(base, p)
	if err != nil || finder.id != unit.After.ID || finder.name != "Bürgeramt Neu" {
		t.Fatalf("finder after the change: %+v, %v; want %s", finder, err, unit.After.ID)
	}
	routes, err = askRoutes(base, tokens, p)
	if err != nil || !routes.routed || routes.id != unit.After.ID || routes.name != "Bürgeramt Neu" {
		t.Fatalf("routes after the change: %+v, %v; want %s", routes, err, unit.After.ID)
	}
}
