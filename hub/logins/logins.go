// Package logins is the one login policy of the hub's login forms: failed
// attempts are counted per account (the login name as typed, so that an
// unknown account and a known one are treated alike) and per client
// address, and a login name or address over its limit is locked for a
// while, with one answer whatever the reason. The counters live in the
// hub's cache: in process for `amthub dev`, in Redis for `amthub serve`,
// where every hub process shares them.
package logins

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/cache"
)

// Counter is what the guard needs of the cache (cache.Memory, cache.Redis).
type Counter interface {
	Allow(ctx context.Context, key string, l cache.Limit) (cache.Result, error)
	SetNX(ctx context.Context, key string, ttl time.Duration) (bool, error)
	Exists(ctx context.Context, key string) (bool, error)
}

// Policy bounds failed logins. The defaults allow at most 100 failures per
// account in any hour (a burst of 10, then 90 an hour) and 600 per client
// address (an office behind one address has many people).
type Policy struct {
	PerAccount cache.Limit
	PerAddress cache.Limit
}

// DefaultPolicy is the policy of issue 21: at most 100 failures per account
// per hour.
func DefaultPolicy() Policy {
	return Policy{
		PerAccount: cache.Limit{Rate: 90, Period: time.Hour, Burst: 10},
		PerAddress: cache.Limit{Rate: 570, Period: time.Hour, Burst: 30},
	}
}

// LockedMessage is the one answer to a login attempt while the account or
// the address is locked.
const LockedMessage = "Zu viele fehlgeschlagene Anmeldungen. Bitte versuchen Sie es später erneut."

// Citizens is the form family of the citizens' logins: the portal's and
// the OAuth server's login forms count in one place, so that an account's
// failures add up whichever form they come through.
const Citizens = "citizen"

// AccountKey names an account of a tenant for the guard: login names are
// unique per tenant.
func AccountKey(tenantID, login string) string { return tenantID + "/" + login }

// Guard applies a Policy to the logins of one form family ("staff",
// "citizen"), whose counters it keeps apart.
type Guard struct {
	c      Counter
	policy Policy
	prefix string
}

// NewGuard returns a guard for the logins named form; a zero policy is
// DefaultPolicy.
func NewGuard(c Counter, form string, p Policy) *Guard {
	if p.PerAccount.Rate == 0 {
		p = DefaultPolicy()
	}
	return &Guard{c: c, policy: p, prefix: "login:" + form + ":"}
}

func (g *Guard) keys(account, addr string) (acct, address string) {
	return g.prefix + "acct:" + hub.TokenHash(strings.ToLower(strings.TrimSpace(account))), g.prefix + "addr:" + addr
}

// Check refuses a login attempt for account from addr while either is
// locked; it counts nothing.
func (g *Guard) Check(ctx context.Context, account, addr string) error {
	acct, address := g.keys(account, addr)
	for _, k := range []string{acct, address} {
		locked, err := g.c.Exists(ctx, "locked:"+k)
		if err != nil {
			return fmt.Errorf("login guard: %w", err)
		}
		if locked {
			return errLocked()
		}
	}
	return nil
}

// Fail counts a failed attempt (wrong password, unknown account, wrong
// code) and locks the account or address that goes over its limit until
// the limit allows the next attempt.
func (g *Guard) Fail(ctx context.Context, account, addr string) error {
	acct, address := g.keys(account, addr)
	for _, c := range []struct {
		key   string
		limit cache.Limit
	}{{acct, g.policy.PerAccount}, {address, g.policy.PerAddress}} {
		res, err := g.c.Allow(ctx, c.key, c.limit)
		if err != nil {
			return fmt.Errorf("login guard: %w", err)
		}
		// Lock as soon as the budget is used up, not at the first failure
		// over it: that failure's password was checked already, and an
		// attempt at the end of each lock would be checked beyond the
		// limit (twice the hourly rate, measured through the forms).
		// Until the lock ends, no attempt reaches a password check; one
		// event's interval is the most the limit makes the next wait.
		var lock time.Duration
		switch {
		case !res.Allowed:
			lock = res.RetryAfter
		case res.Remaining == 0:
			lock = c.limit.Period / time.Duration(c.limit.Rate)
		default:
			continue
		}
		if _, err := g.c.SetNX(ctx, "locked:"+c.key, max(lock, time.Second)); err != nil {
			return fmt.Errorf("login guard: %w", err)
		}
	}
	return nil
}

func errLocked() error {
	return &hub.Error{Code: hub.ERATELIMITED, Kind: "login_locked", Message: LockedMessage}
}
