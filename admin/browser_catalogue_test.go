package admin_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

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
}
