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
	"net/http"
	"strings"
	"time"

	"github.com/amthub/amthub/hub"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages renders the login and consent pages.
type pages struct{ t *template.Template }

func newPages() (*pages, error) {
	t, err := template.ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse oauth templates: %w", err)
	}
	return &pages{t: t}, nil
}

func (pg *pages) render(w http.ResponseWriter, status int, name string, data map[string]any) {
	var buf bytes.Buffer
	if err := pg.t.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "Interner Fehler", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// scopeText names scopes in German on the consent page.
var scopeText = map[string]string{
	"openid":                  "Ihre Kennung im Servicekonto",
	hub.ScopeProfileRead:      "Ihre Stammdaten (Name, Anschrift) lesen",
	hub.ScopeSubmissionsWrite: "Anträge in Ihrem Namen einreichen",
	hub.ScopeSubmissionsRead:  "Ihre Anträge einsehen",
	hub.ScopeEventsRead:       "den Bearbeitungsstand Ihrer Anträge einsehen",
	hub.ScopeMailboxSend:      "Nachrichten an Ihr Postfach senden",
	hub.ScopePaymentsWrite:    "Zahlungen für Ihre Anträge anlegen",
	hub.ScopeRoutesRead:       "zuständige Stellen ermitteln",
}

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

// loginFrom returns the citizen logged in with r, or nil.
func (p *Provider) loginFrom(r *http.Request) *login {
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
// setting the cookie first if there is none (double submit, signed).
func (p *Provider) csrfToken(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if ck, err := r.Cookie(p.cookieName("amthub_csrf")); err == nil && len(ck.Value) >= 32 {
		v = ck.Value
	} else {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		v = base64.RawURLEncoding.EncodeToString(b)
		p.setCookie(w, "amthub_csrf", v, 12*time.Hour)
	}
	return base64.RawURLEncoding.EncodeToString(p.mac("csrf", v))
}

// csrfValid checks the form token of a POST against the CSRF cookie.
func (p *Provider) csrfValid(r *http.Request) bool {
	ck, err := r.Cookie(p.cookieName("amthub_csrf"))
	if err != nil {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(r.PostFormValue("csrf_token"))
	return err == nil && hmac.Equal(got, p.mac("csrf", ck.Value))
}
