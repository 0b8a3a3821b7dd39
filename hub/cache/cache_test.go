package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/hubtest"
)

// store is what both implementations offer.
type store interface {
	Allow(ctx context.Context, key string, l cache.Limit) (cache.Result, error)
	SetNX(ctx context.Context, key string, ttl time.Duration) (bool, error)
	Exists(ctx context.Context, key string) (bool, error)
	Delete(ctx context.Context, key string) error
	Ready(ctx context.Context) error
}

// TestConformance runs the same cases against the in-process cache and a
// real Redis.
func TestConformance(t *testing.T) {
	ctx := context.Background()
	r, err := cache.NewRedis(ctx, hubtest.RedisURL(t), hubtest.Unique("test:")+":")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	for name, s := range map[string]store{"memory": cache.NewMemory(), "redis": r} {
		t.Run(name, func(t *testing.T) {
			t.Run("RateLimitAllowsBurstThenRefuses", func(t *testing.T) {
				l := cache.PerMinute(5)
				for i := 0; i < 5; i++ {
					res, err := s.Allow(ctx, "k", l)
					if err != nil || !res.Allowed {
						t.Fatalf("event %d refused: %+v %v", i, res, err)
					}
				}
				res, err := s.Allow(ctx, "k", l)
				if err != nil {
					t.Fatal(err)
				}
				if res.Allowed {
					t.Fatal("sixth event in a minute allowed under a limit of 5")
				}
				if res.RetryAfter <= 0 || res.RetryAfter > 13*time.Second {
					t.Fatalf("RetryAfter = %v, want about 12s", res.RetryAfter)
				}
				if res, _ := s.Allow(ctx, "other", l); !res.Allowed {
					t.Fatal("a different key was limited")
				}
			})
			t.Run("SetNX", func(t *testing.T) {
				if ok, err := s.SetNX(ctx, "jti-1", time.Minute); err != nil || !ok {
					t.Fatalf("first SetNX = %v, %v", ok, err)
				}
				if ok, _ := s.SetNX(ctx, "jti-1", time.Minute); ok {
					t.Fatal("second SetNX of the same key succeeded")
				}
				if ok, _ := s.Exists(ctx, "jti-1"); !ok {
					t.Fatal("key set but not found")
				}
				if ok, _ := s.Exists(ctx, "jti-2"); ok {
					t.Fatal("unset key found")
				}
				if err := s.Delete(ctx, "jti-1"); err != nil {
					t.Fatal(err)
				}
				if ok, _ := s.Exists(ctx, "jti-1"); ok {
					t.Fatal("deleted key found")
				}
			})
			t.Run("Expiry", func(t *testing.T) {
				if _, err := s.SetNX(ctx, "short", 50*time.Millisecond); err != nil {
					t.Fatal(err)
				}
				time.Sleep(120 * time.Millisecond)
				if ok, _ := s.Exists(ctx, "short"); ok {
					t.Fatal("expired key still set")
				}
			})
			if err := s.Ready(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
