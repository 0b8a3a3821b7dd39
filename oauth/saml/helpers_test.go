package saml_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"html"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/oauth"
	"github.com/amthub/amthub/oauth/saml"
)

// env is the hub's OAuth provider and SAML IdP on one server, a tenant
// with its demo citizen, and a service provider registered for it.
type env struct {
	t      *testing.T
	db     *sqlstore.DB
	idp    *saml.IdP
	srv    *httptest.Server
	tenant string
	email  string
	pass   string
	sp     *testSP
	reg    *prometheus.Registry
}

func newKeyPair(t *testing.T) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "amthub SAML IdP (test)"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

func newEnv(t *testing.T, db *sqlstore.DB) *env {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	p, err := oauth.New(ctx, oauth.Config{Issuer: base, DevLogin: true}, db, cache.NewMemory(), logger)
	if err != nil {
		t.Fatal(err)
	}
	key, cert := newKeyPair(t)
	reg := prometheus.NewRegistry()
	idp, err := saml.New(saml.Config{BaseURL: base, Key: key, Certificate: cert, Registry: reg}, saml.NewServiceProviders(db),
		saml.OAuthLogins{Provider: p}, cache.NewMemory(), logger)
	if err != nil {
		t.Fatal(err)
	}
	idp.UseOAuthLogin(p)
	r := chi.NewRouter()
	p.Routes(r)
	idp.Routes(r)
	srv.Config.Handler = r
	srv.Start()
	t.Cleanup(srv.Close)
	e := &env{t: t, db: db, idp: idp, srv: srv, tenant: hubtest.MustTenant(t, db), reg: reg}
	demo, err := p.SeedDemo(ctx, e.tenant)
	if err != nil {
		t.Fatal(err)
	}
	e.email, e.pass = demo.Citizen.Email, demo.Citizen.Password
	e.sp = e.newSP(t, "https://vendor.example/sp/"+hubtest.Unique("sp"), cert)
	return e
}

// newSP makes a test SP with two registered ACS URLs and registers it.
func (e *env) newSP(t *testing.T, entityID string, idpCert *x509.Certificate) *testSP {
	t.Helper()
	sp := &testSP{EntityID: entityID, ACS: []string{"https://vendor.example/acs", "https://vendor.example/acs2"},
		IdPID: e.srv.URL + "/saml/metadata", IdPSSO: e.srv.URL + "/saml/sso", IdPCert: idpCert,
		Now: time.Now, seen: map[string]bool{}}
	if _, err := e.idp.Providers.Register(context.Background(), e.tenant, "Fachverfahren", sp.Metadata()); err != nil {
		t.Fatal(err)
	}
	return sp
}

// browser is a citizen's browser: cookies, redirects followed.
type browser struct {
	t *testing.T
	c *http.Client
	e *env
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, c: &http.Client{Jar: jar}, e: e}
}

var (
	reHidden = regexp.MustCompile(`<input type="hidden" name="([A-Za-z_]+)" value="([^"]*)"`)
	reForm   = regexp.MustCompile(`(?s)<form[^>]*action="([^"]*)"(.*?)</form>`)
)

// page is an HTML answer: its status, URL and body.
type page struct {
	status int
	url    *url.URL
	body   string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, resp.Request.URL, string(body)}
}

func (b *browser) get(u string) page {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) page {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// fields returns the hidden fields of the form posting to action.
func (pg page) fields(action string) url.Values {
	v := url.Values{}
	for _, m := range reForm.FindAllStringSubmatch(pg.body, -1) {
		if html.UnescapeString(m[1]) != action {
			continue
		}
		for _, h := range reHidden.FindAllStringSubmatch(m[2], -1) {
			v.Set(h[1], html.UnescapeString(h[2]))
		}
	}
	return v
}

// login fills the login page: the password, or the test eID (level high).
func (b *browser) login(pg page, eid bool) page {
	b.t.Helper()
	if pg.url.Path != "/oauth2/login" {
		b.t.Fatalf("expected the login page, got %d %s", pg.status, pg.url)
	}
	if eid {
		f := pg.fields("/oauth2/login/eid")
		f.Set("email", b.e.email)
		return b.post(b.e.srv.URL+"/oauth2/login/eid", f)
	}
	f := pg.fields("/oauth2/login")
	f.Set("email", b.e.email)
	f.Set("password", b.e.pass)
	return b.post(b.e.srv.URL+"/oauth2/login", f)
}

var reSAMLResponse = regexp.MustCompile(`name="SAMLResponse" value="([^"]*)"`)

// samlResponse returns the SAMLResponse of the IdP's auto-posting form.
func samlResponse(t *testing.T, pg page) string {
	t.Helper()
	m := reSAMLResponse.FindStringSubmatch(pg.body)
	if m == nil {
		t.Fatalf("no SAMLResponse in %d %s: %.400s", pg.status, pg.url, pg.body)
	}
	return html.UnescapeString(m[1])
}
