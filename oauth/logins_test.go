package oauth_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/logins/logintest"
)

// loginForm returns the OAuth login form of e (password, or the test eID
// of `amthub dev` at /oauth2/login/eid), driven from any client address.
func (e *env) loginForm(path string) logintest.Form {
	return func(t testing.TB, account, password, addr string) (int, string, bool) {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		b := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := b.Get(e.authorizeURL(nil))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		page, err := b.Get(e.srv.URL + resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		f := formFields(e.t, page)
		f.Set("email", account)
		f.Set("password", password)
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", addr)
		resp, err = b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ok := resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), f.Get("return"))
		return resp.StatusCode, string(body), ok
	}
}

// TestLoginPolicy drives the OAuth login form against hub/logins' policy,
// on the in-process cache and on Redis (serve's).
func TestLoginPolicy(t *testing.T) {
	mask := func(s string) string { return hiddenField.ReplaceAllString(s, "") }
	for name, newCache := range logintest.Caches() {
		t.Run(name, func(t *testing.T) {
			e := newEnvCache(t, hubtest.NewSQLite(t), nil, newCache(t))
			form, who := e.loginForm("/oauth2/login"), e.demo.Citizen
			if status, body, ok := form(t, who.Email, who.Password, logintest.Addr(3000)); !ok {
				t.Fatalf("the right password: %d %.300s", status, body)
			}
			logintest.OneAnswer(t, form, who.Email, "niemand@example.org", mask)
			n := logintest.AccountLock(t, form, who.Email, who.Password)
			t.Logf("40 addresses: %d guesses checked, then locked", n)
		})
	}
	t.Run("HourlyCeiling", func(t *testing.T) {
		clock := hubtest.NewClock(time.Now())
		e := newEnvCache(t, hubtest.NewSQLite(t), nil, cache.NewMemoryClock(clock.Now))
		most := logintest.HourlyCeiling(t, e.loginForm("/oauth2/login"), clock.Add, e.demo.Citizen.Email)
		t.Logf("at most %d guesses checked in any hour", most)
	})
	t.Run("TestEID", func(t *testing.T) {
		// The test eID of `amthub dev` takes an address only: guessing
		// addresses counts as failures too.
		e := newEnvCache(t, hubtest.NewSQLite(t), nil, cache.NewMemory())
		form := e.loginForm("/oauth2/login/eid")
		for i := range 40 {
			form(t, fmt.Sprintf("geraten-%d@example.org", i), "", logintest.Addr(100))
		}
		if status, _, ok := form(t, e.demo.Citizen.Email, "", logintest.Addr(100)); ok || status != http.StatusTooManyRequests {
			t.Fatalf("the eID login from an address that guessed 40 accounts: %d, logged in %v, want 429", status, ok)
		}
	})
}
