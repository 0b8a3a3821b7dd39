package oauth_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/oauth"
)

func TestAdminAPI(t *testing.T) {
	e := newEnv(t, hubtest.NewSQLite(t), nil)
	admin, secret, err := e.p.Clients.Create(t.Context(), e.tenant, oauth.ClientSpec{Name: "Betrieb", Scopes: []string{hub.ScopeAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	tok := e.clientCredentials(admin.ID, secret, "").AccessToken
	base := "/admin/v1/tenants/" + e.tenant + "/clients"

	r := e.call(http.MethodPost, base, tok, strings.NewReader(`{"name":"Neuer Hersteller","scopes":["routes:read"]}`))
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("create: status %d", r.StatusCode)
	}
	var created oauth.ClientView
	_ = json.NewDecoder(r.Body).Decode(&created)
	if created.Secret == "" || len(created.Secret) < 43 {
		t.Fatalf("secret not shown once or too short: %q", created.Secret)
	}
	if tr := e.clientCredentials(created.ID, created.Secret, ""); tr.Status != http.StatusOK {
		t.Fatalf("new client gets no token: %d %q", tr.Status, tr.Error)
	}

	r = e.call(http.MethodPost, base+"/"+created.ID+"/rotate-secret", tok, nil)
	var rotated struct{ ClientSecret string }
	_ = json.NewDecoder(r.Body).Decode(&rotated)
	if r.StatusCode != http.StatusOK || rotated.ClientSecret == created.Secret {
		t.Fatalf("rotate: status %d", r.StatusCode)
	}
	if tr := e.clientCredentials(created.ID, created.Secret, ""); tr.Error != "invalid_client" {
		t.Fatalf("old secret after rotation: %q", tr.Error)
	}

	if r := e.call(http.MethodPost, base+"/"+created.ID+"/disable", tok, nil); r.StatusCode != http.StatusNoContent {
		t.Fatalf("disable: status %d", r.StatusCode)
	}
	if tr := e.clientCredentials(created.ID, rotated.ClientSecret, ""); tr.Error != "invalid_client" {
		t.Fatalf("disabled client: %q", tr.Error)
	}
	r = e.call(http.MethodGet, base, tok, nil)
	var list struct{ Items []oauth.ClientView }
	_ = json.NewDecoder(r.Body).Decode(&list)
	if len(list.Items) != 4 { // vendor, portal, admin, the new one
		t.Fatalf("list: %d clients", len(list.Items))
	}
	t.Run("ErrInvalidSpec", func(t *testing.T) {
		r := e.call(http.MethodPost, base, tok, strings.NewReader(`{"name":"X","scopes":["everything"]}`))
		if r.StatusCode != http.StatusBadRequest || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("status %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
	})
	t.Run("ErrNoAdminScope", func(t *testing.T) {
		vt := e.clientCredentials(e.demo.Vendor.ClientID, e.demo.Vendor.ClientSecret, "").AccessToken
		expectBearerError(t, e.call(http.MethodGet, base, vt, nil), http.StatusForbidden, "insufficient_scope")
	})
}

func TestKeyRotation(t *testing.T) {
	e := newEnv(t, hubtest.NewSQLite(t), nil)
	old := e.clientCredentials(e.demo.Vendor.ClientID, e.demo.Vendor.ClientSecret, "").AccessToken
	if err := e.p.Keys.Rotate(t.Context()); err != nil {
		t.Fatal(err)
	}
	fresh := e.clientCredentials(e.demo.Vendor.ClientID, e.demo.Vendor.ClientSecret, "").AccessToken
	if got := len(e.p.Keys.JWKS().Keys); got != 2 {
		t.Fatalf("JWKS has %d keys after rotation, want 2", got)
	}
	for _, tok := range []string{old, fresh} {
		if r := e.call(http.MethodGet, "/api/noop", tok, nil); r.StatusCode != http.StatusOK {
			t.Fatalf("status %d", r.StatusCode)
		}
	}
}

func TestDemoIsStable(t *testing.T) {
	db := hubtest.NewSQLite(t)
	e := newEnv(t, db, nil)
	again, err := e.p.SeedDemo(t.Context(), e.tenant)
	if err != nil {
		t.Fatal(err)
	}
	// A second provider on the same database stands for a restart.
	e2 := newEnv(t, db, nil)
	restarted, err := e2.p.SeedDemo(t.Context(), e.tenant)
	if err != nil {
		t.Fatal(err)
	}
	// The portal's redirect URI follows the issuer, which differs here.
	if again != e.demo || restarted.Vendor != e.demo.Vendor || restarted.Citizen != e.demo.Citizen {
		t.Fatal("demo credentials changed across seeding or restart")
	}
}
