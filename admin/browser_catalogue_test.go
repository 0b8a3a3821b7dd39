package admin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/portal/browsertest"
)

// TestBrowserCataloguePages: the tenant admin creates a destination on
// its page (first with bad input: the errors stand next to the fields)
// and edits the unit "ordnung" (first with an empty name). axe-core
// checks each page at desktop width and at 320 px.
func TestBrowserCataloguePages(t *testing.T) {
	e := newBrowserEnv(t)
	e.login(t, "tenant-admin@amt.test", "ein langes Passwort", "JBSWY3DPEHPK3PXP")
	page := e.base + "/admin/mandanten/" + e.a + "/empfangsstellen"
	e.do(t, "destinations", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("table")))
	e.check(t, "cat-01-destinations")
	e.do(t, "bad destination", chromedp.SendKeys(chromedp.CSS(`[id="service.leikaKey"]`), "123"), chromedp.Submit(chromedp.CSS("#name")),
		chromedp.WaitVisible(chromedp.CSS(`[id="service.leikaKey-error"]`)))
	e.check(t, "cat-02-destinations-error")
	e.do(t, "create destination", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Gewerbeamt Verfahren"), chromedp.SetValue(chromedp.CSS("#orgUnitId"), "ordnung"),
		chromedp.SendKeys(chromedp.CSS(`[id="service.leikaKey"]`), opsLeika), chromedp.SendKeys(chromedp.CSS(`[id="service.name"]`), "Hundesteuer"),
		chromedp.SendKeys(chromedp.CSS(`[id="service.schemaUri"]`), "urn:hund"), chromedp.Submit(chromedp.CSS("#name")),
		chromedp.WaitVisible(chromedp.CSS("table caption")))
	e.waitText(t, "h1", "Gewerbeamt Verfahren")
	e.check(t, "cat-03-destination-edit")

	unit := e.base + "/admin/mandanten/" + e.a + "/einheiten/ordnung"
	e.do(t, "unit", chromedp.Navigate(unit), chromedp.WaitVisible(chromedp.CSS("#name")))
	e.check(t, "cat-04-unit")
	e.do(t, "bad unit", chromedp.Clear(chromedp.CSS("#name")), chromedp.Submit(chromedp.CSS("#name")),
		chromedp.WaitVisible(chromedp.CSS("#name-error")))
	e.check(t, "cat-05-unit-error")
	e.do(t, "save unit", chromedp.SendKeys(chromedp.CSS("#name"), "Ordnungs- und Gewerbeamt"), chromedp.Submit(chromedp.CSS("#name")))
	e.waitText(t, "h1", "Ordnungs- und Gewerbeamt")
	if got := browsertest.Text(t, e.ctx, "h1"); !strings.HasPrefix(got, "Ordnungs- und Gewerbeamt") {
		t.Fatalf("after saving: %q", got)
	}

	e.svc.StateTexts = portalTexts{opsLeika: {"kosten": "Die Steuer beträgt 108 Euro im Jahr."}}
	if _, err := e.svc.Catalogue.SetResponsibility(context.Background(), e.a, catalogue.Responsibility{LeikaKey: opsLeika,
		ARSPrefix: "147290000000", OrgUnitID: "ordnung", Notes: map[string]string{"kosten": "Die Steuer beträgt 96 Euro im Jahr."}}); err != nil {
		t.Fatal(err)
	}
	e.do(t, "regional texts", chromedp.Navigate(e.base+"/admin/mandanten/"+e.a+"/regionaltexte?leistung="+opsLeika),
		chromedp.WaitVisible(chromedp.CSS("section ins")))
	if got := browsertest.Text(t, e.ctx, "section del"); !strings.Contains(got, "108") {
		t.Fatalf("deleted text: %q", got)
	}
	e.check(t, "cat-06-regional-texts")
}
