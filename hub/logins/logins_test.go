package logins_test

import (
	"context"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/logins"
)

// TestGuard locks an account after its failures, and an address after
// its own, on the in-process cache and on Redis.
func TestGuard(t *testing.T) {
	ctx := context.Background()
	redis, err := cache.NewRedis(ctx, hubtest.RedisURL(t), hubtest.Unique("logins-test-")+":")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { redis.Close() })
	for name, c := range map[string]logins.Counter{"memory": cache.NewMemory(), "redis": redis} {
		t.Run(name, func(t *testing.T) {
			policy := logins.Policy{
				PerAccount: cache.Limit{Rate: 3, Period: time.Hour, Burst: 3},
				PerAddress: cache.Limit{Rate: 5, Period: time.Hour, Burst: 5},
			}
			g := logins.NewGuard(c, "test", policy)
			for i := range 3 {
				if err := g.Check(ctx, "Anna@Amt.de", "10.0.0.1"); err != nil {
					t.Fatalf("attempt %d refused: %v", i+1, err)
				}
				if err := g.Fail(ctx, "anna@amt.de", "10.0.0.1"); err != nil {
					t.Fatal(err)
				}
			}
			// The third failure used up the burst: the account is locked
			// before a fourth password is checked, from any address.
			err := g.Check(ctx, " ANNA@amt.de", "10.0.0.3")
			if !hub.IsCode(err, hub.ERATELIMITED) || hub.ErrorMessage(err) != logins.LockedMessage {
				t.Fatalf("account over its limit: %v, want locked", err)
			}
			if err := g.Check(ctx, "bernd@amt.de", "10.0.0.3"); err != nil {
				t.Fatalf("another account locked too: %v", err)
			}
			// The address 10.0.0.1 saw 3 failures; 2 more for other names lock it.
			if err := g.Check(ctx, "new@amt.de", "10.0.0.1"); err != nil {
				t.Fatalf("address locked before its limit: %v", err)
			}
			for _, who := range []string{"x@a.de", "y@a.de"} {
				if err := g.Fail(ctx, who, "10.0.0.1"); err != nil {
					t.Fatal(err)
				}
			}
			if err := g.Check(ctx, "new@amt.de", "10.0.0.1"); !hub.IsCode(err, hub.ERATELIMITED) {
				t.Fatalf("address over its limit: %v, want locked", err)
			}
		})
	}
}

func TestDefaultPolicy(t *testing.T) {
	p := logins.DefaultPolicy()
	// The most failures any one hour can see: the burst plus the hour's rate.
	if n := p.PerAccount.Burst + p.PerAccount.Rate*int(time.Hour/p.PerAccount.Period); n > 100 {
		t.Errorf("the default allows %d failures per account per hour, want at most 100", n)
	}
}
