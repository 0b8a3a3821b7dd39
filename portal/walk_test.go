package portal_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowser walks the portal in headless Chromium: search → service
// page → pick a place → the responsible authority; register → confirm →
// log in → edit master data; with axe-core and screenshots on each page.
func TestBrowser(t *testing.T) {
	db, tenant := seededSQLite(t)
	e := newEnv(t, db, tenant, nil, false)
	base := strings.Replace(e.srv.URL, "127.0.0.1", "localhost", 1)
	t.Run("SearchAndFinder", func(t *testing.T) {
		ctx := newTab(t)
		do(t, ctx, "home", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#q")))
		checkPage(t, ctx, "01-home")
		do(t, ctx, "search", chromedp.SendKeys(chromedp.CSS("#q"), "Auto anmelden"), chromedp.Submit(chromedp.CSS("#q")),
			chromedp.WaitVisible(chromedp.CSS("#treffer")))
		checkPage(t, ctx, "02-results")
		do(t, ctx, "open service", chromedp.Click(chromedp.CSS(`.hits a[href^="/leistungen/99108001000000"]`)),
			chromedp.WaitVisible(chromedp.CSS("#finder-titel")))
		checkPage(t, ctx, "03-service")
		// portal.js suggests places as one types (progressive enhancement).
		do(t, ctx, "pick place", chromedp.SendKeys(chromedp.CSS("#ort"), "Torgau"),
			chromedp.WaitReady(chromedp.CSS(`#ort-liste option[value="Torgau"]`)), chromedp.Submit(chromedp.CSS("#ort")),
			chromedp.WaitVisible(chromedp.CSS("#zustaendig")))
		if got := text(t, ctx, "#zustaendig h3"); got != "Landratsamt Nordsachsen" {
			t.Fatalf("responsible authority = %q", got)
		}
		checkPage(t, ctx, "04-finder")
		do(t, ctx, "open authority", chromedp.Click(chromedp.CSS("#zustaendig h3 a")), chromedp.WaitVisible(chromedp.CSS(".authority h2")))
		if got := text(t, ctx, "h1"); got != "Landratsamt Nordsachsen" {
			t.Fatalf("authority page = %q", got)
		}
		checkPage(t, ctx, "05-authority")
		do(t, ctx, "regional", chromedp.Navigate(base+"/leistungen/99022003001000?ort=Dresden"), chromedp.WaitVisible(chromedp.CSS(".regional")))
		checkPage(t, ctx, "06-regional")
	})
	t.Run("Account", func(t *testing.T) {
		ctx := newTab(t)
		const xss = `<img src=x onerror="window.pwned=1">`
		do(t, ctx, "register form", chromedp.Navigate(base+"/konto/registrieren"), chromedp.WaitVisible(chromedp.CSS("#email")))
		checkPage(t, ctx, "10-register")
		do(t, ctx, "register",
			chromedp.SendKeys(chromedp.CSS("#given_name"), "Erika"), chromedp.SendKeys(chromedp.CSS("#family_name"), "Mustermann"),
			chromedp.SendKeys(chromedp.CSS("#email"), "erika@example.org"), chromedp.SendKeys(chromedp.CSS("#password"), "richtig-geheim-1"),
			chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS(".message")))
		checkPage(t, ctx, "11-registered")
		do(t, ctx, "outbox", chromedp.Navigate(base+"/dev/postausgang"), chromedp.WaitVisible(chromedp.CSS(".mail a")))
		checkPage(t, ctx, "12-outbox")
		link := text(t, ctx, ".mail a")
		do(t, ctx, "confirm", chromedp.Navigate(strings.Replace(link, "127.0.0.1", "localhost", 1)), chromedp.WaitVisible(chromedp.CSS(".message")))
		do(t, ctx, "login", chromedp.Navigate(base+"/konto/anmelden"), chromedp.WaitVisible(chromedp.CSS("#password")))
		checkPage(t, ctx, "13-login")
		do(t, ctx, "log in", chromedp.SendKeys(chromedp.CSS("#email"), "erika@example.org"),
			chromedp.SendKeys(chromedp.CSS("#password"), "richtig-geheim-1"), chromedp.Submit(chromedp.CSS("#password")),
			chromedp.WaitVisible(chromedp.CSS("#stammdaten")))
		checkPage(t, ctx, "14-account")
		do(t, ctx, "edit master data",
			chromedp.SetValue(chromedp.CSS("#birth_name"), xss), chromedp.SetValue(chromedp.CSS("#birth_date"), "1980-02-29"),
			chromedp.SetValue(chromedp.CSS("#street"), "Neumarkt 1"), chromedp.SetValue(chromedp.CSS("#postcode"), "01067"),
			chromedp.SetValue(chromedp.CSS("#city"), "Dresden"), chromedp.Submit(chromedp.CSS("#city")),
			chromedp.WaitVisible(chromedp.CSS(".success")))
		checkPage(t, ctx, "15-saved")
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.querySelector("#birth_name").value,
			document.querySelector("#birth_date").value, String(window.pwned)]`))
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != xss || got[1] != "1980-02-29" || got[2] != "undefined" {
			t.Fatalf("after save: %q", got)
		}
		sub := e.createCase(t, "erika@example.org")
		do(t, ctx, "my applications", chromedp.Navigate(base+"/konto"), chromedp.WaitVisible(chromedp.CSS("#antraege")),
			chromedp.Click(chromedp.CSS(`a[href="/konto/antraege/`+sub.CaseID+`"]`)), chromedp.WaitVisible(chromedp.CSS(".timeline")))
		if got := text(t, ctx, ".timeline"); !strings.Contains(got, "Antrag angelegt") {
			t.Fatalf("timeline = %q", got)
		}
		checkPage(t, ctx, "16-application")
		do(t, ctx, "search with markup", chromedp.Navigate(base+"/suche?q="+`%3Cimg%20src%3Dx%20onerror%3D%22window.pwned%3D1%22%3E`),
			chromedp.WaitVisible(chromedp.CSS("#treffer")))
		if pwned, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`String(window.pwned)`)); pwned != "undefined" {
			t.Fatal("markup in the query ran")
		}
		do(t, ctx, "log out", chromedp.Click(chromedp.CSS("header button.link")), chromedp.WaitVisible(chromedp.CSS("#q")))
	})
}
