package portal

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/httpserver"
)

// reqState is what the middlewares learn about a request.
type reqState struct {
	session *Session
	token   string // the session cookie's value
	csrf    string // the form token to put into forms and expect back
}

type stateKey struct{}

func state(r *http.Request) *reqState {
	if s, ok := r.Context().Value(stateKey{}).(*reqState); ok {
		return s
	}
	return &reqState{}
}

func (p *Portal) cookieName(name string) string {
	if p.cfg.InsecureCookies {
		return "amthub_" + name
	}
	return "__Host-amthub_" + name
}

func (p *Portal) setCookie(w http.ResponseWriter, name, value string, maxAge int, sameSite http.SameSite) {
	http.SetCookie(w, &http.Cookie{Name: p.cookieName(name), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: !p.cfg.InsecureCookies, SameSite: sameSite})
}

// loadSession finds the login of the request, if any, and the form token:
// the session's own, or for visitors a random one in a cookie (double
// submit), set on first visit.
func (p *Portal) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &reqState{}
		if c, err := r.Cookie(p.cookieName("session")); err == nil && c.Value != "" {
			s, err := p.sessions.Get(r.Context(), c.Value)
			switch {
			case err == nil && s.TenantID == p.cfg.TenantID:
				st.session, st.token, st.csrf = s, c.Value, s.CSRF
			case err != nil && !hub.IsCode(err, hub.ENOTFOUND):
				p.fail(w, r, err)
				return
			default:
				p.setCookie(w, "session", "", -1, http.SameSiteLaxMode)
			}
		}
		if st.session == nil {
			if c, err := r.Cookie(p.cookieName("csrf")); err == nil && len(c.Value) == 43 {
				st.csrf = c.Value
			} else {
				st.csrf = hub.NewToken()
				p.setCookie(w, "csrf", st.csrf, 0, http.SameSiteStrictMode)
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
	})
}

// requireCSRF refuses a form without the request's form token (403).
func (p *Portal) requireCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				p.fail(w, r, &hub.Error{Code: hub.ETOOLARGE, Kind: "form_too_large", Message: "Das Formular ist zu groß."})
				return
			}
			p.fail(w, r, &hub.Error{Code: hub.EINVALID, Kind: "form_invalid", Message: "Das Formular ist fehlerhaft.", Err: err})
			return
		}
		got := r.PostFormValue("csrf_token")
		want := state(r).csrf
		if got == "" || want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			p.fail(w, r, &hub.Error{Code: hub.EFORBIDDEN, Kind: "csrf",
				Message: "Das Formular ist abgelaufen oder kam nicht von dieser Seite. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal."})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// page is what every template gets.
type page struct {
	Title    string
	CSRF     string
	LoggedIn bool
	Dev      bool
	Data     any
}

func (p *Portal) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	t, ok := p.pages[name]
	if !ok {
		p.fail(w, r, hub.Errorf(hub.EINTERNAL, "no template %s", name))
		return
	}
	st := state(r)
	var buf bytes.Buffer
	if err := t.Execute(&buf, page{Title: title, CSRF: st.csrf, LoggedIn: st.session != nil, Dev: p.cfg.DevOutbox, Data: data}); err != nil {
		p.log(r).Error("render page", "page", name, "error", err)
		http.Error(w, "Interner Fehler", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if st.session != nil {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail shows an error page; internal errors are logged, never shown.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := httpserver.StatusOf(err)
	if after, shed := httpserver.RetryAfter(err); shed && p.pages["message"] != nil {
		// Backpressure: the hub is behind and took nothing; say so kindly.
		w.Header().Set("Retry-After", after)
		p.render(w, r, status, "message", "Gerade sehr viel Andrang", map[string]string{"Message": "Im Moment gehen mehr " +
			"Anträge ein, als wir sofort an die Behörden weitergeben können. Ihre Eingabe wurde deshalb noch nicht " +
			"übernommen. Bitte versuchen Sie es in " + after + " Sekunden noch einmal."})
		return
	}
	if status >= 500 {
		p.log(r).Error("portal request failed", "error", err)
	}
	msg := hub.ErrorMessage(err)
	if status >= 500 {
		msg = "Es ist ein Fehler aufgetreten. Bitte versuchen Sie es später noch einmal."
	}
	title := map[int]string{400: "Ungültige Eingabe", 403: "Nicht erlaubt", 404: "Nicht gefunden", 413: "Zu groß",
		429: "Zu viele Versuche"}[status]
	if title == "" {
		title = "Fehler"
	}
	if _, ok := p.pages["message"]; !ok {
		http.Error(w, msg, status)
		return
	}
	p.render(w, r, status, "message", title, map[string]string{"Message": msg})
}

// requireLogin redirects visitors to the login page.
func (p *Portal) requireLogin(w http.ResponseWriter, r *http.Request) (*Session, bool) {
	if s := state(r).session; s != nil {
		return s, true
	}
	http.Redirect(w, r, "/konto/anmelden", http.StatusSeeOther)
	return nil, false
}

// log returns the request's logger from the hub's middleware, else the
// portal's.
func (p *Portal) log(r *http.Request) *slog.Logger {
	if l := httpserver.Logger(r.Context()); l != slog.Default() {
		return l
	}
	return p.logger
}
