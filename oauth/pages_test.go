package oauth_test

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/oauth"
)

// siteFrame is a site's frame as the portal gives one: it wraps the
// content in its own document.
type siteFrame struct{ calls int }

func (f *siteFrame) Frame(w io.Writer, _ *http.Request, title string, content template.HTML) error {
	f.calls++
	_, err := fmt.Fprintf(w, `<!doctype html><html lang="de"><title>%s – Site</title><link rel="stylesheet" href="/site.css"><main id="site">%s</main></html>`,
		template.HTMLEscapeString(title), content)
	return err
}

// siteLogins reports a fixed login to the site, as the portal's session
// would.
type siteLogins struct{ login *oauth.SiteLogin }

func (s siteLogins) SiteLogin(*http.Request) *oauth.SiteLogin { return s.login }

var styleRe = regexp.MustCompile(`(?s)<style>(.*)</style>`)

// TestPages checks the login and consent pages in their own frame (inline
// style allowed by its hash only) and in a site's frame (no inline style
// at all), the form-action that lets the consent form's redirect reach the
// client, and that a login to the site counts as a login here.
func TestPages(t *testing.T) {
	e := newEnv(t, hubtest.NewSQLite(t), nil)
	get := func(b *http.Client, u string) (*http.Response, string) {
		t.Helper()
		resp, err := b.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(body)
	}
	t.Run("OwnFrame", func(t *testing.T) {
		resp, body := get(e.browser(), e.authorizeURL(nil))
		csp := resp.Header.Get("Content-Security-Policy")
		m := styleRe.FindStringSubmatch(body)
		if resp.Request.URL.Path != "/oauth2/login" || m == nil || !strings.Contains(body, `<h1>Anmeldung</h1>`) {
			t.Fatalf("login page (%s): %s", resp.Request.URL.Path, body)
		}
		sum := sha256.Sum256([]byte(m[1]))
		if want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
		if strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("CSP %q is not strict", csp)
		}
	})
	frame := &siteFrame{}
	e.p.UseLayout(frame)
	t.Cleanup(func() { e.p.UseLayout(nil) })
	t.Run("SiteFrame", func(t *testing.T) {
		b := e.browser()
		resp, body := get(b, e.authorizeURL(nil))
		csp := resp.Header.Get("Content-Security-Policy")
		if frame.calls == 0 || !strings.Contains(body, `<main id="site"><h1>Anmeldung</h1>`) || strings.Contains(body, "<style>") {
			t.Fatalf("login page not in the site's frame: %s", body)
		}
		if !strings.Contains(csp, "style-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP %q", csp)
		}
		consent := e.login(b, e.authorizeURL(nil))
		page, _ := io.ReadAll(consent.Body)
		consent.Body.Close()
		if !strings.Contains(string(page), `<main id="site"><h1>Zugriff erlauben?</h1>`) {
			t.Fatalf("consent page not in the site's frame: %s", page)
		}
		// The demo portal's redirect URI is on the issuer's origin; the
		// form-action names it all the same.
		if csp := consent.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+e.srv.URL+";") {
			t.Errorf("consent CSP %q does not allow the redirect to the client", csp)
		}
	})
	t.Run("SiteLogin", func(t *testing.T) {
		citizen, err := e.p.Citizens.FindByEmail(t.Context(), e.tenant, e.demo.Citizen.Email)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-time.Minute)
		cases := []struct {
			name  string
			login *oauth.SiteLogin
			mod   func(url.Values)
			want  string // path the browser ends at
		}{
			{"Recognised", &oauth.SiteLogin{TenantID: e.tenant, CitizenID: citizen.ID, Name: "Erika <b>M</b>", AuthTime: at}, nil, "/oauth2/auth"},
			{"OtherTenant", &oauth.SiteLogin{TenantID: "other", CitizenID: citizen.ID, Name: "Erika", AuthTime: at}, nil, "/oauth2/login"},
			{"PromptLogin", &oauth.SiteLogin{TenantID: e.tenant, CitizenID: citizen.ID, Name: "Erika", AuthTime: at},
				func(q url.Values) { q.Set("prompt", "login") }, "/oauth2/login"},
			{"NotLoggedIn", nil, nil, "/oauth2/login"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.p.TrustSiteLogins(siteLogins{c.login})
				t.Cleanup(func() { e.p.TrustSiteLogins(nil) })
				resp, body := get(e.browser(), e.authorizeURL(c.mod))
				if resp.Request.URL.Path != c.want {
					t.Fatalf("ends at %s, want %s", resp.Request.URL.Path, c.want)
				}
				if c.want == "/oauth2/auth" && !strings.Contains(body, "Angemeldet als <strong>Erika &lt;b&gt;M&lt;/b&gt;</strong>") {
					t.Errorf("consent page does not name the site's citizen (escaped): %s", body)
				}
			})
		}
		// A consent given on the strength of the site's login yields tokens
		// for that citizen.
		e.p.TrustSiteLogins(siteLogins{&oauth.SiteLogin{TenantID: e.tenant, CitizenID: citizen.ID, Name: "Erika", AuthTime: at}})
		t.Cleanup(func() { e.p.TrustSiteLogins(nil) })
		verifier, challenge := pkce()
		b := e.browser()
		resp, err := b.Get(e.authorizeURL(func(q url.Values) { q.Set("code_challenge", challenge) }))
		if err != nil {
			t.Fatal(err)
		}
		loc := e.consent(b, resp, "allow")
		tr := e.redeem(e.demo.Portal.ClientID, loc.Query().Get("code"), verifier, e.demo.Portal.RedirectURI)
		if tr.Status != http.StatusOK {
			t.Fatalf("redeem: %d %s", tr.Status, tr.Error)
		}
		p, err := e.p.Verifier.Verify(t.Context(), tr.AccessToken)
		if err != nil || p.Subject != citizen.ID || p.ACR != hub.ACRNormal {
			t.Fatalf("token of the site's login: %+v, %v", p, err)
		}
	})
}
