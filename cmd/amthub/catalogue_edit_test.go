package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/hub/staff"
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

// TestAdminAPIChangesRoutesAtOnce: the demo tenant admin logs in to
// /admin/v1 of a running `amthub dev`, creates an organisational unit and
// a destination for a demo service, and makes the unit responsible in the
// demo area; the portal's finder and GET /v1/routes name the new unit on
// the very next request.
func TestAdminAPIChangesRoutesAtOnce(t *testing.T) {
	demo, stop := startDev(t, t.TempDir())
	defer stop()
	base := strings.TrimSuffix(demo.URLs["api"], "/")
	api := loginAdminAPI(t, base, demoStaff(t, demo, "tenant-admin"))
	call := api.call
	dd := demo.Destinations[0]
	tenant := "/admin/v1/tenants/" + demo.Tenant.ID
	var unit struct{ ID string }
	call(http.MethodPost, tenant+"/units", map[string]string{"name": "Bürgeramt Admin"}, &unit, http.StatusCreated)
	call(http.MethodPost, tenant+"/destinations", map[string]any{"orgUnitId": unit.ID, "name": "Fachverfahren Admin",
		"services": []map[string]any{{"leikaKey": dd.LeikaKey, "name": dd.ServiceName, "schemaUri": "urn:test:admin", "schema": map[string]any{}}}},
		nil, http.StatusCreated)
	call(http.MethodPut, tenant+"/responsibilities/"+dd.LeikaKey+"/"+dd.ARS, map[string]string{"orgUnitId": unit.ID}, nil, http.StatusOK)

	p := pair{leika: dd.LeikaKey, ars: dd.ARS}
	finder, err := askFinder(base, p)
	if err != nil || finder.id != unit.ID {
		t.Fatalf("finder after the change: %+v, %v; want %s", finder, err, unit.ID)
	}
	tokens := &tokenSource{base: base, id: demo.Vendor.ClientID, secret: demo.Vendor.ClientSecret}
	routes, err := askRoutes(base, tokens, p)
	if err != nil || !routes.routed || routes.id != unit.ID {
		t.Fatalf("routes after the change: %+v, %v; want %s", routes, err, unit.ID)
	}
}

// demoStaff returns the demo's staff login of role.
func demoStaff(t *testing.T, demo *Demo, role string) DemoStaff {
	t.Helper()
	for _, s := range demo.Staff {
		if s.Role == role {
			return s
		}
	}
	t.Fatalf("demo.json lists no %s", role)
	return DemoStaff{}
}

// adminAPI calls /admin/v1 of a running hub with a staff token.
type adminAPI struct {
	t     *testing.T
	base  string
	token string
}

// loginAdminAPI logs who in to /admin/v1 (password and TOTP code).
func loginAdminAPI(t *testing.T, base string, who DemoStaff) *adminAPI {
	t.Helper()
	code, err := staff.TOTPCode(who.TOTPSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a := &adminAPI{t: t, base: base}
	var login struct{ Token string }
	a.call(http.MethodPost, "/admin/v1/login", map[string]string{"email": who.Login, "password": who.Password, "code": code}, &login, http.StatusOK)
	a.token = login.Token
	return a
}

// call sends in as JSON, fails the test unless the answer has status
// want, and decodes the answer into out when out is not nil.
func (a *adminAPI) call(method, path string, in, out any, want int) {
	a.t.Helper()
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(method, a.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		a.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			a.t.Fatal(err)
		}
	}
}
