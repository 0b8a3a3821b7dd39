package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ory/fosite"

	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/httpserver"
)

// maxFormBytes bounds the body of the token, introspection and revocation
// endpoints.
const maxFormBytes = 64 << 10

// token serves the token endpoint (RFC 6749 §3.2).
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	clientID, method := presentedClient(r)
	grant := r.PostFormValue("grant_type")
	if !p.allowToken(w, r, clientID) {
		p.audit(r.Context(), "oauth token refused", "client_id", clip(clientID), "grant_type", clip(grant), "error", "rate_limited")
		return
	}
	ctx := withUniformTiming(r.Context(), method)
	ar, err := p.oauth.NewAccessRequest(ctx, r, &Session{})
	if err != nil {
		p.refuse(ctx, w, ar, clientID, grant, p.assertionError(ctx, r, err))
		return
	}
	if ar.GetGrantTypes().ExactOne(GrantClientCredentials) {
		grantMachine(ar)
	}
	resp, err := p.oauth.NewAccessResponse(ctx, ar)
	if err != nil {
		p.refuse(ctx, w, ar, clientID, grant, err)
		return
	}
	sess, _ := ar.GetSession().(*Session)
	p.audit(ctx, "oauth token issued", "client_id", ar.GetClient().GetID(), "tenant", sess.TenantID,
		"grant_type", grant, "scope", strings.Join(ar.GetGrantedScopes(), " "), "jti", sess.AccessTokenID,
		"refresh_token", resp.GetExtra("refresh_token") != nil)
	p.oauth.WriteAccessResponse(ctx, w, ar, resp)
}

// grantMachine fills the session of a client-credentials request and
// grants the requested scopes (checked by fosite) or, if none, all of the
// client's, and likewise the audience.
func grantMachine(ar fosite.AccessRequester) {
	c := ar.GetClient().(fositeClient).c
	sess := ar.GetSession().(*Session)
	sess.TenantID, sess.ClientID, sess.Subject, sess.Region = c.TenantID, c.ID, c.ID, c.Region
	scopes := ar.GetRequestedScopes()
	if len(scopes) == 0 {
		scopes = c.Scopes
	}
	for _, s := range scopes {
		if s != "openid" {
			ar.GrantScope(s)
		}
	}
	aud := ar.GetRequestedAudience()
	if len(aud) == 0 {
		aud = c.Audience
	}
	for _, a := range aud {
		ar.GrantAudience(a)
	}
}

func (p *Provider) refuse(ctx context.Context, w http.ResponseWriter, ar fosite.AccessRequester, clientID, grant string, err error) {
	var rfc *fosite.RFC6749Error
	code := "server_error"
	if errors.As(err, &rfc) {
		code = rfc.ErrorField
	}
	if code == "server_error" {
		p.logger.ErrorContext(ctx, "oauth token endpoint failed", "error", err)
	}
	p.audit(ctx, "oauth token refused", "client_id", clip(clientID), "grant_type", clip(grant), "error", code)
	p.oauth.WriteAccessError(ctx, w, ar, err)
}

// assertionError answers every failed private_key_jwt authentication with
// invalid_client, as RFC 7523 §3.2 requires: fosite reports a replayed
// assertion as jti_known and passes an expired one on as a bare error
// (which would become a 500). Causes that are not RFC 6749 errors are
// still logged, so an outage of the replay cache stays visible.
func (p *Provider) assertionError(ctx context.Context, r *http.Request, err error) error {
	if r.PostFormValue("client_assertion") == "" || errors.Is(err, context.Canceled) {
		return err
	}
	var rfc *fosite.RFC6749Error
	switch {
	case errors.Is(err, fosite.ErrJTIKnown):
	case errors.As(err, &rfc):
		return err
	default:
		p.logger.WarnContext(ctx, "client assertion refused", "error", err)
	}
	return fosite.ErrInvalidClient.WithHint("The client assertion is not valid, expired or was used before.").WithWrap(err)
}

// audit writes one structured audit record. It never carries secrets,
// tokens or personal data.
func (p *Provider) audit(ctx context.Context, msg string, args ...any) {
	p.logger.LogAttrs(ctx, slog.LevelInfo, msg, slog.String("audit", "oauth"), slog.Group("", args...))
}

// presentedClient returns the client id a request names (Basic auth or
// form) and how it authenticates, before anything is verified.
func presentedClient(r *http.Request) (id, method string) {
	if u, _, ok := r.BasicAuth(); ok {
		return u, AuthSecretBasic
	}
	if r.PostFormValue("client_assertion") != "" {
		return r.PostFormValue("client_id"), AuthPrivateKeyJWT
	}
	return r.PostFormValue("client_id"), AuthSecretPost
}

// allowToken applies the rate limits per IP and per presented client id;
// it answers 429 itself when one is exceeded.
func (p *Provider) allowToken(w http.ResponseWriter, r *http.Request, clientID string) bool {
	checks := []struct {
		key   string
		limit cache.Limit
	}{{"oauth:token:ip:" + httpserver.ClientAddr(r), p.cfg.TokenLimitPerIP}}
	if clientID != "" {
		checks = append(checks, struct {
			key   string
			limit cache.Limit
		}{"oauth:token:client:" + clip(clientID), p.cfg.TokenLimitPerClient})
	}
	for _, c := range checks {
		res, err := p.cache.Allow(r.Context(), c.key, c.limit)
		if err != nil {
			p.logger.ErrorContext(r.Context(), "oauth rate limit", "error", err)
			writeOAuthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "Please try again later.")
			return false
		}
		if !res.Allowed {
			w.Header().Set("Retry-After", strconv.Itoa(int(res.RetryAfter.Seconds())+1))
			writeOAuthError(w, http.StatusTooManyRequests, "temporarily_unavailable", "Too many requests; retry later.")
			return false
		}
	}
	return true
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// clip bounds caller-supplied strings before they reach logs and keys.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64]
	}
	return s
}

// introspect serves RFC 7662 to clients registered with the introspect
// scope, about tokens of their own tenant only; others learn nothing.
func (p *Provider) introspect(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	ctx := r.Context()
	id, secret, ok := r.BasicAuth()
	caller, err := p.store.GetClient(withUniformTiming(ctx, AuthSecretBasic), id)
	if !ok || err != nil || (secretHasher{}).Compare(ctx, caller.GetHashedSecret(), []byte(secret)) != nil {
		w.Header().Set("WWW-Authenticate", `Basic realm="amthub"`)
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed.")
		return
	}
	c := caller.(fositeClient).c
	if !slices.Contains(c.Scopes, ScopeIntrospect) {
		writeOAuthError(w, http.StatusForbidden, "unauthorized_client", "The client may not introspect tokens.")
		return
	}
	ir, err := p.oauth.NewIntrospectionRequest(ctx, r, &Session{})
	if err != nil || tenantOf(ir.GetAccessRequester()) != c.TenantID {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(`{"active":false}`))
		return
	}
	p.oauth.WriteIntrospectionResponse(ctx, w, ir)
}

// revoke serves RFC 7009. Revoking a refresh token revokes its family and
// the access tokens issued with it.
func (p *Provider) revoke(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	_, method := presentedClient(r)
	ctx := withUniformTiming(r.Context(), method)
	err := p.oauth.NewRevocationRequest(ctx, r)
	p.audit(ctx, "oauth token revoked", "ok", err == nil)
	p.oauth.WriteRevocationResponse(ctx, w, err)
}
