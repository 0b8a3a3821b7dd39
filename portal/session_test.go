package portal_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/portal"
)

// sessionStores opens each session store, with a tenant for it: the
// database one on both dialects, and Redis.
func sessionStores() map[string]func(t *testing.T) (portal.SessionStore, string) {
	stores := map[string]func(t *testing.T) (portal.SessionStore, string){}
	for _, d := range hubtest.Databases() {
		stores["db-"+d.Name] = func(t *testing.T) (portal.SessionStore, string) {
			db := d.Open(t)
			return portal.NewDBSessions(db), hubtest.MustTenant(t, db)
		}
	}
	stores["redis"] = func(t *testing.T) (portal.SessionStore, string) {
		opts, err := redis.ParseURL(hubtest.RedisURL(t))
		if err != nil {
			t.Fatal(err)
		}
		c := redis.NewClient(opts)
		t.Cleanup(func() { c.Close() })
		return portal.NewRedisSessions(c, hubtest.Unique("test:")), "tenant"
	}
	return stores
}

// TestSessionStores runs one contract over the database (on both
// dialects) and the Redis session store.
func TestSessionStores(t *testing.T) {
	for name, open := range sessionStores() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			store, tenant := open(t)
			now := time.Now().UTC().Truncate(time.Second)
			s := &portal.Session{TenantID: tenant, CitizenID: "c1", CSRF: "form-token", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
			tok, err := store.Create(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			got, err := store.Get(ctx, tok)
			if err != nil || got.CitizenID != "c1" || got.CSRF != "form-token" || !got.ExpiresAt.Equal(s.ExpiresAt) {
				t.Fatalf("get = %+v, %v", got, err)
			}
			if _, err := store.Get(ctx, tok+"x"); !hub.IsCode(err, hub.ENOTFOUND) {
				t.Fatalf("unknown token: %v", err)
			}
			expired := *s
			expired.ExpiresAt = now.Add(-time.Minute)
			if tok2, err := store.Create(ctx, &expired); err == nil {
				if _, err := store.Get(ctx, tok2); !hub.IsCode(err, hub.ENOTFOUND) {
					t.Fatalf("expired session found: %v", err)
				}
			}
			other, _ := store.Create(ctx, s)
			if err := store.Delete(ctx, tok); err != nil {
				t.Fatal(err)
			}
			if _, err := store.Get(ctx, tok); !hub.IsCode(err, hub.ENOTFOUND) {
				t.Fatalf("deleted session found: %v", err)
			}
			if err := store.DeleteCitizen(ctx, tenant, "c1"); err != nil {
				t.Fatal(err)
			}
			if _, err := store.Get(ctx, other); !hub.IsCode(err, hub.ENOTFOUND) {
				t.Fatalf("session of deleted citizen found: %v", err)
			}
		})
	}
}
