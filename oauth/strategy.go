package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"

	"github.com/amthub/amthub/hub"
)

// accessClaims are the claims of an access token (RFC 9068) plus the hub's
// own: tenant, acr and region.
type accessClaims struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audience  []string `json:"aud"`
	Expiry    int64    `json:"exp"`
	IssuedAt  int64    `json:"iat"`
	NotBefore int64    `json:"nbf,omitempty"`
	ID        string   `json:"jti"`
	ClientID  string   `json:"client_id"`
	Scope     string   `json:"scope"`
	Tenant    string   `json:"tenant"`
	ACR       string   `json:"acr,omitempty"`
	AuthTime  int64    `json:"auth_time,omitempty"`
	Region    string   `json:"region,omitempty"`
}

// tokenStrategy makes access tokens as RFC 9068 JWTs signed with the
// current key (typ at+jwt, kid set) and leaves authorization codes and
// refresh tokens to fosite's HMAC strategy: those are opaque, and only
// their HMAC signature is stored.
type tokenStrategy struct {
	*oauth2.HMACSHAStrategy
	keys     *KeyStore
	verifier *Verifier
	issuer   string
	now      func() time.Time
}

var _ oauth2.CoreStrategy = (*tokenStrategy)(nil)

// AccessTokenSignature returns the JWS signature part, the key under which
// the token is stored.
func (s *tokenStrategy) AccessTokenSignature(_ context.Context, token string) string {
	if i := strings.LastIndexByte(token, '.'); i >= 0 && strings.Count(token, ".") == 2 {
		return token[i+1:]
	}
	return ""
}

// GenerateAccessToken signs a new access token for the request.
func (s *tokenStrategy) GenerateAccessToken(ctx context.Context, req fosite.Requester) (string, string, error) {
	sess, ok := req.GetSession().(*Session)
	if !ok {
		return "", "", fmt.Errorf("session has type %T, want *oauth.Session", req.GetSession())
	}
	now := s.now().UTC()
	exp := sess.GetExpiresAt(fosite.AccessToken)
	if exp.IsZero() {
		return "", "", fmt.Errorf("access token expiry not set")
	}
	sess.AccessTokenID = hub.NewIDAt(now)
	c := accessClaims{
		Issuer: s.issuer, Subject: sess.Subject, Audience: req.GetGrantedAudience(),
		Expiry: exp.Unix(), IssuedAt: now.Unix(), NotBefore: now.Unix(), ID: sess.AccessTokenID,
		ClientID: req.GetClient().GetID(), Scope: strings.Join(req.GetGrantedScopes(), " "),
		Tenant: sess.TenantID, ACR: sess.ACR, Region: sess.Region,
	}
	if !sess.AuthTime.IsZero() {
		c.AuthTime = sess.AuthTime.Unix()
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", "", fmt.Errorf("encode access token claims: %w", err)
	}
	signer := s.keys.accessSigner()
	if signer == nil {
		return "", "", fmt.Errorf("no signing key loaded")
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", "", fmt.Errorf("sign access token: %w", err)
	}
	token, err := jws.CompactSerialize()
	if err != nil {
		return "", "", fmt.Errorf("serialize access token: %w", err)
	}
	return token, s.AccessTokenSignature(ctx, token), nil
}

// ValidateAccessToken checks signature, expiry, issuer and type; fosite
// calls it for introspection and revocation. Revocation itself is checked
// by the storage lookup that precedes it.
func (s *tokenStrategy) ValidateAccessToken(ctx context.Context, _ fosite.Requester, token string) error {
	if _, err := s.verifier.parse(ctx, token, false); err != nil {
		if hub.ErrorKind(err) == "token_expired" {
			return fosite.ErrTokenExpired.WithWrap(err)
		}
		return fosite.ErrTokenSignatureMismatch.WithWrap(err)
	}
	return nil
}
