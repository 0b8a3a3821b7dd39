package portal

import (
	"html/template"
	"io"
	"net/http"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/citizens"
)

// OAuthSite makes the portal the site around the OAuth server's login and
// consent pages: they appear in the portal's frame (oauth.Layout), and a
// citizen logged in to the portal counts as logged in there
// (oauth.SiteLogins). Both need the portal and the OAuth server on one
// host, as `amthub` serves them. The portal does not import oauth: the
// interfaces take only standard and hub/citizens types, and cmd/amthub
// checks that OAuthSite implements them.
type OAuthSite struct{ p *Portal }

// OAuthSite returns the portal as the OAuth server's site.
func (p *Portal) OAuthSite() *OAuthSite { return &OAuthSite{p: p} }

// Frame writes the portal's page with title and content as its main part.
// The header shows the portal login, if any, with its logout form.
func (o *OAuthSite) Frame(w io.Writer, r *http.Request, title string, content template.HTML) error {
	pg := page{Title: title, Dev: o.p.cfg.DevOutbox, Data: content}
	if s := o.p.sessionOf(r); s != nil {
		pg.LoggedIn, pg.CSRF = true, s.CSRF
	}
	return o.p.pages["frame"].Execute(w, pg)
}

// SiteLogin returns the citizen logged in to the portal with r, or nil.
func (o *OAuthSite) SiteLogin(r *http.Request) *citizens.Login {
	s := o.p.sessionOf(r)
	if s == nil {
		return nil
	}
	c, err := o.p.accounts.citizens.Get(r.Context(), s.TenantID, s.CitizenID)
	if err != nil {
		if !hub.IsCode(err, hub.ENOTFOUND) {
			o.p.log(r).Error("oauth login by portal session", "error", err)
		}
		return nil
	}
	return &citizens.Login{TenantID: s.TenantID, CitizenID: s.CitizenID, Name: c.DisplayName, ACR: s.ACR, AuthTime: s.CreatedAt}
}

// sessionOf returns the portal session of r's cookie, outside the
// portal's own middleware; nil if none (or the store fails).
func (p *Portal) sessionOf(r *http.Request) *Session {
	c, err := r.Cookie(p.cookieName("session"))
	if err != nil || c.Value == "" {
		return nil
	}
	s, err := p.sessions.Get(r.Context(), c.Value)
	if err != nil {
		if !hub.IsCode(err, hub.ENOTFOUND) {
			p.log(r).Error("read portal session", "error", err)
		}
		return nil
	}
	if s.TenantID != p.cfg.TenantID {
		return nil
	}
	return s
}
