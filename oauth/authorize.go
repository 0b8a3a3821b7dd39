package oauth

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ory/fosite"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/citizens"
	"github.com/amthub/amthub/hub/httpserver"
	"github.com/amthub/amthub/hub/logins"
)

// authorize serves the authorization endpoint: fosite checks the request
// (client, exact redirect URI, S256 PKCE, scopes); the hub adds login,
// the assurance level the client requires, and the citizen's consent.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	ar, err := p.oauth.NewAuthorizeRequest(ctx, r)
	if err != nil {
		p.oauth.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	// fosite checks PKCE only when the code is issued; refusing here spares
	// the citizen a login and consent that could not succeed.
	if f := ar.GetRequestForm(); f.Get("code_challenge") == "" || f.Get("code_challenge_method") != "S256" {
		p.oauth.WriteAuthorizeError(ctx, w, ar, fosite.ErrInvalidRequest.WithHint("PKCE with code_challenge_method S256 is required."))
		return
	}
	c := ar.GetClient().(fositeClient).c
	l := p.loginFrom(r)
	if l == nil || l.Tenant != c.TenantID || (c.MinACR != "" && !hub.ACRAtLeast(l.ACR, c.MinACR)) ||
		ar.GetRequestForm().Get("prompt") == "login" {
		if r.Method != http.MethodGet {
			p.oauth.WriteAuthorizeError(ctx, w, ar, fosite.ErrLoginRequired)
			return
		}
		q := r.URL.Query()
		q.Del("prompt")
		u := "/oauth2/login?return=" + url.QueryEscape("/oauth2/auth?"+q.Encode())
		if c.MinACR != "" {
			u += "&acr=" + url.QueryEscape(c.MinACR)
		}
		http.Redirect(w, r, u, http.StatusSeeOther)
		return
	}
	if r.Method == http.MethodGet {
		p.renderConsent(w, r, ar, c, l)
		return
	}
	if !p.csrfValid(r) {
		p.oauth.WriteAuthorizeError(ctx, w, ar, fosite.ErrRequestForbidden.WithHint("The consent form has expired; please start again."))
		return
	}
	if r.PostFormValue("consent") != "allow" {
		p.audit(ctx, "oauth consent denied", "client_id", c.ID, "tenant", c.TenantID)
		p.oauth.WriteAuthorizeError(ctx, w, ar, fosite.ErrAccessDenied.WithHint("The citizen denied the request."))
		return
	}
	for _, s := range ar.GetRequestedScopes() {
		ar.GrantScope(s)
	}
	aud := ar.GetRequestedAudience()
	if len(aud) == 0 {
		aud = c.Audience
	}
	for _, a := range aud {
		ar.GrantAudience(a)
	}
	sess := &Session{TenantID: c.TenantID, ClientID: c.ID, Subject: l.Subject, ACR: l.ACR, AuthTime: l.AuthTime, Region: c.Region}
	idc := sess.IDTokenClaims()
	idc.Subject, idc.AuthTime, idc.RequestedAt = l.Subject, l.AuthTime, p.now().UTC()
	idc.AuthenticationContextClassReference = l.ACR
	idc.Extra["tenant"] = c.TenantID
	resp, err := p.oauth.NewAuthorizeResponse(ctx, ar, sess)
	if err != nil {
		p.oauth.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	p.audit(ctx, "oauth consent granted", "client_id", c.ID, "tenant", c.TenantID, "scope", strings.Join(ar.GetGrantedScopes(), " "), "acr", l.ACR)
	p.oauth.WriteAuthorizeResponse(ctx, w, ar, resp)
}

type param struct{ Name, Value string }

func (p *Provider) renderConsent(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, c *Client, l *login) {
	var scopes []string
	for _, s := range ar.GetRequestedScopes() {
		scopes = append(scopes, ScopeText(s))
	}
	var params []param
	keys := make([]string, 0, len(r.URL.Query()))
	for k := range r.URL.Query() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range r.URL.Query()[k] {
			params = append(params, param{k, v})
		}
	}
	p.pages.render(w, r, http.StatusOK, "consent.html", map[string]any{
		"Title": "Zugriff erlauben?", "Client": c.Name, "Scopes": scopes, "User": l.Name,
		"ACR": acrText[l.ACR], "CSRF": p.csrfToken(w, r), "Params": params,
	}, origin(ar.GetRedirectURI().String()))
}

// returnTarget accepts only a path back to the authorization endpoint, or
// to another login flow registered with AcceptLoginReturn, so the login page
// can't be used as an open redirect; it also names the tenant the citizen
// logs in to (the client's).
func (p *Provider) returnTarget(r *http.Request, raw string) (string, string, bool) {
	for _, lr := range p.returns {
		if strings.HasPrefix(raw, lr.prefix) {
			tenant, ok := lr.tenantOf(r, raw)
			return raw, tenant, ok && tenant != ""
		}
	}
	if !strings.HasPrefix(raw, "/oauth2/auth?") {
		return "", "", false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", false
	}
	c, err := p.Clients.lookup(r.Context(), u.Query().Get("client_id"))
	if err != nil || !slices.Contains(c.GrantTypes, GrantAuthorizationCode) {
		return "", "", false
	}
	return raw, c.TenantID, true
}

type loginReturn struct {
	prefix   string
	tenantOf func(r *http.Request, raw string) (string, bool)
}

// AcceptLoginReturn lets another login flow of the hub (the SAML IdP) use
// the citizen login page: a return path starting with prefix (a path of
// the hub, such as "/saml/sso?") is accepted when tenantOf names the
// tenant the citizen logs in to. Call it before serving.
func (p *Provider) AcceptLoginReturn(prefix string, tenantOf func(r *http.Request, raw string) (string, bool)) {
	p.returns = append(p.returns, loginReturn{prefix: prefix, tenantOf: tenantOf})
}

// CitizenLogin is the citizen logged in with a request.
type CitizenLogin struct {
	Subject  string
	TenantID string
	Name     string
	ACR      string
	AuthTime time.Time
}

// CitizenLogin returns the citizen logged in with r (the login page's
// cookie, else the site's login), or nil.
func (p *Provider) CitizenLogin(r *http.Request) *CitizenLogin {
	l := p.loginFrom(r)
	if l == nil {
		return nil
	}
	return &CitizenLogin{Subject: l.Subject, TenantID: l.Tenant, Name: l.Name, ACR: l.ACR, AuthTime: l.AuthTime}
}

func (p *Provider) loginPage(w http.ResponseWriter, r *http.Request, status int, ret, email, msg string) {
	p.pages.render(w, r, status, "login.html", map[string]any{
		"Title": "Anmeldung", "Return": ret, "Email": email, "Error": msg, "DevLogin": p.cfg.DevLogin, "CSRF": p.csrfToken(w, r),
	})
}

// loginForm shows the login page.
func (p *Provider) loginForm(w http.ResponseWriter, r *http.Request) {
	ret, _, ok := p.returnTarget(r, r.URL.Query().Get("return"))
	if !ok {
		p.pages.render(w, r, http.StatusBadRequest, "error.html", map[string]any{"Title": "Ungültige Anfrage"})
		return
	}
	msg := ""
	if acr := r.URL.Query().Get("acr"); acr != "" && acr != hub.ACRNormal {
		msg = "Diese Anwendung verlangt eine Anmeldung mit dem Vertrauensniveau „" + acrText[acr] + "“."
	}
	p.loginPage(w, r, http.StatusOK, ret, "", msg)
}

// fail answers a login the server could not check (the cache or the
// database failed) with an error page, never with the login's refusal.
func (p *Provider) fail(w http.ResponseWriter, r *http.Request, err error) {
	p.logger.ErrorContext(r.Context(), "citizen login failed", "error", err)
	p.pages.render(w, r, http.StatusInternalServerError, "error.html", map[string]any{"Title": "Die Anmeldung ist gerade nicht möglich"})
}

// loginSubmit checks e-mail address and password (acr normal), or, with
// the test eID of `amthub dev`, only the account's address (acr high).
func (p *Provider) loginSubmit(eid bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		ret, tenantID, ok := p.returnTarget(r, r.PostFormValue("return"))
		if !ok || !p.csrfValid(r) {
			p.pages.render(w, r, http.StatusBadRequest, "error.html", map[string]any{"Title": "Die Anfrage ist abgelaufen oder ungültig"})
			return
		}
		email := r.PostFormValue("email")
		// hub/logins' policy, shared with the portal's login form: the
		// account and the address are checked first, and every refusal
		// counts, for an unknown address and a known one alike.
		account, addr := logins.AccountKey(tenantID, email), httpserver.ClientAddr(r)
		if err := p.logins.Check(ctx, account, addr); err != nil {
			if !hub.IsCode(err, hub.ERATELIMITED) {
				p.fail(w, r, err)
				return
			}
			p.audit(ctx, "citizen login locked", "tenant", tenantID)
			p.loginPage(w, r, http.StatusTooManyRequests, ret, email, hub.ErrorMessage(err))
			return
		}
		var acct *citizens.Citizen
		var err error
		acr := hub.ACRNormal
		if eid {
			acr = hub.ACRHigh
			acct, err = p.Citizens.FindByEmail(ctx, tenantID, email)
		} else {
			acct, err = p.Citizens.Authenticate(ctx, tenantID, email, r.PostFormValue("password"))
		}
		if hub.IsCode(err, hub.EUNAUTHORIZED) || eid && hub.IsCode(err, hub.ENOTFOUND) {
			if ferr := p.logins.Fail(ctx, account, addr); ferr != nil {
				p.fail(w, r, ferr)
				return
			}
		}
		if err != nil && !hub.IsCode(err, hub.EUNAUTHORIZED) && !hub.IsCode(err, hub.EFORBIDDEN) && !hub.IsCode(err, hub.ENOTFOUND) {
			p.fail(w, r, err)
			return
		}
		if err != nil {
			p.audit(ctx, "citizen login refused", "tenant", tenantID, "acr", acr)
			// One answer for an unknown address and a wrong password, the
			// portal's: only the right password learns of a missing
			// confirmation.
			msg := citizens.LoginFailedMessage
			if hub.IsCode(err, hub.EFORBIDDEN) {
				msg = hub.ErrorMessage(err)
			}
			p.loginPage(w, r, http.StatusUnauthorized, ret, email, msg)
			return
		}
		now := p.now().UTC()
		p.setLogin(w, login{Subject: acct.ID, Tenant: acct.TenantID, Name: acct.DisplayName, ACR: acr,
			AuthTime: now, Expires: now.Add(p.cfg.LoginLifespan)})
		p.audit(ctx, "citizen login", "tenant", tenantID, "acr", acr)
		http.Redirect(w, r, ret, http.StatusSeeOther)
	}
}
