// Package logintest drives a login form from outside to check it against
// the login policy of hub/logins: the account lock that 40 addresses
// guessing one password run into, the hourly ceiling, and the one answer
// for an unknown account and a wrong password. Each surface's tests give
// it their form.
package logintest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/logins"
)

// Caches are the two caches a form is tested on: in process (dev) and
// Redis (serve), each new per call with its own key prefix.
func Caches() map[string]func(t *testing.T) logins.Counter {
	return map[string]func(t *testing.T) logins.Counter{
		"memory": func(*testing.T) logins.Counter { return cache.NewMemory() },
		"redis": func(t *testing.T) logins.Counter {
			r, err := cache.NewRedis(context.Background(), hubtest.RedisURL(t), hubtest.Unique("logins-")+":")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			return r
		},
	}
}

// Form sends one login of account with password from the client address
// addr through a login form and returns the answer's status and body. It
// reports whether the login succeeded (a session began).
type Form func(t testing.TB, account, password, addr string) (status int, body string, ok bool)

// Addr is the n-th client address of a test: 198.18.0.0/15, the
// benchmarking network, so that no two attempts share an address.
func Addr(n int) string { return fmt.Sprintf("198.18.%d.%d", n/250, n%250+1) }

// AccountLock: 40 addresses each guess the password of account once; the
// account locks after the policy's burst, and then the right password
// from a fresh address is refused with the lock's answer (429). It
// returns how many guesses the form checked.
func AccountLock(t *testing.T, form Form, account, password string) int {
	t.Helper()
	checked := 0
	for i := range 40 {
		status, body, ok := form(t, account, fmt.Sprintf("falsch-geraten-%02d", i), Addr(i))
		switch {
		case ok:
			t.Fatalf("guess %d logged in", i+1)
		case status == http.StatusTooManyRequests:
			if !strings.Contains(body, logins.LockedMessage) {
				t.Fatalf("guess %d: 429 without the lock's answer:\n%.800s", i+1, body)
			}
		case status == http.StatusUnauthorized:
			checked++
		default:
			t.Fatalf("guess %d: status %d, want 401 or 429", i+1, status)
		}
	}
	burst := logins.DefaultPolicy().PerAccount.Burst
	if checked > burst {
		t.Errorf("%d of 40 guesses from 40 addresses were checked, want at most %d", checked, burst)
	}
	status, body, ok := form(t, account, password, Addr(1000))
	if ok || status != http.StatusTooManyRequests || !strings.Contains(body, logins.LockedMessage) {
		t.Fatalf("the right password from a fresh address while the account is locked: %d, logged in %v, want 429 with %q",
			status, ok, logins.LockedMessage)
	}
	return checked
}

// HourlyCeiling guesses the password of account every 20 seconds of the
// clock (advance moves it on) for two hours, each time from a fresh
// address, and checks that no hour saw more than 100 guesses checked (401)
// — and that the form did check guesses again after the lock ended. It
// returns the most checked in any hour.
func HourlyCeiling(t *testing.T, form Form, advance func(time.Duration), account string) int {
	t.Helper()
	const step = 20 * time.Second
	var at []time.Duration // when each checked guess was made
	for i := 0; time.Duration(i)*step < 2*time.Hour; i++ {
		status, _, ok := form(t, account, fmt.Sprintf("falsch-%d", i), Addr(i))
		if ok {
			t.Fatalf("guess %d logged in", i+1)
		}
		if status == http.StatusUnauthorized {
			at = append(at, time.Duration(i)*step)
		} else if status != http.StatusTooManyRequests {
			t.Fatalf("guess %d: status %d, want 401 or 429", i+1, status)
		}
		advance(step)
	}
	most := 0
	for i := range at {
		n := 0
		for j := i; j < len(at) && at[j]-at[i] < time.Hour; j++ {
			n++
		}
		most = max(most, n)
	}
	if most > 100 {
		t.Errorf("%d guesses checked within one hour, want at most 100", most)
	}
	if len(at) == 0 || at[len(at)-1] < time.Hour {
		t.Errorf("no guess checked in the second hour: the lock does not end")
	}
	return most
}

// OneAnswer compares the answers to a wrong password for account and to
// any password for an unknown account (from the same address, with mask
// blanking what differs per request, such as a form token): status and
// body must be equal.
func OneAnswer(t *testing.T, form Form, account, unknown string, mask func(string) string) {
	t.Helper()
	s1, b1, _ := form(t, account, "falsches-Passwort-1", Addr(2000))
	s2, b2, _ := form(t, unknown, "falsches-Passwort-1", Addr(2000))
	b1 = strings.ReplaceAll(mask(b1), account, "ACCOUNT")
	b2 = strings.ReplaceAll(mask(b2), unknown, "ACCOUNT")
	if s1 != http.StatusUnauthorized || s1 != s2 || b1 != b2 {
		t.Errorf("wrong password: %d, unknown account: %d (want both 401, same body)\n--- wrong password\n%s\n--- unknown account\n%s", s1, s2, b1, b2)
	}
}
