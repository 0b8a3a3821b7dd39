package portal_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/payments"
)

// TestBrowserAccountAreas walks the payments, the granted consents and the
// OAuth login and consent pages (in the portal's frame) in headless
// Chromium, with axe-core and screenshots on each page: a citizen logged
// in to the portal grants an application (whose name is markup) access
// and lands back at the application on another origin, sees the consent,
// revokes it; after logging out, the OAuth login page asks again.
func TestBrowserAccountAreas(t *testing.T) {
	a := newAccountEnv(t, hubtest.NewSQLite(t), true)
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!doctype html><html lang="de"><title>Antragsdienst</title><h1 id="zurueck">Zurück beim Antragsdienst</h1></html>`)
	}))
	t.Cleanup(vendor.Close)
	email := "erika@example.org"
	_, citizenID := a.citizen(t, email) // registered and confirmed through the pages
	c1 := a.cases.Case(t, "vendor-a", citizenID)
	c2 := a.cases.Case(t, "vendor-a", citizenID)
	a.payment(t, c1.CaseID, "Gewerbeanmeldung 2026", 3550, payments.StatusInitial)
	a.payment(t, c1.CaseID, "<img src=x onerror=pwned=1>", 1250, payments.StatusFailed)
	a.payment(t, c2.CaseID, "Gewerbeummeldung", 12345678, payments.StatusPayed)
	a.payment(t, c2.CaseID, "Beglaubigung", 500, payments.StatusCanceled)
	xss := a.xssApp(t, vendor.URL+"/cb")
	ctx := newTab(t)
	notPwned := func(where string) {
		t.Helper()
		if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`String(window.pwned)`)); err != nil || got != "undefined" {
			t.Fatalf("%s: markup ran (window.pwned = %q, %v)", where, got, err)
		}
	}

	do(t, ctx, "log in", chromedp.Navigate(a.base+"/konto/anmelden"), chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), "richtig-geheim-1"),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS("#zugriffe")))
	do(t, ctx, "payments", chromedp.Click(chromedp.CSS(`a[href="/konto/zahlungen"]`)), chromedp.WaitVisible(chromedp.CSS("table.payments")))
	if got := text(t, ctx, "table.payments tbody"); !strings.Contains(got, "123.456,78\u00a0€") || !strings.Contains(got, "Fehlgeschlagen") {
		t.Errorf("payments table: %q", got)
	}
	notPwned("payments")
	checkPage(t, ctx, "20-payments")
	do(t, ctx, "case with payments", chromedp.Navigate(a.base+"/konto/antraege/"+c1.CaseID), chromedp.WaitVisible(chromedp.CSS("#zahlungen")))
	notPwned("case page")
	checkPage(t, ctx, "21-case-payments")

	// Logged in to the portal, the citizen goes straight to the consent
	// page; allowing sends the browser to the application's origin, which
	// the consent page's form-action must permit.
	path, verifier := authorizePath(xss)
	do(t, ctx, "consent page", chromedp.Navigate(a.base+path), chromedp.WaitVisible(chromedp.CSS(`button[value="allow"]`)))
	if got := text(t, ctx, "h1"); got != "Zugriff erlauben?" {
		t.Fatalf("consent page heading %q", got)
	}
	notPwned("consent page")
	checkPage(t, ctx, "22-oauth-consent")
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	do(t, wctx, "allow", chromedp.Click(chromedp.CSS(`button[value="allow"]`)), chromedp.WaitVisible(chromedp.CSS("#zurueck")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if u, perr := url.Parse(loc); err != nil || perr != nil || !strings.HasPrefix(loc, vendor.URL+"/cb?") || u.Query().Get("code") == "" {
		t.Fatalf("after consent the browser is at %q (%v)", loc, err)
	}
	// The application redeems the code: now there is a grant to list.
	u, _ := url.Parse(loc)
	if tr := a.token(t, url.Values{"grant_type": {"authorization_code"}, "code": {u.Query().Get("code")}, "redirect_uri": {xss.RedirectURI},
		"client_id": {xss.ClientID}, "code_verifier": {verifier}}); tr.RefreshToken == "" {
		t.Fatalf("redeem: %d %s", tr.status, tr.Error)
	}

	do(t, ctx, "consents", chromedp.Navigate(a.base+"/konto/einwilligungen"), chromedp.WaitVisible(chromedp.CSS(".consents")))
	if got := text(t, ctx, ".consents h2"); got != xssName {
		t.Errorf("application name shown as %q, want the text %q", got, xssName)
	}
	notPwned("consents")
	checkPage(t, ctx, "23-consents")
	do(t, ctx, "revoke", chromedp.Click(chromedp.CSS(".consents button")), chromedp.WaitVisible(chromedp.CSS(".success")))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".consents li").length`)); err != nil || n != 0 {
		t.Errorf("after revoke %d consents listed (%v)", n, err)
	}
	checkPage(t, ctx, "24-consent-revoked")

	// Logged out, the OAuth login page (in the portal's frame) asks.
	do(t, ctx, "log out", chromedp.Click(chromedp.CSS("header button.link")), chromedp.WaitVisible(chromedp.CSS("#q")))
	path, _ = authorizePath(a.demoApp())
	do(t, ctx, "oauth login", chromedp.Navigate(a.base+path), chromedp.WaitVisible(chromedp.CSS("#password")))
	if got := text(t, ctx, "header .brand"); !strings.HasPrefix(got, "Serviceportal") {
		t.Errorf("OAuth login page without the portal's header: %q", got)
	}
	checkPage(t, ctx, "25-oauth-login")
	do(t, ctx, "oauth log in", chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), "richtig-geheim-1"), chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS(`button[value="deny"]`)))
	checkPage(t, ctx, "26-oauth-consent-demo")
}
