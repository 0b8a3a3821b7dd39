package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-jose/go-jose/v3"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/httpserver"
)

// Verifier checks the hub's access tokens locally: signature against the
// in-memory key set (refreshed from the database on an unknown kid), alg
// allow-list, typ, exp, iss and aud, and revocation through the cache's
// fast check. It hits no database per request.
//
// Tenant isolation: the principal it puts in the context carries the
// token's TenantID. Routes with a {tenant} URL parameter are checked here;
// every other handler must scope its queries by hub.PrincipalFrom(ctx).TenantID.
type Verifier struct {
	keys     *KeyStore
	revoked  Cache
	issuer   string
	audience string
	now      func() time.Time

	mu      sync.RWMutex
	checked map[string]verified // token → principal, until exp
}

type verified struct {
	p   hub.Principal
	exp time.Time
}

// maxChecked bounds the cache of verified tokens.
const maxChecked = 50_000

func newVerifier(keys *KeyStore, revoked Cache, cfg Config, now func() time.Time) *Verifier {
	return &Verifier{keys: keys, revoked: revoked, issuer: cfg.Issuer, audience: cfg.Audience, now: now,
		checked: map[string]verified{}}
}

func revokedKey(jti string) string { return "oauth:revoked:" + jti }

func tokenError(kind, msg string) error {
	return &hub.Error{Code: hub.EUNAUTHORIZED, Kind: kind, Message: msg}
}

// parse verifies token and returns its claims. withAudience also requires
// the hub's audience (resource access); fosite's own checks skip it.
func (v *Verifier) parse(ctx context.Context, token string, withAudience bool) (*accessClaims, error) {
	jws, err := jose.ParseSigned(token)
	if err != nil || len(jws.Signatures) != 1 || strings.Count(token, ".") != 2 {
		return nil, tokenError("invalid_token", "The access token is malformed.")
	}
	h := jws.Signatures[0].Protected
	if h.Algorithm != string(signingAlg) {
		return nil, tokenError("invalid_token", "The access token uses an algorithm that is not accepted.")
	}
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); !strings.EqualFold(typ, "at+jwt") && !strings.EqualFold(typ, "application/at+jwt") {
		return nil, tokenError("invalid_token", "The token is not an access token.")
	}
	key, ok := v.keys.publicKey(ctx, h.KeyID)
	if !ok {
		return nil, tokenError("invalid_token", "The access token was signed with an unknown key.")
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return nil, tokenError("invalid_token", "The access token signature is invalid.")
	}
	var c accessClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, tokenError("invalid_token", "The access token claims are malformed.")
	}
	now := v.now().Unix()
	const leeway = 30
	switch {
	case c.Expiry == 0 || now > c.Expiry+leeway:
		return nil, tokenError("token_expired", "The access token has expired.")
	case c.NotBefore > now+leeway || c.IssuedAt > now+leeway:
		return nil, tokenError("invalid_token", "The access token is not valid yet.")
	case c.Issuer != v.issuer:
		return nil, tokenError("invalid_token", "The access token was issued by another issuer.")
	case c.ID == "" || c.Tenant == "" || c.ClientID == "":
		return nil, tokenError("invalid_token", "The access token lacks required claims.")
	case withAudience && !slices.Contains(c.Audience, v.audience):
		return nil, tokenError("invalid_token", "The access token is meant for another audience.")
	}
	return &c, nil
}

// Verify returns the principal of a bearer token, or an EUNAUTHORIZED
// error whose Kind is the RFC 6750 error code.
func (v *Verifier) Verify(ctx context.Context, token string) (*hub.Principal, error) {
	now := v.now()
	v.mu.RLock()
	hit, ok := v.checked[token]
	v.mu.RUnlock()
	if !ok || !now.Before(hit.exp) {
		c, err := v.parse(ctx, token, true)
		if err != nil {
			return nil, err
		}
		hit = verified{exp: time.Unix(c.Expiry, 0), p: hub.Principal{
			TenantID: c.Tenant, ClientID: c.ClientID, Subject: c.Subject, Scopes: strings.Fields(c.Scope),
			ACR: c.ACR, Region: c.Region, TokenID: c.ID,
		}}
		v.remember(token, hit, now)
	}
	revoked, err := v.revoked.Exists(ctx, revokedKey(hit.p.TokenID))
	if err != nil {
		return nil, &hub.Error{Code: hub.EUNAVAILABLE, Message: "The token cannot be checked right now.", Err: err}
	}
	if revoked {
		return nil, tokenError("invalid_token", "The access token has been revoked.")
	}
	p := hit.p
	return &p, nil
}

func (v *Verifier) remember(token string, hit verified, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.checked) >= maxChecked {
		for k, e := range v.checked {
			if !now.Before(e.exp) {
				delete(v.checked, k)
			}
		}
		if len(v.checked) >= maxChecked {
			clear(v.checked)
		}
	}
	v.checked[token] = hit
}

// Require returns a chi middleware that lets a request through only with
// a valid bearer token carrying every scope named, and, on routes with a
// {tenant} parameter, a token of that tenant. It puts the *hub.Principal
// into the context (hub.PrincipalFrom) and answers 401/403 with
// problem+json and a WWW-Authenticate header otherwise.
func (v *Verifier) Require(scopes ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			auth := r.Header.Get("Authorization")
			scheme, token, found := strings.Cut(auth, " ")
			if auth == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="amthub"`)
				httpserver.WriteError(w, r, &hub.Error{Code: hub.EUNAUTHORIZED, Kind: "missing_token", Message: "A bearer token is required."})
				return
			}
			if !found || !strings.EqualFold(scheme, "Bearer") || token == "" {
				bearerError(w, r, http.StatusBadRequest, "invalid_request", "",
					&hub.Error{Code: hub.EINVALID, Kind: "invalid_request", Message: "The Authorization header must be 'Bearer <token>'."})
				return
			}
			p, err := v.Verify(r.Context(), strings.TrimSpace(token))
			if err != nil {
				if hub.IsCode(err, hub.EUNAUTHORIZED) {
					bearerError(w, r, http.StatusUnauthorized, "invalid_token", "", err)
				} else {
					httpserver.WriteError(w, r, err)
				}
				return
			}
			for _, s := range scopes {
				if !p.HasScope(s) {
					bearerError(w, r, http.StatusForbidden, "insufficient_scope", strings.Join(scopes, " "),
						&hub.Error{Code: hub.EFORBIDDEN, Kind: "insufficient_scope", Message: fmt.Sprintf("The token lacks the scope %q.", s)})
					return
				}
			}
			if t := chi.URLParam(r, "tenant"); t != "" && t != p.TenantID {
				httpserver.WriteError(w, r, &hub.Error{Code: hub.EFORBIDDEN, Kind: "wrong_tenant", Message: "The token belongs to another tenant."})
				return
			}
			next.ServeHTTP(w, r.WithContext(hub.WithPrincipal(r.Context(), p)))
		})
	}
}

func bearerError(w http.ResponseWriter, r *http.Request, _ int, code, scope string, err error) {
	h := `Bearer realm="amthub", error="` + code + `", error_description="` + strings.ReplaceAll(hub.ErrorMessage(err), `"`, `'`) + `"`
	if scope != "" {
		h += `, scope="` + scope + `"`
	}
	w.Header().Set("WWW-Authenticate", h)
	httpserver.WriteError(w, r, err)
}
