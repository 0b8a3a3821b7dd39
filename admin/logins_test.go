package admin_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/logins"
	"github.com/amthub/amthub/hub/logins/logintest"
)

// loginForm is the AdminCenter's login page (the password step) of f,
// counting in c, driven from any client address.
func (f *fixture) loginForm(c logins.Counter) logintest.Form {
	f.logins.Guard = logins.NewGuard(c, "staff", logins.Policy{})
	return func(t testing.TB, account, password, addr string) (int, string, bool) {
		body := url.Values{"email": {account}, "password": {password}}.Encode()
		req := f.request("anonymous", http.MethodPost, "/admin/anmelden", body, "application/x-www-form-urlencoded")
		req.RemoteAddr = addr + ":40000"
		rec := f.serve(req)
		ok := rec.Code == http.StatusSeeOther && rec.Header().Get("Location") == "/admin/anmelden/code"
		return rec.Code, rec.Body.String(), ok
	}
}

// TestLoginPolicy drives the AdminCenter's login page against hub/logins'
// policy, on the in-process cache and on Redis (serve's).
func TestLoginPolicy(t *testing.T) {
	const who, password = "auditor@amt.test", "ein langes Passwort"
	for name, newCache := range logintest.Caches() {
		t.Run(name, func(t *testing.T) {
			form := newFixture(t, hubtest.NewSQLite(t)).loginForm(newCache(t))
			if status, body, ok := form(t, who, password, logintest.Addr(3000)); !ok {
				t.Fatalf("the right password: %d %.300s", status, body)
			}
			logintest.OneAnswer(t, form, who, "niemand@amt.test", func(s string) string { return s })
			n := logintest.AccountLock(t, form, who, password)
			t.Logf("40 addresses: %d guesses checked, then locked", n)
		})
	}
	t.Run("HourlyCeiling", func(t *testing.T) {
		clock := hubtest.NewClock(time.Now())
		form := newFixture(t, hubtest.NewSQLite(t)).loginForm(cache.NewMemoryClock(clock.Now))
		most := logintest.HourlyCeiling(t, form, clock.Add, who)
		t.Logf("at most %d guesses checked in any hour", most)
	})
}
