package portal_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/citizens"
	"github.com/amthub/amthub/hub/httpserver"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/logins/logintest"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/portal"
)

// loginForm starts the portal on db with the cache c behind a trusted
// proxy (loopback), makes the account anna@example.org, and returns its
// login form, driven from any client address through X-Forwarded-For.
func loginForm(t *testing.T, c portal.Limiter) logintest.Form {
	t.Helper()
	db, tenant := seededSQLite(t)
	if _, err := citizens.NewStore(db).Create(context.Background(), tenant, "anna@example.org", "das richtige Passwort", "Anna"); err != nil {
		t.Fatal(err)
	}
	p, err := portal.New(portal.Config{TenantID: tenant}, db, citizens.NewStore(db), pipeline.NewStore(db),
		portal.NewDBSessions(db), c, nil, portal.Services{})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(httpserver.TrustProxies([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}))
	p.Routes(r)
	srv := httptest.NewTLSServer(r)
	t.Cleanup(srv.Close)
	return func(t testing.TB, account, password, addr string) (int, string, bool) {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		hc := srv.Client()
		hc.Jar = jar
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		cl := &client{t: t, e: &env{srv: srv}, hc: hc}
		cl.get("/konto/anmelden")
		form := url.Values{"email": {account}, "password": {password}, "csrf_token": {cl.tok}}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/konto/anmelden", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", addr)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		status, body := cl.read(resp)
		return status, body, status == http.StatusSeeOther && body == "/konto"
	}
}

// TestLoginPolicy drives the portal's login form against hub/logins'
// policy, on the in-process cache and on Redis (serve's).
func TestLoginPolicy(t *testing.T) {
	for name, newCache := range logintest.Caches() {
		t.Run(name, func(t *testing.T) {
			form := loginForm(t, newCache(t))
			if status, body, ok := form(t, "anna@example.org", "das richtige Passwort", logintest.Addr(3000)); !ok {
				t.Fatalf("the right password: %d %.300s", status, body)
			}
			logintest.OneAnswer(t, form, "anna@example.org", "niemand@example.org", func(s string) string {
				return csrfRe.ReplaceAllString(s, "")
			})
			n := logintest.AccountLock(t, form, "anna@example.org", "das richtige Passwort")
			t.Logf("40 addresses: %d guesses checked, then locked", n)
		})
	}
	t.Run("HourlyCeiling", func(t *testing.T) {
		clock := hubtest.NewClock(time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC))
		form := loginForm(t, cache.NewMemoryClock(clock.Now))
		most := logintest.HourlyCeiling(t, form, clock.Add, "anna@example.org")
		t.Logf("at most %d guesses checked in any hour", most)
	})
}
