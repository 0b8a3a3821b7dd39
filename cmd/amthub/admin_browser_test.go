package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/amthub/amthub/hub/staff"
	"github.com/amthub/amthub/portal/browsertest"
)

// TestBrowserResponsibilityChange: on a running `amthub dev`, the tenant
// admin adds an organisational unit with a destination for Hundesteuer
// through /admin/v1; the demo catalogue editor logs in to the AdminCenter
// in Chromium (password and TOTP), makes that unit responsible for
// Hundesteuer in Dresden on the responsibilities page, and the portal's
// finder and GET /v1/routes name the new unit on the very next request.
// (axe-core checks this page in admin.TestBrowserOpsPages.)
func TestBrowserResponsibilityChange(t *testing.T) {
	demo, stop := startDev(t, t.TempDir())
	defer stop()
	base := strings.TrimSuffix(demo.URLs["api"], "/")
	var dd DemoDestination
	for _, d := range demo.Destinations {
		if strings.HasPrefix(d.ServiceName, "Hundesteuer") && !d.isFitConnect() {
			dd = d
		}
	}
	if dd.LeikaKey == "" {
		t.Fatal("demo.json lists no Hundesteuer destination on AMQP")
	}
	p := pair{leika: dd.LeikaKey, ars: dd.ARS}
	tokens := &tokenSource{base: base, id: demo.Vendor.ClientID, secret: demo.Vendor.ClientSecret}
	before, err := askFinder(base, p)
	if err != nil || before.id == "" {
		t.Fatalf("finder before: %+v, %v", before, err)
	}

	api := loginAdminAPI(t, base, demoStaff(t, demo, "tenant-admin"))
	tenant := "/admin/v1/tenants/" + demo.Tenant.ID
	var unit struct{ ID string }
	api.call(http.MethodPost, tenant+"/units", map[string]string{"name": "Hundesteuerstelle Neu"}, &unit, http.StatusCreated)
	api.call(http.MethodPost, tenant+"/destinations", map[string]any{"orgUnitId": unit.ID, "name": "Fachverfahren Hundesteuer Neu",
		"services": []map[string]any{{"leikaKey": dd.LeikaKey, "name": dd.ServiceName, "schemaUri": "urn:test:hundesteuer-neu", "schema": map[string]any{}}}},
		nil, http.StatusCreated)
	if unit.ID == before.id {
		t.Fatalf("the new unit %s was responsible before", unit.ID)
	}

	b := startChromium(t)
	editor := demoStaff(t, demo, "catalogue-editor")
	code, err := staff.TOTPCode(editor.TOTPSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.do(t, "login", chromedp.Navigate(base+"/admin/anmelden"), chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#email"), editor.Login), chromedp.SendKeys(chromedp.CSS("#password"), editor.Password),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS("#code")),
		chromedp.SendKeys(chromedp.CSS("#code"), code), chromedp.Submit(chromedp.CSS("#code")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/abmelden"]`)))
	page := base + "/admin/mandanten/" + demo.Tenant.ID + "/zustaendigkeiten"
	b.do(t, "responsibilities", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#arsPrefix")))
	b.do(t, "make the new unit responsible", chromedp.SendKeys(chromedp.CSS("#leikaKey"), dd.LeikaKey),
		chromedp.SendKeys(chromedp.CSS("#arsPrefix"), dd.ARS), chromedp.SetValue(chromedp.CSS("#orgUnitId"), unit.ID),
		chromedp.Submit(chromedp.CSS("#arsPrefix")))
	b.waitText(t, "table tbody", "Hundesteuerstelle Neu")

	after, err := askFinder(base, p)
	if err != nil || after.id != unit.ID || after.name != "Hundesteuerstelle Neu" {
		t.Fatalf("finder after the change: %+v, %v; want %s (was %s)", after, err, unit.ID, before.id)
	}
	routes, err := askRoutes(base, tokens, p)
	if err != nil || !routes.routed || routes.id != unit.ID || routes.name != "Hundesteuerstelle Neu" {
		t.Fatalf("routes after the change: %+v, %v; want %s", routes, err, unit.ID)
	}
}

// chromium is a Chromium page.
type chromium struct {
	ctx context.Context
}

func startChromium(t *testing.T) *chromium {
	t.Helper()
	ctx, stop, err := browsertest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	tctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(cancel)
	return &chromium{ctx: tctx}
}

func (b *chromium) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Do(t, b.ctx, what, steps...)
}

// waitText waits until the element css contains text: after a form's
// submit, the old page is still there for a moment.
func (b *chromium) waitText(t *testing.T, css, text string) {
	t.Helper()
	js := `(document.querySelector(` + strconv.Quote(css) + `)?.textContent ?? "").includes(` + strconv.Quote(text) + `)`
	for range 100 {
		if ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never showed %q", css, text)
}
