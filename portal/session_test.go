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
			s3 := &portal.Session{TenantID: tenant, CitizenID: "c3", CSRF: "x", ACR: hub.ACRHigh, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
			if _, err := store.Create(ctx, s3); err != nil {
				t.Fatal(err)
			}
			// The citizen's archive lists c1's two live sessions, not c3's
			// nor the expired one.
			list, err := store.ListCitizen(ctx, tenant, "c1")
			if err != nil || len(list) != 2 || list[0].CitizenID != "c1" || !list[1].ExpiresAt.Equal(s.ExpiresAt) {
				t.Fatalf("list c1 = %+v, %v; want 2 sessions", list, err)
			}
			if list, err := store.ListCitizen(ctx, tenant, "c3"); err != nil || len(list) != 1 || list[0].ACR != hub.ACRHigh {
				t.Fatalf("list c3 = %+v, %v", list, err)
			}
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
			if list, err := store.ListCitizen(ctx, tenant, "c1"); err != nil || len(list) != 0 {
				t.Fatalf("list after DeleteCitizen = %+v, %v", list, err)
			}
		})
	}
}
