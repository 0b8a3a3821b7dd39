package oauth_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v3"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/oauth"
)

func TestClientCredentials(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			e := newEnv(t, d.Open(t), nil)
			var md oauth.Metadata
			resp := e.call(http.MethodGet, "/.well-known/openid-configuration", "", nil)
			if err := json.NewDecoder(resp.Body).Decode(&md); err != nil {
				t.Fatal(err)
			}
			if got, want := md.TokenEndpoint, e.srv.URL+"/oauth2/token"; got != want {
				t.Fatalf("token endpoint %q, want %q", got, want)
			}
			t.Run("OK", func(t *testing.T) {
				tr := e.clientCredentials(e.demo.Vendor.ClientID, e.demo.Vendor.ClientSecret, "")
				if tr.Status != http.StatusOK || tr.AccessToken == "" {
					t.Fatalf("status %d, error %q", tr.Status, tr.Error)
				}
				claims := verifyWithJWKS(t, e, md.JWKSURI, tr.AccessToken)
				for k, want := range map[string]any{"iss": e.srv.URL, "sub": e.demo.Vendor.ClientID,
					"client_id": e.demo.Vendor.ClientID, "tenant": e.tenant} {
					if claims[k] != want {
						t.Errorf("claim %s = %v, want %v", k, claims[k], want)
					}
				}
				for _, k := range []string{"aud", "exp", "iat", "jti", "scope"} {
					if claims[k] == nil {
						t.Errorf("claim %s missing", k)
					}
				}
				if !strings.Contains(claims["scope"].(string), hub.ScopeSubmissionsWrite) {
					t.Errorf("scope %q lacks %s", claims["scope"], hub.ScopeSubmissionsWrite)
				}
				if r := e.call(http.MethodGet, "/api/noop", tr.AccessToken, nil); r.StatusCode != http.StatusOK {
					t.Fatalf("resource call: status %d", r.StatusCode)
				}
			})
			t.Run("ErrWrongSecret", func(t *testing.T) {
				tr := e.clientCredentials(e.demo.Vendor.ClientID, "wrong", "")
				if tr.Status != http.StatusUnauthorized || tr.Error != "invalid_client" {
					t.Fatalf("status %d, error %q; want 401 invalid_client", tr.Status, tr.Error)
				}
			})
			t.Run("ErrUnknownClient", func(t *testing.T) {
				tr := e.clientCredentials("no-such-client", "wrong", "")
				if tr.Status != http.StatusUnauthorized || tr.Error != "invalid_client" {
					t.Fatalf("status %d, error %q; want 401 invalid_client", tr.Status, tr.Error)
				}
			})
		})
	}
}

// verifyWithJWKS checks a JWT as an outside party would: keys from the
// published JWKS only.
func verifyWithJWKS(t *testing.T, e *env, jwksURI, token string) map[string]any {
	t.Helper()
	resp, err := http.Get(jwksURI)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseSigned(token)
	if err != nil {
		t.Fatal(err)
	}
	h := jws.Signatures[0].Header
	if h.ExtraHeaders["typ"] != "at+jwt" || h.Algorithm != "RS256" {
		t.Fatalf("header typ %v alg %v, want at+jwt RS256", h.ExtraHeaders["typ"], h.Algorithm)
	}
	keys := set.Key(h.KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q not in JWKS", h.KeyID)
	}
	payload, err := jws.Verify(keys[0].Key)
	if err != nil {
		t.Fatalf("verify against JWKS: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func TestAuthorizationCodeFlow(t *testing.T) {
	e := newEnv(t, hubtest.NewSQLite(t), nil)
	code, verifier := e.codeFlow()
	tr := e.redeem(e.demo.Portal.ClientID, code, verifier, e.demo.Portal.RedirectURI)
	if tr.Status != http.StatusOK || tr.AccessToken == "" || tr.RefreshToken == "" || tr.IDToken == "" {
		t.Fatalf("redeem: status %d error %q, tokens a=%t r=%t id=%t", tr.Status, tr.Error,
			tr.AccessToken != "", tr.RefreshToken != "", tr.IDToken != "")
	}
	p, err := e.p.Verifier.Verify(t.Context(), tr.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	acct, _ := e.p.Citizens.FindByEmail(t.Context(), e.tenant, e.demo.Citizen.Email)
	if p.Subject != acct.ID || p.ACR != hub.ACRNormal || p.TenantID != e.tenant || !p.HasScope(hub.ScopeProfileRead) {
		t.Fatalf("principal %+v", p)
	}

	t.Run("RefreshRotates", func(t *testing.T) {
		next := e.refresh(e.demo.Portal.ClientID, tr.RefreshToken)
		if next.Status != http.StatusOK || next.RefreshToken == "" || next.RefreshToken == tr.RefreshToken {
			t.Fatalf("refresh: status %d error %q", next.Status, next.Error)
		}
		if _, err := e.p.Verifier.Verify(t.Context(), next.AccessToken); err != nil {
			t.Fatalf("new access token: %v", err)
		}
		if _, err := e.p.Verifier.Verify(t.Context(), tr.AccessToken); err == nil {
			t.Fatal("the access token of the rotated refresh token still works")
		}

		t.Run("ErrReuseRevokesFamily", func(t *testing.T) {
			again := e.refresh(e.demo.Portal.ClientID, tr.RefreshToken)
			if again.Status != http.StatusBadRequest || again.Error != "invalid_grant" {
				t.Fatalf("reuse: status %d error %q; want 400 invalid_grant", again.Status, again.Error)
			}
			if r := e.refresh(e.demo.Portal.ClientID, next.RefreshToken); r.Error != "invalid_grant" {
				t.Fatalf("the family's newest refresh token still works: status %d error %q", r.Status, r.Error)
			}
			if _, err := e.p.Verifier.Verify(t.Context(), next.AccessToken); err == nil {
				t.Fatal("the family's access token still works")
			}
		})
	})
}

func TestTestEIDLogin(t *testing.T) {
	e := newEnv(t, hubtest.NewSQLite(t), nil)
	b := e.browser()
	resp, err := b.Get(e.authorizeURL(nil))
	if err != nil {
		t.Fatal(err)
	}
	f := formFields(t, resp)
	f.Set("email", e.demo.Citizen.Email)
	page, err := b.PostForm(e.srv.URL+"/oauth2/login/eid", f)
	if err != nil {
		t.Fatal(err)
	}
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Request.URL.Path, "/oauth2/auth") {
		t.Fatalf("eID login: status %d at %s", page.StatusCode, page.Request.URL)
	}
	loc := e.consent(b, page, "allow")
	if loc.Query().Get("code") == "" {
		t.Fatalf("no code: %s", loc)
	}
	t.Run("ErrDisabledWithoutDevFlag", func(t *testing.T) {
		e2 := newEnv(t, hubtest.NewSQLite(t), func(c *oauth.Config) { c.DevLogin = false })
		if r := e2.call(http.MethodPost, "/oauth2/login/eid", "", nil); r.StatusCode != http.StatusMethodNotAllowed && r.StatusCode != http.StatusNotFound {
			t.Fatalf("status %d, want 404/405", r.StatusCode)
		}
	})
}

func TestConsentDenied(t *testing.T) {
	e := newEnv(t, hubtest.NewSQLite(t), nil)
	b := e.browser()
	loc := e.consent(b, e.login(b, e.authorizeURL(nil)), "deny")
	if got := loc.Query().Get("error"); got != "access_denied" {
		t.Fatalf("error %q, want access_denied", got)
	}
	if slices.Contains([]string{"", "x"}, loc.Query().Get("state")) {
		t.Fatal("state not echoed")
	}
}
