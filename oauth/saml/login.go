package saml

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/amthub/amthub/oauth"
)

// maxRequestBytes bounds an inflated AuthnRequest.
const maxRequestBytes = 64 << 10

// authnRequestHead is the part of an AuthnRequest the login page needs.
type authnRequestHead struct {
	XMLName xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:protocol AuthnRequest"`
	Issuer  string   `xml:"urn:oasis:names:tc:SAML:2.0:assertion Issuer"`
}

// ParseRedirectRequest decodes the SAMLRequest of the HTTP-Redirect
// binding (base64 of DEFLATE, saml-bindings §3.4.4.1) and returns the
// issuer of the AuthnRequest in it. It neither checks nor trusts more.
func ParseRedirectRequest(samlRequest string) (issuer string, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(samlRequest)
	if err != nil {
		return "", false
	}
	b, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(raw)), maxRequestBytes+1))
	if err != nil || len(b) > maxRequestBytes {
		return "", false
	}
	var h authnRequestHead
	if err := xml.Unmarshal(b, &h); err != nil || h.Issuer == "" {
		return "", false
	}
	return strings.TrimSpace(h.Issuer), true
}

// LoginReturnTenant names the tenant of the service provider whose
// AuthnRequest is in the return path raw ("/saml/sso?SAMLRequest=…"), for
// the citizen login page (oauth.Provider.AcceptLoginReturn).
func (p *IdP) LoginReturnTenant(r *http.Request, raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Path != "/saml/sso" {
		return "", false
	}
	issuer, ok := ParseRedirectRequest(u.Query().Get("SAMLRequest"))
	if !ok {
		return "", false
	}
	sp, _, err := p.Providers.Find(r.Context(), issuer)
	if err != nil {
		return "", false
	}
	return sp.TenantID, true
}

// redirectReturn is the SSO path that carries request (an AuthnRequest
// received over HTTP-POST) over the HTTP-Redirect binding, for the
// browser's way back from the login page. A signature embedded in the
// request does not survive; the IdP does not require signed requests.
func redirectReturn(request []byte, relayState string) string {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	_, _ = w.Write(request)
	_ = w.Close()
	q := url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString(buf.Bytes())}}
	if relayState != "" {
		q.Set("RelayState", relayState)
	}
	return "/saml/sso?" + q.Encode()
}

// OAuthLogins is the citizen login of the OAuth provider (its login page,
// the password at level normal, the test eID at high in `amthub dev`).
type OAuthLogins struct{ Provider *oauth.Provider }

// Login returns the citizen logged in with r, or nil.
func (o OAuthLogins) Login(r *http.Request) *Login {
	l := o.Provider.CitizenLogin(r)
	if l == nil {
		return nil
	}
	return &Login{Subject: l.Subject, TenantID: l.TenantID, ACR: l.ACR, AuthTime: l.AuthTime}
}

// LoginURL is the OAuth provider's login page asking for level acr.
func (o OAuthLogins) LoginURL(_, acr, returnTo string) string {
	return "/oauth2/login?return=" + url.QueryEscape(returnTo) + "&acr=" + url.QueryEscape(acr)
}

// UseOAuthLogin makes the OAuth provider's login page serve the IdP's
// logins: it accepts the way back to the SSO endpoint.
func (p *IdP) UseOAuthLogin(o *oauth.Provider) {
	o.AcceptLoginReturn("/saml/sso?", p.LoginReturnTenant)
}
