package main

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// browser is a client with cookies that does not follow redirects, on
// the `amthub dev` of a test.
type browser struct {
	t    *testing.T
	hc   *http.Client
	base string
	tok  string // the last form token seen
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: strings.TrimSuffix(base, "/"), hc: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var formTokenRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// do sends a GET (form nil) or a form POST with the last form token and
// returns the status, the Location of a redirect and the body.
func (b *browser) do(path string, form url.Values) (code int, location, body string) {
	b.t.Helper()
	var resp *http.Response
	var err error
	if form == nil {
		resp, err = b.hc.Get(b.base + path)
	} else {
		form.Set("csrf_token", b.tok)
		resp, err = b.hc.PostForm(b.base+path, form)
	}
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if m := formTokenRe.FindSubmatch(raw); m != nil {
		b.tok = string(m[1])
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(raw)
}

// authorizeReturn is where the OAuth login page returns to: the demo
// portal client's authorization request.
func authorizeReturn(d *Demo) string {
	sum := sha256.Sum256([]byte("ein-pkce-geheimnis-das-lang-genug-ist-0123456789"))
	return "/oauth2/auth?" + url.Values{"client_id": {d.Portal.ClientID}, "response_type": {"code"},
		"redirect_uri": {d.Portal.RedirectURI}, "scope": {"openid"}, "state": {"zustand-12345678"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}.Encode()
}

// loginForm is one of the two login forms a citizen meets.
type loginForm struct {
	name string
	// open shows the form; submit sends e-mail and password.
	open   func(b *browser)
	submit func(b *browser, email, password string) (code int, location, body string)
	// okLocation is where a successful login redirects to.
	okLocation string
}

func loginForms(d *Demo) []loginForm {
	ret := authorizeReturn(d)
	return []loginForm{
		{name: "Portal",
			open: func(b *browser) { b.do("/konto/anmelden", nil) },
			submit: func(b *browser, email, password string) (int, string, string) {
				return b.do("/konto/anmelden", url.Values{"email": {email}, "password": {password}})
			},
			okLocation: "/konto"},
		{name: "OAuth",
			open: func(b *browser) { b.do("/oauth2/login?return="+url.QueryEscape(ret), nil) },
			submit: func(b *browser, email, password string) (int, string, string) {
				return b.do("/oauth2/login", url.Values{"email": {email}, "password": {password}, "return": {ret}})
			},
			okLocation: ret},
	}
}

// TestDemoCitizenLogsInEverywhere runs `amthub dev` and logs the demo
// citizen of demo.json in to the portal and through OAuth with the same
// credentials; an unknown e-mail address and a wrong password get the same
// answer, byte for byte, on both login forms.
func TestDemoCitizenLogsInEverywhere(t *testing.T) {
	demo, stop := startDev(t, t.TempDir())
	defer stop()
	base := demo.URLs["portal"]
	for _, f := range loginForms(demo) {
		t.Run(f.name+"OK", func(t *testing.T) {
			b := newBrowser(t, base)
			f.open(b)
			code, loc, body := f.submit(b, demo.Citizen.Email, demo.Citizen.Password)
			if code != http.StatusSeeOther || loc != f.okLocation {
				t.Fatalf("login = %d %q, want 303 to %q: %.300s", code, loc, f.okLocation, body)
			}
			// Where the login leads names the citizen: the account page, or
			// the OAuth consent page.
			if code, _, body := b.do(loc, nil); code != http.StatusOK || !strings.Contains(body, "Erika") {
				t.Fatalf("GET %s after login = %d, want 200 naming Erika: %.300s", loc, code, body)
			}
		})
		t.Run(f.name+"ErrSameAnswer", func(t *testing.T) {
			b := newBrowser(t, base)
			f.open(b)
			const unknown = "niemand-hier@demo.amthub.test"
			unknownCode, _, unknownBody := f.submit(b, unknown, demo.Citizen.Password)
			wrongCode, _, wrongBody := f.submit(b, demo.Citizen.Email, demo.Citizen.Password+"x")
			// The form shows the address typed back; the rest must be equal.
			unknownBody = strings.ReplaceAll(unknownBody, unknown, "ADDRESS")
			wrongBody = strings.ReplaceAll(wrongBody, demo.Citizen.Email, "ADDRESS")
			if unknownCode != http.StatusUnauthorized || wrongCode != unknownCode {
				t.Fatalf("unknown address = %d, wrong password = %d, want 401 both", unknownCode, wrongCode)
			}
			if unknownBody != wrongBody {
				t.Fatalf("the answers differ:\nunknown address: %s\nwrong password:  %s", unknownBody, wrongBody)
			}
			if !strings.Contains(wrongBody, "E-Mail-Adresse oder Passwort ist falsch.") {
				t.Fatalf("answer without the message: %.500s", wrongBody)
			}
		})
	}
}
