package admin_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/amthub/amthub/portal/browsertest"
)

// TestBrowserOpsPages: the tenant admin sets a responsibility on its page
// (first with bad input: the errors stand next to the fields), then
// replays a dead letter with its button. axe-core checks each page at
// desktop width and at 320 px.
func TestBrowserOpsPages(t *testing.T) {
	e := newBrowserEnv(t)
	e.ops.deadLetter(t)
	e.login(t, "tenant-admin@amt.test", "ein langes Passwort", "JBSWY3DPEHPK3PXP")
	page := e.base + "/admin/mandanten/" + e.a + "/zustaendigkeiten"
	e.do(t, "responsibilities", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#arsPrefix")))
	e.check(t, "ops-01-responsibilities")
	e.do(t, "bad responsibility", chromedp.SendKeys(chromedp.CSS("#leikaKey"), "123"), chromedp.Submit(chromedp.CSS("#arsPrefix")),
		chromedp.WaitVisible(chromedp.CSS("#leikaKey-error")))
	e.check(t, "ops-02-responsibilities-error")
	e.do(t, "set responsibility", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#arsPrefix")),
		chromedp.SendKeys(chromedp.CSS("#leikaKey"), opsLeika), chromedp.SendKeys(chromedp.CSS("#arsPrefix"), "147290000000"),
		chromedp.SetValue(chromedp.CSS("#orgUnitId"), "ordnung"), chromedp.Submit(chromedp.CSS("#arsPrefix")),
		chromedp.WaitVisible(chromedp.CSS("table")))
	if got := browsertest.Text(t, e.ctx, "table tbody"); !strings.Contains(got, "147290000000") || !strings.Contains(got, "Ordnungsamt") {
		t.Fatalf("responsibilities after saving: %q", got)
	}
	e.check(t, "ops-03-responsibilities-saved")

	e.do(t, "dead letters", chromedp.Navigate(e.base+"/admin/mandanten/"+e.a+"/unzustellbar"), chromedp.WaitVisible(chromedp.CSS("table")))
	e.check(t, "ops-04-dead-letters")
	e.do(t, "replay", chromedp.Submit(chromedp.CSS(`form[action$="/erneut-senden"] button`)), chromedp.WaitVisible(chromedp.CSS("h1")))
	if h := e.heading(t); !strings.HasPrefix(h, "Unzustellbare Nachrichten") {
		t.Fatalf("after the replay: %q", h)
	}
}
