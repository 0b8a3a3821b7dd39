package oauth_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/oauth"
)

// TestRFC9700 refuses what the OAuth security BCP names, each with the
// right OAuth error.
func TestRFC9700(t *testing.T) {
	e := newEnv(t, hubtest.NewSQLite(t), nil)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	authorizeError := func(t *testing.T, mod func(url.Values)) (int, string) {
		t.Helper()
		resp, err := noRedirect.Get(e.authorizeURL(mod))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if loc, err := resp.Location(); err == nil {
			return resp.StatusCode, loc.Query().Get("error")
		}
		var body struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body.Error
	}

	t.Run("ErrWrongRedirectURI", func(t *testing.T) {
		status, code := authorizeError(t, func(q url.Values) { q.Set("redirect_uri", e.demo.Portal.RedirectURI+"/evil") })
		if status != http.StatusBadRequest || code != "invalid_request" {
			t.Fatalf("status %d error %q; want 400 invalid_request, no redirect", status, code)
		}
	})
	t.Run("ErrMissingPKCE", func(t *testing.T) {
		_, code := authorizeError(t, func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") })
		if code != "invalid_request" {
			t.Fatalf("error %q, want invalid_request", code)
		}
	})
	t.Run("ErrPlainPKCE", func(t *testing.T) {
		_, code := authorizeError(t, func(q url.Values) { q.Set("code_challenge_method", "plain") })
		if code != "invalid_request" {
			t.Fatalf("error %q, want invalid_request", code)
		}
	})
	t.Run("ErrScopeEscalation", func(t *testing.T) {
		if _, code := authorizeError(t, func(q url.Values) { q.Set("scope", "openid admin") }); code != "invalid_scope" {
			t.Fatalf("authorize: error %q, want invalid_scope", code)
		}
		tr := e.clientCredentials(e.demo.Vendor.ClientID, e.demo.Vendor.ClientSecret, hub.ScopeAdmin)
		if tr.Status != http.StatusBadRequest || tr.Error != "invalid_scope" {
			t.Fatalf("client credentials: status %d error %q, want 400 invalid_scope", tr.Status, tr.Error)
		}
	})
	t.Run("ErrCodeReuse", func(t *testing.T) {
		code, verifier := e.codeFlow()
		first := e.redeem(e.demo.Portal.ClientID, code, verifier, e.demo.Portal.RedirectURI)
		if first.Status != http.StatusOK {
			t.Fatalf("first redemption: %d %q", first.Status, first.Error)
		}
		second := e.redeem(e.demo.Portal.ClientID, code, verifier, e.demo.Portal.RedirectURI)
		if second.Status != http.StatusBadRequest || second.Error != "invalid_grant" {
			t.Fatalf("second redemption: status %d error %q, want 400 invalid_grant", second.Status, second.Error)
		}
		if _, err := e.p.Verifier.Verify(t.Context(), first.AccessToken); err == nil {
			t.Fatal("tokens of a reused code stay valid")
		}
	})
	t.Run("ErrWrongVerifier", func(t *testing.T) {
		code, _ := e.codeFlow()
		tr := e.redeem(e.demo.Portal.ClientID, code, strings.Repeat("x", 50), e.demo.Portal.RedirectURI)
		if tr.Error != "invalid_grant" {
			t.Fatalf("error %q, want invalid_grant", tr.Error)
		}
	})
	t.Run("ErrRedeemWrongRedirectURI", func(t *testing.T) {
		code, verifier := e.codeFlow()
		tr := e.redeem(e.demo.Portal.ClientID, code, verifier, e.demo.Portal.RedirectURI+"/other")
		if tr.Error != "invalid_grant" {
			t.Fatalf("error %q, want invalid_grant", tr.Error)
		}
	})
	t.Run("ErrAnotherTenantsClient", func(t *testing.T) {
		other := hubtest.MustTenant(t, e.db)
		od, err := e.p.SeedDemo(t.Context(), other)
		if err != nil {
			t.Fatal(err)
		}
		code, verifier := e.codeFlow()
		tr := e.redeem(od.Portal.ClientID, code, verifier, od.Portal.RedirectURI)
		if tr.Error != "invalid_grant" {
			t.Fatalf("redeeming another tenant's code: error %q, want invalid_grant", tr.Error)
		}
		ot := e.clientCredentials(od.Vendor.ClientID, od.Vendor.ClientSecret, "")
		admin, secret, err := e.p.Clients.Create(t.Context(), other, oauth.ClientSpec{Name: "Betrieb", Scopes: []string{hub.ScopeAdmin}})
		if err != nil {
			t.Fatal(err)
		}
		at := e.clientCredentials(admin.ID, secret, "")
		r := e.call(http.MethodGet, "/admin/v1/tenants/"+e.tenant+"/clients", at.AccessToken, nil)
		if r.StatusCode != http.StatusForbidden {
			t.Fatalf("admin of another tenant: status %d, want 403", r.StatusCode)
		}
		if r := e.call(http.MethodGet, "/admin/v1/tenants/"+other+"/clients", at.AccessToken, nil); r.StatusCode != http.StatusOK {
			t.Fatalf("admin of own tenant: status %d", r.StatusCode)
		}
		if p, err := e.p.Verifier.Verify(t.Context(), ot.AccessToken); err != nil || p.TenantID != other {
			t.Fatalf("other tenant's token: %v %+v", err, p)
		}
		// A citizen of one tenant cannot log in through another's client.
		b := e.browser()
		resp, _ := b.Get(e.authorizeURL(func(q url.Values) {
			q.Set("client_id", od.Portal.ClientID)
			q.Set("redirect_uri", od.Portal.RedirectURI)
		}))
		f := formFields(t, resp)
		f.Set("email", e.demo.Citizen.Email)
		f.Set("password", e.demo.Citizen.Password)
		if resp, _ := b.PostForm(e.srv.URL+"/oauth2/login", f); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("cross-tenant login: status %d, want 401", resp.StatusCode)
		}
	})
	t.Run("ErrUnconfirmedAccount", func(t *testing.T) {
		// An account whose e-mail address is not confirmed logs in here as
		// little as on the portal, with the portal's message; confirmed, it
		// gets to the consent page.
		email := "neu-" + hub.NewID() + "@example.org"
		_, token, err := e.p.Citizens.Register(t.Context(), e.tenant, email, "richtig-geheim-1", "Max Neu")
		if err != nil {
			t.Fatal(err)
		}
		login := func() (int, string) {
			t.Helper()
			b := e.browser()
			resp, err := b.Get(e.authorizeURL(nil))
			if err != nil {
				t.Fatal(err)
			}
			f := formFields(t, resp)
			f.Set("email", email)
			f.Set("password", "richtig-geheim-1")
			if resp, err = b.PostForm(e.srv.URL+"/oauth2/login", f); err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
		if code, body := login(); code != http.StatusUnauthorized || !strings.Contains(body, "bestätigen Sie zuerst") {
			t.Fatalf("unconfirmed login = %d, want 401 asking to confirm: %.300s", code, body)
		}
		if err := e.p.Citizens.Confirm(t.Context(), e.tenant, token); err != nil {
			t.Fatal(err)
		}
		if code, body := login(); code != http.StatusOK || !strings.Contains(body, "Max Neu") {
			t.Fatalf("confirmed login = %d, want the consent page: %.300s", code, body)
		}
	})
	t.Run("ErrWrongAudience", func(t *testing.T) {
		c, secret, err := e.p.Clients.Create(t.Context(), e.tenant, oauth.ClientSpec{Name: "Fremd",
			Scopes: []string{hub.ScopeRoutesRead}, Audience: []string{"urn:other:api"}})
		if err != nil {
			t.Fatal(err)
		}
		tr := e.clientCredentials(c.ID, secret, "")
		expectBearerError(t, e.call(http.MethodGet, "/api/noop", tr.AccessToken, nil), http.StatusUnauthorized, "invalid_token")
	})
	t.Run("ErrRevoked", func(t *testing.T) {
		tr := e.clientCredentials(e.demo.Vendor.ClientID, e.demo.Vendor.ClientSecret, "")
		if r := e.call(http.MethodGet, "/api/noop", tr.AccessToken, nil); r.StatusCode != http.StatusOK {
			t.Fatalf("before revocation: %d", r.StatusCode)
		}
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/oauth2/revoke",
			strings.NewReader(url.Values{"token": {tr.AccessToken}, "token_type_hint": {"access_token"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(e.demo.Vendor.ClientID), url.QueryEscape(e.demo.Vendor.ClientSecret))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("revocation: status %d", resp.StatusCode)
		}
		expectBearerError(t, e.call(http.MethodGet, "/api/noop", tr.AccessToken, nil), http.StatusUnauthorized, "invalid_token")
	})
	t.Run("ErrMalformedJWT", func(t *testing.T) {
		expectBearerError(t, e.call(http.MethodGet, "/api/noop", "abc.def", nil), http.StatusUnauthorized, "invalid_token")
	})
	t.Run("ErrAlgNone", func(t *testing.T) {
		tr := e.clientCredentials(e.demo.Vendor.ClientID, e.demo.Vendor.ClientSecret, "")
		parts := strings.Split(tr.AccessToken, ".")
		hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"at+jwt"}`))
		expectBearerError(t, e.call(http.MethodGet, "/api/noop", hdr+"."+parts[1]+".", nil), http.StatusUnauthorized, "invalid_token")
	})
	t.Run("ErrInsufficientScope", func(t *testing.T) {
		tr := e.clientCredentials(e.demo.Vendor.ClientID, e.demo.Vendor.ClientSecret, hub.ScopeEventsRead)
		expectBearerError(t, e.call(http.MethodGet, "/api/noop", tr.AccessToken, nil), http.StatusForbidden, "insufficient_scope")
	})
	t.Run("ErrNoToken", func(t *testing.T) {
		r := e.call(http.MethodGet, "/api/noop", "", nil)
		if r.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Fatalf("status %d, WWW-Authenticate %q", r.StatusCode, r.Header.Get("WWW-Authenticate"))
		}
	})
}

func expectBearerError(t *testing.T, r *http.Response, status int, code string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d", r.StatusCode, status)
	}
	if h := r.Header.Get("WWW-Authenticate"); !strings.Contains(h, `error="`+code+`"`) {
		t.Fatalf("WWW-Authenticate %q, want error=%q", h, code)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want problem+json", ct)
	}
}
