package admin_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/staff"
	"github.com/amthub/amthub/portal/browsertest"
)

// browserEnv is the AdminCenter on an HTTP server with a settable clock
// (TOTP codes count once: each code entry moves the clock one step on).
type browserEnv struct {
	*fixture
	base  string
	ctx   context.Context
	axe   string
	clock time.Time
}

func newBrowserEnv(t *testing.T) *browserEnv {
	f := newFixture(t, hubtest.NewSQLite(t))
	e := &browserEnv{fixture: f, clock: time.Now().UTC()}
	f.db.Now = func() time.Time { return e.clock }
	srv := httptest.NewServer(f.router)
	t.Cleanup(srv.Close)
	e.base = srv.URL
	axe, err := browsertest.LoadAxe(filepath.Join("..", "portal", "testdata", "axe"))
	if err != nil {
		t.Fatal(err)
	}
	e.axe = axe
	ctx, stop, err := browsertest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	tctx, cancel := context.WithTimeout(ctx, 6*time.Minute)
	t.Cleanup(cancel)
	e.ctx = tctx
	return e
}

// code moves the clock to the next time step and returns secret's code.
func (e *browserEnv) code(t *testing.T, secret string) string {
	t.Helper()
	e.clock = e.clock.Add(30 * time.Second)
	c, err := staff.TOTPCode(secret, e.clock)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *browserEnv) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Do(t, e.ctx, what, steps...)
}

// check runs axe-core at desktop width and at 320 px, and checks that
// nothing makes the page wider than 320 px.
func (e *browserEnv) check(t *testing.T, name string) {
	t.Helper()
	e.do(t, "desktop width", chromedp.EmulateViewport(1280, 900))
	browsertest.Check(t, e.ctx, e.axe, filepath.Join("..", "test", "out", "admin"), name)
	e.do(t, "320 px", chromedp.EmulateViewport(320, 800))
	w, err := chromedp.Run(e.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil || w > 320 {
		t.Errorf("%s: %d px wide at 320 px (%v)", name, w, err)
	}
	browsertest.Check(t, e.ctx, e.axe, filepath.Join("..", "test", "out", "admin"), name+"-320")
	e.do(t, "desktop width", chromedp.EmulateViewport(1280, 900))
}

func (e *browserEnv) login(t *testing.T, email, password, secret string) {
	t.Helper()
	e.do(t, "login "+email, chromedp.Navigate(e.base+"/admin/anmelden"), chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS("#code")),
		chromedp.SendKeys(chromedp.CSS("#code"), e.code(t, secret)), chromedp.Submit(chromedp.CSS("#code")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/abmelden"]`)))
}

func (e *browserEnv) logout(t *testing.T) {
	t.Helper()
	e.do(t, "logout", chromedp.Navigate(e.base+"/admin/"), chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/abmelden"]`)),
		chromedp.Submit(chromedp.CSS(`form[action="/admin/abmelden"] button`)), chromedp.WaitVisible(chromedp.CSS("#password")))
}

// waitText waits until the element css contains text: after a form's
// submit, the old page is still there for a moment.
func (e *browserEnv) waitText(t *testing.T, css, text string) {
	t.Helper()
	js := `(document.querySelector(` + strconv.Quote(css) + `)?.textContent ?? "").includes(` + strconv.Quote(text) + `)`
	for range 100 {
		if ok, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never showed %q", css, text)
}

func (e *browserEnv) heading(t *testing.T) string {
	t.Helper()
	return browsertest.Text(t, e.ctx, "h1")
}

var inviteLink = regexp.MustCompile(`https?://\S+/admin/einladung/[A-Za-z0-9_-]+`)

// TestBrowserAdminCenter: the platform operator creates the tenant
// "Landkreis Leipzig" with two organisational units and invites a
// catalogue editor and a case worker; each sets a password and TOTP and
// logs in; the case worker gets the 403 page on the catalogue. axe-core
// checks every page at desktop width and at 320 px.
func TestBrowserAdminCenter(t *testing.T) {
	e := newBrowserEnv(t)
	e.svc.InviteURL = func(token string) string { return e.base + "/admin/einladung/" + token }
	const secret = "JBSWY3DPEHPK3PXP" // the fixture's people's
	e.do(t, "login page", chromedp.Navigate(e.base+"/admin/anmelden"), chromedp.WaitVisible(chromedp.CSS("#password")))
	e.check(t, "01-login")
	e.do(t, "wrong password", chromedp.SendKeys(chromedp.CSS("#email"), "nobody@amt.test"), chromedp.SendKeys(chromedp.CSS("#password"), "falsch"),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS(".kern-alert--danger")))
	e.check(t, "02-login-failed")
	e.do(t, "code page", chromedp.Navigate(e.base+"/admin/anmelden"), chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#email"), "platform-operator@amt.test"), chromedp.SendKeys(chromedp.CSS("#password"), "ein langes Passwort"),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS("#code")))
	e.check(t, "03-code")
	e.do(t, "code", chromedp.SendKeys(chromedp.CSS("#code"), e.code(t, secret)), chromedp.Submit(chromedp.CSS("#code")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/abmelden"]`)))
	e.check(t, "04-dashboard")

	e.do(t, "tenants", chromedp.Navigate(e.base+"/admin/mandanten"), chromedp.WaitVisible(chromedp.CSS("#slug")))
	e.check(t, "05-tenants")
	e.do(t, "bad tenant", chromedp.SendKeys(chromedp.CSS("#name"), "Landkreis Leipzig"), chromedp.SendKeys(chromedp.CSS("#slug"), "Landkreis Leipzig"),
		chromedp.Submit(chromedp.CSS("#slug")), chromedp.WaitVisible(chromedp.CSS("#slug-error")))
	e.check(t, "06-tenants-error")
	e.do(t, "create Landkreis Leipzig", chromedp.Clear(chromedp.CSS("#slug")), chromedp.SendKeys(chromedp.CSS("#slug"), "landkreis-leipzig"),
		chromedp.SetValue(chromedp.CSS("#kind"), "district"), chromedp.SetValue(chromedp.CSS("#parent"), e.a),
		chromedp.Submit(chromedp.CSS("#slug")))
	e.waitText(t, "h1", "Landkreis Leipzig")
	e.do(t, "tenant page", chromedp.WaitVisible(chromedp.CSS("#parentId")))
	if h := e.heading(t); h != "Landkreis Leipzig" {
		t.Fatalf("after creating the tenant: %q", h)
	}
	for _, unit := range []string{"Ordnungsamt", "Bauamt"} {
		e.do(t, "unit "+unit, chromedp.SendKeys(chromedp.CSS("#name"), unit), chromedp.Submit(chromedp.CSS("#name")))
		e.waitText(t, "main ul", unit)
	}
	if units := browsertest.Text(t, e.ctx, "main ul"); !strings.Contains(units, "Ordnungsamt") || !strings.Contains(units, "Bauamt") {
		t.Fatalf("units: %q", units)
	}
	e.check(t, "07-tenant-units")
	loc, _ := chromedp.Run(e.ctx, chromedp.Location())
	tenantURL := loc
	people := map[string]string{"Katrin Redaktion": "katalog@leipzig.test", "Sven Sachbearbeitung": "fall@leipzig.test"}
	for name, email := range people {
		e.do(t, "invite "+name, chromedp.Navigate(tenantURL+"/personal"), chromedp.WaitVisible(chromedp.CSS("#displayName")),
			chromedp.SendKeys(chromedp.CSS("#displayName"), name), chromedp.SendKeys(chromedp.CSS("#email"), email),
			chromedp.Submit(chromedp.CSS("#email")))
		e.waitText(t, "table tbody", email)
	}
	e.check(t, "08-staff")
	roles := map[string]access.Role{"Katrin Redaktion": access.CatalogueEditor, "Sven Sachbearbeitung": access.CaseWorker}
	for name, role := range roles {
		e.do(t, "staff list", chromedp.Navigate(tenantURL+"/personal"), chromedp.WaitVisible(chromedp.CSS("#displayName")))
		href, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("td a")].find(a => a.textContent === "`+name+`").href`))
		if err != nil {
			t.Fatalf("link to %s: %v", name, err)
		}
		e.do(t, "person "+name, chromedp.Navigate(href), chromedp.WaitVisible(chromedp.CSS("#role")),
			chromedp.SetValue(chromedp.CSS("#role"), string(role)), chromedp.Submit(chromedp.CSS("#role")))
		e.waitText(t, "main", "Entziehen")
	}
	e.check(t, "09-person")
	e.do(t, "audit", chromedp.Navigate(e.base+"/admin/protokoll"), chromedp.WaitVisible(chromedp.CSS("table")))
	if got := browsertest.Text(t, e.ctx, "table tbody"); !strings.Contains(got, "grant.added") || !strings.Contains(got, "tenant.created") {
		t.Errorf("audit log: %q", got)
	}
	e.check(t, "10-audit")
	e.do(t, "outbox", chromedp.Navigate(e.base+"/admin/dev/postausgang"), chromedp.WaitVisible(chromedp.CSS("main")))
	e.check(t, "11-outbox")
	links := map[string]string{}
	for _, m := range e.outbox.Messages() {
		links[m.To] = inviteLink.FindString(m.Body)
	}
	e.logout(t)

	for name, email := range people {
		link := links[email]
		if link == "" {
			t.Fatalf("no invitation for %s in the outbox", email)
		}
		e.do(t, "invitation "+name, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#password2")))
		sec := browsertest.Text(t, e.ctx, "code.secret")
		if name == "Katrin Redaktion" {
			e.check(t, "12-invitation")
		}
		e.do(t, "set password and TOTP "+name, chromedp.SendKeys(chromedp.CSS("#password"), "ein sehr langes Passwort"),
			chromedp.SendKeys(chromedp.CSS("#password2"), "ein sehr langes Passwort"), chromedp.SendKeys(chromedp.CSS("#code"), e.code(t, sec)),
			chromedp.Submit(chromedp.CSS("#code")))
		e.waitText(t, "main", "Ihr Konto ist eingerichtet")
		e.login(t, email, "ein sehr langes Passwort", sec)
		if name == "Sven Sachbearbeitung" {
			if nav := browsertest.Text(t, e.ctx, "nav"); strings.Contains(nav, "Katalog") {
				t.Errorf("the case worker's navigation offers the catalogue: %q", nav)
			}
			e.do(t, "catalogue as case worker", chromedp.Navigate(e.base+"/admin/katalog"), chromedp.WaitVisible(chromedp.CSS("h1")))
			if h := e.heading(t); h != "Keine Berechtigung" {
				t.Fatalf("case worker on the catalogue: %q", h)
			}
			e.check(t, "13-forbidden")
			e.do(t, "unknown page", chromedp.Navigate(e.base+"/admin/gibt-es-nicht"), chromedp.WaitVisible(chromedp.CSS("h1")))
			if h := e.heading(t); h != "Seite nicht gefunden" {
				t.Fatalf("unknown page: %q", h)
			}
			e.check(t, "14-not-found")
		} else {
			e.do(t, "catalogue as editor", chromedp.Navigate(e.base+"/admin/katalog"), chromedp.WaitVisible(chromedp.CSS("h1")))
			if h := e.heading(t); h != "Katalog" {
				t.Fatalf("catalogue editor on the catalogue: %q", h)
			}
		}
		e.logout(t)
	}
}
