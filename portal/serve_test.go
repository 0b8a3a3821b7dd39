package portal_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/portal"
)

// TestServeMode runs the account flow as `amthub serve` would: PostgreSQL,
// sessions in Redis.
func TestServeMode(t *testing.T) {
	ctx := context.Background()
	rc, err := cache.NewRedis(ctx, hubtest.RedisURL(t), hubtest.Unique("test:"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Close() })
	db, tenant := seededPostgres(t)
	e := newEnv(t, db, tenant, portal.NewRedisSessions(rc.Client(), rc.Prefix()), true)
	c := e.client(t)
	c.registerAndConfirm("serve@example.org", "richtig-geheim-1")
	c.get("/konto/anmelden")
	if code, loc := c.post("/konto/anmelden", url.Values{"email": {"serve@example.org"}, "password": {"richtig-geheim-1"}}); code != 303 {
		t.Fatalf("login = %d %s", code, loc)
	}
	if code, body := c.get("/konto"); code != 200 || !strings.Contains(body, "serve@example.org") {
		t.Fatalf("account = %d", code)
	}
	if code, body := c.get("/suche?q=Persnalausweis"); code != 200 || !strings.Contains(body, "Personalausweis beantragen") {
		t.Fatalf("typo search on PostgreSQL = %d", code)
	}
	c.post("/konto/abmelden", url.Values{})
	if code, _ := c.get("/konto"); code != 303 {
		t.Fatalf("after logout = %d", code)
	}
}
