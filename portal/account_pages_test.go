package portal_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/connectors/epaybl"
	"github.com/amthub/amthub/connectors/epaybl/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/casetest"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/mailbox"
	"github.com/amthub/amthub/hub/payments"
	"github.com/amthub/amthub/hub/registers"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/oauth"
	"github.com/amthub/amthub/portal"
)

// accountEnv is the portal and the OAuth server on one host, as `amthub`
// serves them: the portal with payments (on the ePayBL simulator) and
// granted consents, the OAuth pages in the portal's frame.
type accountEnv struct {
	*env
	oauth *oauth.Provider
	demo  oauth.DemoCredentials
	cases *casetest.Fixture
	pay   *payments.Service
	mb    *mailbox.Service
	sim   *sim.Sim
	base  string // the host's URL as browsers use it
}

// newAccountEnv starts the host over TLS, or for a browser over plain HTTP
// on localhost (a secure context to Chromium).
func newAccountEnv(t *testing.T, db *sqlstore.DB, forBrowser bool) *accountEnv {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	tenant := hubtest.MustTenant(t, db)
	srv := httptest.NewUnstartedServer(nil)
	a := &accountEnv{cases: casetest.New(t, db, tenant)}
	a.base = "https://" + srv.Listener.Addr().String()
	if forBrowser {
		a.base = strings.Replace("http://"+srv.Listener.Addr().String(), "127.0.0.1", "localhost", 1)
	}
	var err error
	if a.oauth, err = oauth.New(ctx, oauth.Config{Issuer: a.base, DevLogin: true}, db, cache.NewMemory(), quiet); err != nil {
		t.Fatal(err)
	}
	if a.demo, err = a.oauth.SeedDemo(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	if a.sim, err = sim.New(sim.Config{}); err != nil {
		t.Fatal(err)
	}
	provider := httptest.NewServer(a.sim)
	t.Cleanup(provider.Close)
	client, err := epaybl.NewClient(epaybl.Config{BaseURL: provider.URL, OriginatorID: "amthub", EndPointID: "gewerbe", Timeout: 2 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	store := payments.NewStore(db, a.cases.Store)
	if a.pay, err = payments.NewService(store, client, quiet, payments.Config{PublicURL: a.base, InsecureURLs: true}); err != nil {
		t.Fatal(err)
	}
	if a.mb, err = mailbox.NewService(db, a.cases.Store, a.cases.Catalogue, quiet, mailbox.Config{Keys: testKeys(1)}); err != nil {
		t.Fatal(err)
	}
	// Wired as cmd/amthub wires them.
	p, err := portal.New(portal.Config{TenantID: tenant, DevOutbox: true, Documents: portal.DocumentConfig{Keys: testKeys(2)}},
		db, a.oauth.Citizens, a.cases.Store, portal.NewDBSessions(db), cache.NewMemory(), quiet,
		portal.Services{Mailbox: a.mb, Payments: store, Consents: a.oauth.Consents(),
			CitizenData: []portal.CitizenData{a.mb, store, registers.NewAuditStore(db, a.cases.Store), a.oauth.Consents()}})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	a.oauth.Routes(r)
	p.Routes(r)
	r.Handle(payments.ReturnPath+"*", a.pay.ReturnHandler())
	a.oauth.UseLayout(p.OAuthSite())
	a.oauth.TrustSiteLogins(p.OAuthSite())
	srv.Config.Handler = r
	if forBrowser {
		srv.Start()
	} else {
		srv.StartTLS()
	}
	t.Cleanup(srv.Close)
	a.env = &env{db: db, tenant: tenant, portal: p, srv: srv}
	return a
}

// citizen registers, confirms and logs in a citizen through the portal's
// pages and returns the browser and the account id.
func (a *accountEnv) citizen(t *testing.T, email string) (*client, string) {
	t.Helper()
	hc := *a.srv.Client()
	hc.Jar, _ = cookiejar.New(nil)
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &client{t: t, e: a.env, hc: &hc}
	c.registerAndConfirm(email, "richtig-geheim-1")
	c.get("/konto/anmelden")
	if code, loc := c.post("/konto/anmelden", url.Values{"email": {email}, "password": {"richtig-geheim-1"}}); code != 303 || loc != "/konto" {
		t.Fatalf("login = %d %s", code, loc)
	}
	acct, err := a.oauth.Citizens.FindByEmail(context.Background(), a.tenant, email)
	if err != nil {
		t.Fatal(err)
	}
	return c, acct.ID
}

// payment creates a payment for a case as vendor-a does through the API
// and, unless status is INITIAL, settles it at the provider and lets the
// hub check it.
func (a *accountEnv) payment(t *testing.T, caseID, purpose string, amount int64, status string) *payments.Payment {
	t.Helper()
	ctx := context.Background()
	vendor := &hub.Principal{TenantID: a.tenant, ClientID: "vendor-a", Subject: "vendor-a", Scopes: []string{hub.ScopePaymentsWrite}}
	p, _, err := a.pay.Create(ctx, vendor, payments.CreateRequest{CaseID: caseID, Amount: amount, Purpose: purpose,
		Description: "Gebühr nach Tarifstelle 1.2 <script>window.pwned=1</script>", ReturnURL: "https://vendor.example/fertig",
		Items: []payments.Item{{Reference: "GEB-1", Description: "Verwaltungsgebühr", Quantity: 1, UnitAmount: amount}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if status != payments.StatusInitial {
		if err := a.sim.Settle(p.TransactionID, status); err != nil {
			t.Fatal(err)
		}
		if err := a.pay.Check(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// TestPaymentsPage checks /konto/zahlungen and the payments on the case
// page: the owner sees each payment with purpose, amount in German
// format, state and, for an open one, the pay page; another citizen sees
// none of them and gets 404 for the case; markup in the vendor's texts
// stays text.
func TestPaymentsPage(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			a := newAccountEnv(t, d.Open(t), false)
			erika, erikaID := a.citizen(t, "erika-"+hub.NewID()+"@example.org")
			max, maxID := a.citizen(t, "max-"+hub.NewID()+"@example.org")
			c1 := a.cases.Case(t, "vendor-a", erikaID)
			c2 := a.cases.Case(t, "vendor-a", erikaID)
			cMax := a.cases.Case(t, "vendor-a", maxID)
			open := a.payment(t, c1.CaseID, "Gewerbeanmeldung 2026", 3550, payments.StatusInitial)
			a.payment(t, c2.CaseID, "Gewerbeummeldung", 12345678, payments.StatusPayed)
			a.payment(t, c1.CaseID, "Auszug Gewerberegister", 1000, payments.StatusFailed)
			a.payment(t, c1.CaseID, "<img src=x onerror=p()>", 99, payments.StatusCanceled)
			a.payment(t, cMax.CaseID, "Max-Zahlung", 500, payments.StatusInitial)

			t.Run("Owner", func(t *testing.T) {
				code, body := erika.get("/konto/zahlungen")
				if code != http.StatusOK {
					t.Fatalf("status %d: %s", code, body)
				}
				for _, want := range []string{"<h1>Meine Zahlungen</h1>", "Gewerbeanmeldung 2026", "35,50\u00a0€", "Offen",
					"123.456,78\u00a0€", "Bezahlt", "10,00\u00a0€", "Fehlgeschlagen", "0,99\u00a0€", "Abgebrochen",
					`href="` + html.EscapeString(open.RedirectURL) + `"`, `href="/konto/antraege/` + c2.CaseID + `"`} {
					if !strings.Contains(body, want) {
						t.Errorf("page lacks %q", want)
					}
				}
				if n := strings.Count(body, "Jetzt bezahlen"); n != 1 {
					t.Errorf("%d pay links, want 1 (the open payment only)", n)
				}
				if strings.Contains(body, "Max-Zahlung") {
					t.Error("another citizen's payment is listed")
				}
				if strings.Contains(body, "<img src=x") || strings.Contains(body, "<script>window") ||
					!strings.Contains(body, "&lt;img src=x onerror=p()&gt;") {
					t.Error("markup in purpose or description is not escaped")
				}
			})
			t.Run("CasePage", func(t *testing.T) {
				code, body := erika.get("/konto/antraege/" + c1.CaseID)
				if code != http.StatusOK || !strings.Contains(body, `<h2 id="zahlungen">Zahlungen</h2>`) {
					t.Fatalf("status %d: %s", code, body)
				}
				if !strings.Contains(body, "Gewerbeanmeldung 2026") || strings.Contains(body, "Gewerbeummeldung") {
					t.Error("the case page shows other cases' payments, or not its own")
				}
				if !strings.Contains(body, `href="`+html.EscapeString(open.RedirectURL)+`"`) {
					t.Error("the open payment has no pay link")
				}
			})
			t.Run("OtherCitizen", func(t *testing.T) {
				_, body := max.get("/konto/zahlungen")
				if !strings.Contains(body, "Max-Zahlung") || strings.Contains(body, "Gewerbeanmeldung 2026") {
					t.Errorf("Max sees: %s", body)
				}
				if code, _ := max.get("/konto/antraege/" + c1.CaseID); code != http.StatusNotFound {
					t.Errorf("another citizen's case page: %d, want 404", code)
				}
			})
			t.Run("Visitor", func(t *testing.T) {
				c := a.client(t)
				if code, loc := c.get("/konto/zahlungen"); code != http.StatusSeeOther || loc != "/konto/anmelden" {
					t.Errorf("visitor: %d %s, want the login page", code, loc)
				}
			})
			t.Run("AccountLinks", func(t *testing.T) {
				_, body := erika.get("/konto")
				if !strings.Contains(body, `href="/konto/zahlungen"`) || !strings.Contains(body, `href="/konto/einwilligungen"`) {
					t.Error("the account page does not link payments and consents")
				}
			})
		})
	}
}

// app is an OAuth client that citizens grant access.
type app struct{ ClientID, RedirectURI, Scope string }

func (a *accountEnv) demoApp() app {
	return app{a.demo.Portal.ClientID, a.demo.Portal.RedirectURI, "openid profile:read"}
}

// xssApp registers a public client whose name is markup.
func (a *accountEnv) xssApp(t *testing.T, redirectURI string) app {
	t.Helper()
	c, _, err := a.oauth.Clients.Create(context.Background(), a.tenant, oauth.ClientSpec{Name: xssName, AuthMethod: oauth.AuthNone,
		GrantTypes: []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken},
		Scopes:     []string{"openid", hub.ScopeProfileRead, hub.ScopeMailboxSend}, RedirectURIs: []string{redirectURI}})
	if err != nil {
		t.Fatal(err)
	}
	return app{c.ID, redirectURI, "openid profile:read mailbox:send"}
}

const xssName = `<img src=x onerror="window.pwned=1">App`

// authorizePath is the authorization request of an app, with the PKCE
// verifier.
func authorizePath(ap app) (path, verifier string) {
	verifier = strings.Repeat("v", 20) + hub.NewID()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {ap.ClientID}, "redirect_uri": {ap.RedirectURI},
		"scope": {ap.Scope}, "state": {"state-12345678"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}}
	return "/oauth2/auth?" + q.Encode(), verifier
}

var hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// grant runs the OAuth code flow of ap for a citizen logged in to the
// portal: the portal's login counts, so the browser goes straight to the
// consent page (in the portal's frame) and allows.
func (a *accountEnv) grant(t *testing.T, c *client, ap app) tokens {
	t.Helper()
	path, verifier := authorizePath(ap)
	code, body := c.get(path)
	if code != http.StatusOK || !strings.Contains(body, "<h1>Zugriff erlauben?</h1>") || !strings.Contains(body, `class="brand"`) {
		t.Fatalf("consent page in the portal's frame: %d %s", code, body)
	}
	form := url.Values{"consent": {"allow"}}
	for _, m := range hiddenRe.FindAllStringSubmatch(body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	code, loc := c.post("/oauth2/auth", form)
	u, err := url.Parse(loc)
	if code != http.StatusSeeOther || err != nil || u.Query().Get("code") == "" {
		t.Fatalf("consent: %d %s", code, loc)
	}
	tr := a.token(t, url.Values{"grant_type": {"authorization_code"}, "code": {u.Query().Get("code")},
		"redirect_uri": {ap.RedirectURI}, "client_id": {ap.ClientID}, "code_verifier": {verifier}})
	if tr.status != http.StatusOK || tr.AccessToken == "" || tr.RefreshToken == "" {
		t.Fatalf("redeem: %d %s", tr.status, tr.Error)
	}
	return tr
}

// tokens is the token endpoint's answer.
type tokens struct {
	status       int
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
}

// token posts to the token endpoint as a public client.
func (a *accountEnv) token(t *testing.T, form url.Values) tokens {
	t.Helper()
	resp, err := a.srv.Client().PostForm(a.srv.URL+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr tokens
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil {
		t.Fatal(err)
	}
	tr.status = resp.StatusCode
	return tr
}

// resource calls a resource endpoint behind the OAuth server's middleware
// with an access token and returns the status.
func (a *accountEnv) resource(t *testing.T, token string) int {
	t.Helper()
	h := a.oauth.Verifier.Require()(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	req := httptest.NewRequest(http.MethodGet, "/api/anything", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// TestConsentsPage checks /konto/einwilligungen: the application and what
// it may do, in German; revoke needs the form token, ends the vendor's
// refresh and access tokens, and finds nothing of another citizen's.
func TestConsentsPage(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			a := newAccountEnv(t, d.Open(t), false)
			erika, _ := a.citizen(t, "erika-"+hub.NewID()+"@example.org")
			max, _ := a.citizen(t, "max-"+hub.NewID()+"@example.org")
			if _, body := erika.get("/konto/einwilligungen"); !strings.Contains(body, "Sie haben keiner Anwendung Zugriff gegeben.") {
				t.Fatalf("before any consent: %s", body)
			}
			first := a.grant(t, erika, a.demoApp())
			access, refresh := first.AccessToken, first.RefreshToken
			maxAccess := a.grant(t, max, a.demoApp()).AccessToken
			xss := a.grant(t, erika, a.xssApp(t, "https://vendor.example/cb"))
			// revoke is the revoke form; post adds the form token of its client.
			revoke := func() url.Values { return url.Values{"client_id": {a.demo.Portal.ClientID}} }

			code, body := erika.get("/konto/einwilligungen")
			for _, want := range []string{"<h2>Demo-Portal</h2>", "Ihre Stammdaten (Name, Anschrift) lesen", "Ihre Kennung im Servicekonto",
				`name="client_id" value="` + a.demo.Portal.ClientID + `"`, "<h2>" + html.EscapeString(xssName) + "</h2>",
				"Nachrichten an Ihr Postfach senden"} {
				if code != http.StatusOK || !strings.Contains(body, want) {
					t.Errorf("consents page (%d) lacks %q", code, want)
				}
			}
			if strings.Contains(body, "<img src=x") {
				t.Error("markup in a client's name is not escaped")
			}
			if got := a.resource(t, xss.AccessToken); got != http.StatusOK {
				t.Errorf("the other app's token: %d", got)
			}
			t.Run("ErrNoFormToken", func(t *testing.T) {
				if code, _ := erika.post("/konto/einwilligungen/widerrufen", url.Values{"client_id": {a.demo.Portal.ClientID},
					"csrf_token": {""}}); code != http.StatusForbidden {
					t.Errorf("revoke without form token: %d, want 403", code)
				}
				if code, _ := erika.post("/konto/einwilligungen/widerrufen", url.Values{"client_id": {a.demo.Portal.ClientID},
					"csrf_token": {max.tok}}); code != http.StatusForbidden {
					t.Errorf("revoke with another session's form token: %d, want 403", code)
				}
				if got := a.resource(t, access); got != http.StatusOK {
					t.Errorf("access token after refused revokes: %d", got)
				}
			})
			t.Run("ErrUnknownClient", func(t *testing.T) {
				erika.get("/konto/einwilligungen")
				if code, body := erika.post("/konto/einwilligungen/widerrufen", url.Values{"client_id": {"demo-vendor-" + a.tenant}}); code != http.StatusNotFound ||
					!strings.Contains(body, "Diese Einwilligung gibt es nicht oder nicht mehr.") {
					t.Errorf("revoke of a client without consent: %d %s", code, body)
				}
			})
			t.Run("Revoke", func(t *testing.T) {
				erika.get("/konto/einwilligungen")
				if code, loc := erika.post("/konto/einwilligungen/widerrufen", revoke()); code != http.StatusSeeOther || loc != "/konto/einwilligungen?widerrufen=1" {
					t.Fatalf("revoke: %d %s", code, loc)
				}
				_, body := erika.get("/konto/einwilligungen?widerrufen=1")
				if !strings.Contains(body, "Die Einwilligung ist widerrufen.") || strings.Contains(body, "<h2>Demo-Portal</h2>") {
					t.Errorf("after revoke: %s", body)
				}
				if got := a.resource(t, access); got != http.StatusUnauthorized {
					t.Errorf("the vendor's access token after revoke: %d, want 401", got)
				}
				tr := a.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {a.demo.Portal.ClientID}})
				if tr.status == http.StatusOK || tr.Error != "invalid_grant" {
					t.Errorf("the vendor's refresh after revoke: %d %q, want invalid_grant", tr.status, tr.Error)
				}
				if code, _ := erika.post("/konto/einwilligungen/widerrufen", revoke()); code != http.StatusNotFound {
					t.Errorf("second revoke: %d, want 404", code)
				}
				if got := a.resource(t, xss.AccessToken); got != http.StatusOK {
					t.Errorf("another app's access token after revoking the demo portal: %d, want 200", got)
				}
			})
			t.Run("OtherCitizenUntouched", func(t *testing.T) {
				if got := a.resource(t, maxAccess); got != http.StatusOK {
					t.Errorf("Max's grant after Erika's revoke: %d, want 200", got)
				}
				if _, body := max.get("/konto/einwilligungen"); !strings.Contains(body, "<h2>Demo-Portal</h2>") {
					t.Error("Max's consent is gone")
				}
			})
			t.Run("Visitor", func(t *testing.T) {
				c := a.client(t)
				c.get("/konto/anmelden") // a visitor's form token
				if code, loc := c.post("/konto/einwilligungen/widerrufen", revoke()); code != http.StatusSeeOther || loc != "/konto/anmelden" {
					t.Errorf("visitor's revoke: %d %s, want the login page", code, loc)
				}
				if got := a.resource(t, maxAccess); got != http.StatusOK {
					t.Errorf("Max's grant after a visitor's revoke: %d", got)
				}
			})
		})
	}
}

// TestDeleteAccountForgets deletes an account that granted a vendor access,
// has a case and a postbox reference: the vendor's tokens stop working,
// the case stays but no longer points to the account, the postbox
// reference is gone; another citizen keeps everything.
func TestDeleteAccountForgets(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			a := newAccountEnv(t, d.Open(t), false)
			erika, erikaID := a.citizen(t, "erika-"+hub.NewID()+"@example.org")
			max, maxID := a.citizen(t, "max-"+hub.NewID()+"@example.org")
			grant := a.grant(t, erika, a.demoApp())
			maxGrant := a.grant(t, max, a.demoApp())
			erikaCase, maxCase := a.cases.Case(t, "vendor-a", erikaID), a.cases.Case(t, "vendor-a", maxID)
			for _, citizen := range []string{erikaID, maxID} {
				if _, err := a.db.ExecContext(ctx, `INSERT INTO mailbox_postboxes (ref, tenant_id, client_id, citizen_id, created_at)
					VALUES ($1, $2, 'vendor-a', $3, $4)`, hub.NewID(), a.tenant, citizen, time.Now().UTC()); err != nil {
					t.Fatal(err)
				}
			}

			erika.get("/konto/loeschen")
			if code, body := erika.post("/konto/loeschen", url.Values{"confirm": {"ja"}}); code != http.StatusOK || !strings.Contains(body, "Konto gelöscht") {
				t.Fatalf("delete: %d %s", code, body)
			}
			if got := a.resource(t, grant.AccessToken); got != http.StatusUnauthorized {
				t.Errorf("the vendor's access token after the account was deleted: %d, want 401", got)
			}
			tr := a.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {grant.RefreshToken}, "client_id": {a.demo.Portal.ClientID}})
			if tr.status == http.StatusOK || tr.Error != "invalid_grant" {
				t.Errorf("the vendor's refresh after the account was deleted: %d %q, want invalid_grant", tr.status, tr.Error)
			}
			citizenOf := func(caseID string) *string {
				var c *string
				if err := a.db.QueryRowContext(ctx, `SELECT citizen_id FROM cases WHERE id = $1`, caseID).Scan(&c); err != nil {
					t.Fatalf("case %s: %v", caseID, err)
				}
				return c
			}
			if c := citizenOf(erikaCase.CaseID); c != nil {
				t.Errorf("the deleted account's case still points to %q", *c)
			}
			postboxes := func(citizen string) (n int) {
				if err := a.db.QueryRowContext(ctx, `SELECT count(*) FROM mailbox_postboxes WHERE citizen_id = $1`, citizen).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			if n := postboxes(erikaID); n != 0 {
				t.Errorf("%d postbox references of the deleted account left", n)
			}
			// Max is untouched.
			if got := a.resource(t, maxGrant.AccessToken); got != http.StatusOK {
				t.Errorf("Max's grant: %d, want 200", got)
			}
			if c := citizenOf(maxCase.CaseID); c == nil || *c != maxID {
				t.Errorf("Max's case lost its citizen: %v", c)
			}
			if n := postboxes(maxID); n != 1 {
				t.Errorf("Max's postbox references: %d, want 1", n)
			}
		})
	}
}
