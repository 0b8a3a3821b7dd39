package oauth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/httpserver"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/oauth"
)

// env is one running authorization server with a tenant and its demo.
type env struct {
	t      *testing.T
	db     *sqlstore.DB
	p      *oauth.Provider
	srv    *httptest.Server
	tenant string
	demo   oauth.DemoCredentials
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newEnv starts the server on a fresh database of the given kind.
func newEnv(t *testing.T, db *sqlstore.DB, mod func(*oauth.Config)) *env {
	t.Helper()
	return newEnvCache(t, db, mod, cache.NewMemory())
}

// newEnvCache starts the server on db with the cache c (Redis, or one on a
// settable clock), behind a trusted proxy (loopback): a test names the
// client's address in X-Forwarded-For.
func newEnvCache(t *testing.T, db *sqlstore.DB, mod func(*oauth.Config), c oauth.Cache) *env {
	t.Helper()
	ctx := context.Background()
	srv := httptest.NewUnstartedServer(nil)
	cfg := oauth.Config{Issuer: "http://" + srv.Listener.Addr().String(), DevLogin: true}
	if mod != nil {
		mod(&cfg)
	}
	p, err := oauth.New(ctx, cfg, db, c, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(httpserver.TrustProxies([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}))
	p.Routes(r)
	p.AdminRoutes(r)
	r.With(p.Verifier.Require(hub.ScopeRoutesRead)).Get("/api/noop", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, hub.PrincipalFrom(r.Context()).TenantID)
	})
	r.Get("/public/noop", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	srv.Config.Handler = r
	srv.Start()
	t.Cleanup(srv.Close)
	e := &env{t: t, db: db, p: p, srv: srv, tenant: hubtest.MustTenant(t, db)}
	if e.demo, err = p.SeedDemo(ctx, e.tenant); err != nil {
		t.Fatal(err)
	}
	return e
}

// tokenResponse is the token endpoint's answer, success or error.
type tokenResponse struct {
	Status       int    `json:"-"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	Scope        string `json:"scope"`
	Error        string `json:"error"`
}

// postToken posts form to the token endpoint, with Basic auth if id is set.
func (e *env) postToken(id, secret string, form url.Values) tokenResponse {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr tokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil {
		e.t.Fatalf("decode token response (%d): %v", resp.StatusCode, err)
	}
	tr.Status = resp.StatusCode
	return tr
}

func (e *env) clientCredentials(id, secret, scope string) tokenResponse {
	e.t.Helper()
	f := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		f.Set("scope", scope)
	}
	return e.postToken(id, secret, f)
}

// call GETs path with a bearer token and returns the response.
func (e *env) call(method, path, token string, body io.Reader) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// browser is a citizen's browser: it keeps cookies and stops at the
// redirect back to the client.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if !strings.HasPrefix(req.URL.Path, "/oauth2/") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// formFields returns the hidden fields of the first form in an HTML page.
func formFields(t *testing.T, resp *http.Response) url.Values {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("read the form page: %v", err)
	}
	v := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(string(b), -1) {
		if v.Get(m[1]) == "" {
			v.Add(m[1], html.UnescapeString(m[2]))
		}
	}
	if v.Get("csrf_token") == "" {
		t.Fatalf("no form in page (status %d): %s", resp.StatusCode, b)
	}
	return v
}

// pkce returns a verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	verifier = strings.Repeat("v", 20) + hub.NewID()
	h := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(h[:])
}

// authorizeURL returns the authorization request of the demo portal.
func (e *env) authorizeURL(mod func(url.Values)) string {
	_, challenge := pkce()
	q := url.Values{
		"response_type": {"code"}, "client_id": {e.demo.Portal.ClientID}, "redirect_uri": {e.demo.Portal.RedirectURI},
		"scope": {"openid profile:read"}, "state": {"state-" + hub.NewID()}, "nonce": {"nonce-" + hub.NewID()},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"},
	}
	if mod != nil {
		mod(q)
	}
	return e.srv.URL + "/oauth2/auth?" + q.Encode()
}

// login logs the demo citizen in with browser b, starting at authURL, and
// returns the consent page's response.
func (e *env) login(b *http.Client, authURL string) *http.Response {
	e.t.Helper()
	resp, err := b.Get(authURL)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.Request.URL.Path != "/oauth2/login" {
		e.t.Fatalf("expected the login page, got %s (%d)", resp.Request.URL, resp.StatusCode)
	}
	f := formFields(e.t, resp)
	f.Set("email", e.demo.Citizen.Email)
	f.Set("password", e.demo.Citizen.Password)
	resp, err = b.PostForm(e.srv.URL+"/oauth2/login", f)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

// consent allows (or denies) on the consent page and returns the
// redirect back to the client.
func (e *env) consent(b *http.Client, page *http.Response, decision string) *url.URL {
	e.t.Helper()
	f := formFields(e.t, page)
	f.Set("consent", decision)
	resp, err := b.PostForm(e.srv.URL+"/oauth2/auth", f)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		e.t.Fatalf("no redirect after consent (status %d)", resp.StatusCode)
	}
	return loc
}

// codeFlow runs login and consent and returns code and PKCE verifier.
func (e *env) codeFlow() (code, verifier string) {
	e.t.Helper()
	verifier, challenge := pkce()
	b := e.browser()
	page := e.login(b, e.authorizeURL(func(q url.Values) { q.Set("code_challenge", challenge) }))
	loc := e.consent(b, page, "allow")
	if loc.Query().Get("code") == "" {
		e.t.Fatalf("no code in redirect %s", loc)
	}
	return loc.Query().Get("code"), verifier
}

func (e *env) redeem(clientID, code, verifier, redirect string) tokenResponse {
	return e.postToken("", "", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirect}, "client_id": {clientID}, "code_verifier": {verifier}})
}

func (e *env) refresh(clientID, rt string) tokenResponse {
	return e.postToken("", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {clientID}})
}
