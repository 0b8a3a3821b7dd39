package oauth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v3"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/oauth"
)

// TestPrivateKeyJWT authenticates a client with a signed assertion
// (RFC 7523) instead of a secret, and refuses replays, wrong audiences,
// expired assertions and foreign keys.
func TestPrivateKeyJWT(t *testing.T) {
	e := newEnv(t, hubtest.NewSQLite(t), nil)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub := jose.JSONWebKey{Key: &key.PublicKey, KeyID: "vendor-1", Algorithm: "RS256", Use: "sig"}
	c, secret, err := e.p.Clients.Create(context.Background(), e.tenant, oauth.ClientSpec{Name: "Signierender Anbieter",
		Scopes: []string{hub.ScopeRoutesRead}, JWKS: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}}})
	if err != nil {
		t.Fatal(err)
	}
	if secret != "" {
		t.Fatal("a private_key_jwt client was given a secret")
	}
	tokenURL := e.srv.URL + "/oauth2/token"
	assertion := func(signer *rsa.PrivateKey, aud string, exp time.Time, jti string) string {
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: signer}, (&jose.SignerOptions{}).WithHeader("kid", "vendor-1"))
		if err != nil {
			t.Fatal(err)
		}
		claims, _ := json.Marshal(map[string]any{"iss": c.ID, "sub": c.ID, "aud": aud, "jti": jti,
			"iat": time.Now().Unix(), "exp": exp.Unix()})
		jws, err := s.Sign(claims)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := jws.CompactSerialize()
		return out
	}
	request := func(a string) tokenResponse {
		return e.postToken("", "", url.Values{"grant_type": {"client_credentials"}, "scope": {hub.ScopeRoutesRead},
			"client_id": {c.ID}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion": {a}})
	}
	good := assertion(key, tokenURL, time.Now().Add(time.Minute), hub.NewID())
	if res := request(good); res.Status != 200 || res.AccessToken == "" {
		t.Fatalf("a valid assertion was refused: %+v", res)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	tests := []struct {
		name      string
		assertion string
	}{
		{"ErrReplay", good},
		{"ErrWrongAudience", assertion(key, e.srv.URL+"/elsewhere", time.Now().Add(time.Minute), hub.NewID())},
		{"ErrExpired", assertion(key, tokenURL, time.Now().Add(-time.Minute), hub.NewID())},
		{"ErrForeignKey", assertion(other, tokenURL, time.Now().Add(time.Minute), hub.NewID())},
		{"ErrGarbage", "not.a.jwt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := request(tc.assertion)
			if res.Status != 401 || res.Error != "invalid_client" {
				t.Fatalf("got %d %q, want 401 invalid_client", res.Status, res.Error)
			}
		})
	}
}
