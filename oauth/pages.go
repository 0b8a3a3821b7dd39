package oauth

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/citizens"
)

//go:embed templates/*.html templates/fallback.css
var templateFS embed.FS

// Layout puts the login, consent and error pages into the frame of the site
// the authorization server is part of (the portal: its header, styles,
// footer and language), so that citizens see one site. content is the
// page's main content, already escaped. The frame may load scripts, styles
// and images from the same origin only, and must have no inline script or
// style: the pages are served with a strict Content-Security-Policy.
type Layout interface {
	Frame(w io.Writer, r *http.Request, title string, content template.HTML) error
}

// SiteLogin is a citizen's login to the site around the authorization
// server (the portal), as a SiteLogins reports it. The type is
// hub/citizens', so the portal reports it without importing oauth.
type SiteLogin = citizens.Login

// SiteLogins lets the authorization server recognise a citizen who is
// already logged in to the site on the same host (the portal's session),
// so the citizen is not asked for the password again. The login counts
// with the assurance level the site reports (normal if none).
type SiteLogins interface {
	// SiteLogin returns the citizen logged in with r, or nil.
	SiteLogin(r *http.Request) *SiteLogin
}

// pages renders the login, consent and error pages: their content with
// oauth's own templates, in the site's Layout if one is set, else in a
// minimal frame of our own.
type pages struct {
	t        *template.Template
	css      template.CSS // of the own frame, allowed by its hash
	cssHash  string
	layout   atomic.Pointer[Layout]
	sessions atomic.Pointer[SiteLogins]
}

func newPages() (*pages, error) {
	t, err := template.ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse oauth templates: %w", err)
	}
	css, err := templateFS.ReadFile("templates/fallback.css")
	if err != nil {
		return nil, fmt.Errorf("read oauth styles: %w", err)
	}
	sum := sha256.Sum256(css)
	return &pages{t: t, css: template.CSS(css), cssHash: "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"}, nil
}

// UseLayout shows the login, consent and error pages in l (the portal's
// frame). Call it before serving; nil restores the own frame.
func (p *Provider) UseLayout(l Layout) {
	if l == nil {
		p.pages.layout.Store(nil)
		return
	}
	p.pages.layout.Store(&l)
}

// TrustSiteLogins makes the authorization endpoint accept a citizen's
// login to the site (the portal) as if made on its own login page.
func (p *Provider) TrustSiteLogins(s SiteLogins) {
	if s == nil {
		p.pages.sessions.Store(nil)
		return
	}
	p.pages.sessions.Store(&s)
}

// render writes page name with data. formTargets are origins, besides our
// own, that a form of the page may end up at through redirects (the
// client's redirect URI after consent): browsers apply form-action to the
// redirects of a form submission too.
func (pg *pages) render(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any, formTargets ...string) {
	title, _ := data["Title"].(string)
	var content, doc bytes.Buffer
	err := pg.t.ExecuteTemplate(&content, name, data)
	csp := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
	if l := pg.layout.Load(); err == nil && l != nil {
		err = (*l).Frame(&doc, r, title, template.HTML(content.String())) // escaped by its own template
	} else if err == nil {
		csp = "default-src 'none'; style-src " + pg.cssHash + "; "
		err = pg.t.ExecuteTemplate(&doc, "frame", map[string]any{"Title": title, "CSS": pg.css, "Content": template.HTML(content.String())})
	}
	if err != nil {
		http.Error(w, "Interner Fehler", http.StatusInternalServerError)
		return
	}
	csp += "form-action 'self'"
	for _, o := range formTargets {
		csp += " " + o
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", csp+"; base-uri 'none'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write(doc.Bytes())
}

// origin returns the scheme and host of an absolute URL, for
// Content-Security-Policy source lists; "" for anything else.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(u.Host, " ;,'") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// ScopeText names a scope in German for citizens ("Ihre Stammdaten (Name,
// Anschrift) lesen"); an unknown scope comes back as it is.
func ScopeText(scope string) string { return citizens.ScopeText(scope) }

var acrText = map[string]string{
	hub.ACRNormal: "normal (Passwort)", hub.ACRSubstantial: "substanziell", hub.ACRHigh: "hoch (Online-Ausweis)",
}

// login is the signed content of the login cookie.
type login struct {
	Subject  string    `json:"sub"`
	Tenant   string    `json:"tid"`
	Name     string    `json:"name"`
	ACR      string    `json:"acr"`
	AuthTime time.Time `json:"at"`
	Expires  time.Time `json:"exp"`
}

func (p *Provider) cookieName(base string) string {
	if p.cfg.secureCookies() {
		return "__Host-" + base
	}
	return base
}

func (p *Provider) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: p.cookieName(name), Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: p.cfg.secureCookies(), SameSite: http.SameSiteLaxMode})
}

// mac returns HMAC-SHA256 under a key derived from the issuer's secret
// for one purpose, so a MAC made for one use is useless for another.
func (p *Provider) mac(purpose, msg string) []byte {
	k := hmac.New(sha256.New, p.Keys.hmacSecret())
	k.Write([]byte("amthub/oauth/" + purpose))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func (p *Provider) setLogin(w http.ResponseWriter, l login) {
	b, _ := json.Marshal(l)
	v := base64.RawURLEncoding.EncodeToString(b)
	p.setCookie(w, "amthub_login", v+"."+base64.RawURLEncoding.EncodeToString(p.mac("login", v)), p.cfg.LoginLifespan)
}

// loginFrom returns the citizen logged in with r: by the login cookie of
// our own login page, else by the site's login (the portal's), else nil.
func (p *Provider) loginFrom(r *http.Request) *login {
	if l := p.cookieLogin(r); l != nil {
		return l
	}
	s := p.pages.sessions.Load()
	if s == nil {
		return nil
	}
	sl := (*s).SiteLogin(r)
	if sl == nil || sl.TenantID == "" || sl.CitizenID == "" {
		return nil
	}
	acr := sl.ACR
	if _, known := acrText[acr]; !known {
		acr = hub.ACRNormal
	}
	return &login{Subject: sl.CitizenID, Tenant: sl.TenantID, Name: sl.Name, ACR: acr, AuthTime: sl.AuthTime.UTC()}
}

// cookieLogin returns the citizen of the login cookie, or nil.
func (p *Provider) cookieLogin(r *http.Request) *login {
	ck, err := r.Cookie(p.cookieName("amthub_login"))
	if err != nil {
		return nil
	}
	v, sig, ok := strings.Cut(ck.Value, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(mac, p.mac("login", v)) {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	var l login
	if err != nil || json.Unmarshal(b, &l) != nil || !p.now().Before(l.Expires) {
		return nil
	}
	return &l
}

// csrfToken returns the form token bound to the browser's CSRF cookie,
// setting the cookie first if there is none (double submit, signed). The
// cookie's name differs from the portal's, which shares the host.
func (p *Provider) csrfToken(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if ck, err := r.Cookie(p.cookieName("amthub_oauth_csrf")); err == nil && len(ck.Value) >= 32 {
		v = ck.Value
	} else {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		v = base64.RawURLEncoding.EncodeToString(b)
		p.setCookie(w, "amthub_oauth_csrf", v, 12*time.Hour)
	}
	return base64.RawURLEncoding.EncodeToString(p.mac("csrf", v))
}

// csrfValid checks the form token of a POST against the CSRF cookie.
func (p *Provider) csrfValid(r *http.Request) bool {
	ck, err := r.Cookie(p.cookieName("amthub_oauth_csrf"))
	if err != nil {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(r.PostFormValue("csrf_token"))
	return err == nil && hmac.Equal(got, p.mac("csrf", ck.Value))
}
