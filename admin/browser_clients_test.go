package admin_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/amthub/amthub/portal/browsertest"
)

// TestBrowserClientPages: the tenant admin tries to create a client
// without a name (the error stands next to the field), creates one, sees
// its secret once, and disables it; then she follows the tenant page's
// link to the record of processing activities. axe-core checks each page
// at desktop width and at 320 px.
func TestBrowserClientPages(t *testing.T) {
	e := newBrowserEnv(t)
	e.login(t, "tenant-admin@amt.test", "ein langes Passwort", "JBSWY3DPEHPK3PXP")
	page := e.base + "/admin/mandanten/" + e.a + "/clients"
	e.do(t, "clients", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#name")))
	e.check(t, "clients-01-list")
	e.do(t, "bad client", chromedp.Click(chromedp.CSS("#scope-0")), chromedp.Submit(chromedp.CSS("#name")),
		chromedp.WaitVisible(chromedp.CSS("#name-error")))
	e.check(t, "clients-02-error")
	e.do(t, "create client", chromedp.SendKeys(chromedp.CSS("#name"), "Fachsoftware Hund"), chromedp.Submit(chromedp.CSS("#name")),
		chromedp.WaitVisible(chromedp.CSS("#client-secret")))
	secret := browsertest.Text(t, e.ctx, "#client-secret")
	if len(secret) < 32 {
		t.Fatalf("secret on the answer page: %q", secret)
	}
	e.check(t, "clients-03-secret")
	e.do(t, "back to the list", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("table")))
	if got := browsertest.Text(t, e.ctx, "table tbody"); !strings.Contains(got, "Fachsoftware Hund") || strings.Contains(got, secret) {
		t.Fatalf("clients list: %q", got)
	}
	e.do(t, "disable", chromedp.Submit(chromedp.CSS(`form[action$="/deaktivieren"] button`)), chromedp.WaitVisible(chromedp.CSS("table")))
	if got := browsertest.Text(t, e.ctx, "table tbody"); !strings.Contains(got, "deaktiviert") {
		t.Fatalf("after disabling: %q", got)
	}
	e.check(t, "clients-04-disabled")
	e.do(t, "record of processing activities", chromedp.Navigate(e.base+"/admin/mandanten/"+e.a),
		chromedp.Click(chromedp.CSS(`a[href$="/datenschutz"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href$="/datenschutz.md"]`)))
	if got := browsertest.Text(t, e.ctx, "main"); !strings.Contains(got, "Technische und organisatorische Maßnahmen") ||
		!strings.Contains(got, "Protokoll der Änderungen im AdminCenter") {
		t.Fatalf("record of processing activities: %.300q", got)
	}
	e.check(t, "privacy-01-record")
}
