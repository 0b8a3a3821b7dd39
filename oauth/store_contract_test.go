package oauth

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/ory/fosite"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
)

// TestStoreContract holds the fosite storage to fosite's expectations
// (storage/memory.go is the reference) on SQLite and PostgreSQL alike.
func TestStoreContract(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			db := d.Open(t)
			s, req := contractSetup(t, db)
			t.Run("Client", func(t *testing.T) { testStoreClient(t, s, req) })
			t.Run("AuthorizeCode", func(t *testing.T) { testStoreCode(t, s, req) })
			t.Run("PKCEAndOIDC", func(t *testing.T) { testStorePKCE(t, s, req) })
			t.Run("AccessToken", func(t *testing.T) { testStoreAccess(t, s, req) })
			t.Run("RefreshRotation", func(t *testing.T) { testStoreRefresh(t, s, req) })
			t.Run("TransactionRollback", func(t *testing.T) { testStoreRollback(t, s, req) })
		})
	}
}

func contractSetup(t *testing.T, db *sqlstore.DB) (*Store, func() *fosite.Request) {
	tenant := hubtest.MustTenant(t, db)
	clients := NewClientService(db, "urn:amthub:api")
	c, _, err := clients.Create(context.Background(), tenant, ClientSpec{Name: "Contract", Scopes: []string{hub.ScopeRoutesRead}})
	if err != nil {
		t.Fatal(err)
	}
	s := NewStore(db, clients, cache.NewMemory())
	req := func() *fosite.Request {
		sess := &Session{TenantID: tenant, ClientID: c.ID, Subject: "sub-1", AccessTokenID: hub.NewID()}
		sess.SetExpiresAt(fosite.AccessToken, time.Now().Add(time.Hour))
		return &fosite.Request{ID: hub.NewID(), RequestedAt: time.Now().UTC().Truncate(time.Second), Client: fositeClient{c},
			RequestedScope: fosite.Arguments{hub.ScopeRoutesRead}, GrantedScope: fosite.Arguments{hub.ScopeRoutesRead},
			GrantedAudience: fosite.Arguments{"urn:amthub:api"},
			Form:            url.Values{"redirect_uri": {"https://app.test/cb"}}, Session: sess}
	}
	return s, req
}

func testStoreClient(t *testing.T, s *Store, req func() *fosite.Request) {
	ctx := context.Background()
	id := req().Client.GetID()
	c, err := s.GetClient(ctx, id)
	if err != nil || c.GetID() != id {
		t.Fatalf("GetClient: %v", err)
	}
	if _, err := s.GetClient(ctx, "unknown"); !errors.Is(err, fosite.ErrNotFound) {
		t.Fatalf("unknown client: %v, want ErrNotFound", err)
	}
	if c, err := s.GetClient(withUniformTiming(ctx, AuthSecretBasic), "unknown"); err != nil || (secretHasher{}).Compare(ctx, c.GetHashedSecret(), []byte("")) == nil {
		t.Fatalf("uniform stand-in: %v", err)
	}
	if err := s.SetClientAssertionJWT(ctx, "jti-1", time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.ClientAssertionJWTValid(ctx, "jti-1"); !errors.Is(err, fosite.ErrJTIKnown) {
		t.Fatalf("replayed assertion: %v, want ErrJTIKnown", err)
	}
}

func testStoreCode(t *testing.T, s *Store, req func() *fosite.Request) {
	ctx := context.Background()
	r := req()
	if err := s.CreateAuthorizeCodeSession(ctx, "code-sig", r); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetAuthorizeCodeSession(ctx, "code-sig", &Session{})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetID() != r.ID || got.GetRequestForm().Get("redirect_uri") != "https://app.test/cb" ||
		got.GetSession().GetSubject() != "sub-1" || !got.GetGrantedScopes().Has(hub.ScopeRoutesRead) {
		t.Fatalf("round trip lost data: %+v", got)
	}
	if err := s.InvalidateAuthorizeCodeSession(ctx, "code-sig"); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetAuthorizeCodeSession(ctx, "code-sig", &Session{})
	if !errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) || got == nil || got.GetID() != r.ID {
		t.Fatalf("used code: %v (request %v), want ErrInvalidatedAuthorizeCode with the request", err, got)
	}
	if _, err := s.GetAuthorizeCodeSession(ctx, "nope", &Session{}); !errors.Is(err, fosite.ErrNotFound) {
		t.Fatalf("unknown code: %v", err)
	}
}

func testStorePKCE(t *testing.T, s *Store, req func() *fosite.Request) {
	ctx := context.Background()
	r := req()
	r.Form.Set("code_challenge", "abc")
	for _, c := range []struct {
		create func(context.Context, string, fosite.Requester) error
		get    func(string) (fosite.Requester, error)
		del    func(context.Context, string) error
	}{
		{s.CreatePKCERequestSession, func(sig string) (fosite.Requester, error) { return s.GetPKCERequestSession(ctx, sig, &Session{}) }, s.DeletePKCERequestSession},
		{s.CreateOpenIDConnectSession, func(sig string) (fosite.Requester, error) { return s.GetOpenIDConnectSession(ctx, sig, r) }, s.DeleteOpenIDConnectSession},
	} {
		if err := c.create(ctx, "sig", r); err != nil {
			t.Fatal(err)
		}
		got, err := c.get("sig")
		if err != nil || got.GetRequestForm().Get("code_challenge") != "abc" {
			t.Fatalf("get: %v", err)
		}
		if err := c.del(ctx, "sig"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.get("sig"); !errors.Is(err, fosite.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
	}
}

func testStoreAccess(t *testing.T, s *Store, req func() *fosite.Request) {
	ctx := context.Background()
	r := req()
	if err := s.CreateAccessTokenSession(ctx, "at-sig", r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAccessTokenSession(ctx, "at-sig", &Session{}); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeAccessToken(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAccessTokenSession(ctx, "at-sig", &Session{}); !errors.Is(err, fosite.ErrNotFound) {
		t.Fatalf("revoked access token: %v, want ErrNotFound", err)
	}
	jti := r.Session.(*Session).AccessTokenID
	if ok, _ := s.cache.Exists(ctx, revokedKey(jti)); !ok {
		t.Fatal("revocation not published to the cache")
	}
}

func testStoreRefresh(t *testing.T, s *Store, req func() *fosite.Request) {
	ctx := context.Background()
	r := req()
	if err := s.CreateRefreshTokenSession(ctx, "rt-1", "at-1", r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRefreshTokenSession(ctx, "rt-1", &Session{}); err != nil {
		t.Fatal(err)
	}
	if err := s.RotateRefreshToken(ctx, r.ID, "rt-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.RotateRefreshToken(ctx, r.ID, "rt-1"); !errors.Is(err, fosite.ErrInactiveToken) {
		t.Fatalf("second rotation: %v, want ErrInactiveToken", err)
	}
	if err := s.CreateRefreshTokenSession(ctx, "rt-2", "at-2", r); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRefreshTokenSession(ctx, "rt-1", &Session{})
	if !errors.Is(err, fosite.ErrInactiveToken) || got == nil || got.GetID() != r.ID {
		t.Fatalf("rotated token: %v, want ErrInactiveToken with the request", err)
	}
	if err := s.RevokeRefreshToken(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRefreshTokenSession(ctx, "rt-2", &Session{}); !errors.Is(err, fosite.ErrInactiveToken) {
		t.Fatalf("family member after revocation: %v, want ErrInactiveToken", err)
	}
}

func testStoreRollback(t *testing.T, s *Store, req func() *fosite.Request) {
	ctx := context.Background()
	r := req()
	tctx, err := s.BeginTX(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAccessTokenSession(tctx, "tx-sig", r); err != nil {
		t.Fatal(err)
	}
	if err := s.Rollback(tctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAccessTokenSession(ctx, "tx-sig", &Session{}); !errors.Is(err, fosite.ErrNotFound) {
		t.Fatalf("rolled back token: %v, want ErrNotFound", err)
	}
	if tctx, err = s.BeginTX(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAccessTokenSession(tctx, "tx-sig", r); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(tctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAccessTokenSession(ctx, "tx-sig", &Session{}); err != nil {
		t.Fatalf("committed token: %v", err)
	}
}
