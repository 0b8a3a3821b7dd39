package oauth

import (
	"maps"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/token/jwt"
)

// Session is what the hub keeps about one grant: who the tokens speak for
// and the claims that go into them. It is fosite's session (and an OpenID
// Connect session) of our own, because fosite's default session cannot
// carry the claims of an RFC 9068 access token.
type Session struct {
	TenantID string `json:"tenant_id"`
	ClientID string `json:"client_id"`
	// Subject is the citizen's account id, or the client id for machines.
	Subject string `json:"sub"`
	// ACR is the assurance level of the citizen's login; empty for machines.
	ACR      string    `json:"acr,omitempty"`
	AuthTime time.Time `json:"auth_time,omitzero"`
	// Region narrows the client to areas whose ARS starts with it.
	Region string `json:"region,omitempty"`
	// AccessTokenID is the jti of the access token issued last.
	AccessTokenID string                         `json:"jti,omitempty"`
	ExpiresAt     map[fosite.TokenType]time.Time `json:"expires_at"`
	IDClaims      *jwt.IDTokenClaims             `json:"id_token_claims,omitempty"`
	IDHeaders     *jwt.Headers                   `json:"id_token_headers,omitempty"`
}

// SetExpiresAt sets the expiry of one token type.
func (s *Session) SetExpiresAt(key fosite.TokenType, exp time.Time) {
	if s.ExpiresAt == nil {
		s.ExpiresAt = map[fosite.TokenType]time.Time{}
	}
	s.ExpiresAt[key] = exp
}

// GetExpiresAt returns the expiry of one token type, zero if unset.
func (s *Session) GetExpiresAt(key fosite.TokenType) time.Time { return s.ExpiresAt[key] }

// GetUsername returns "": the hub has no user names, only account ids.
func (s *Session) GetUsername() string { return "" }

// GetSubject returns the subject of the grant.
func (s *Session) GetSubject() string { return s.Subject }

// IDTokenClaims returns the claims of the ID token, always the same pointer.
func (s *Session) IDTokenClaims() *jwt.IDTokenClaims {
	if s.IDClaims == nil {
		s.IDClaims = &jwt.IDTokenClaims{Extra: map[string]any{}}
	}
	return s.IDClaims
}

// IDTokenHeaders returns the headers of the ID token, always the same pointer.
func (s *Session) IDTokenHeaders() *jwt.Headers {
	if s.IDHeaders == nil {
		s.IDHeaders = jwt.NewHeaders()
	}
	return s.IDHeaders
}

// Clone returns a deep copy.
func (s *Session) Clone() fosite.Session {
	if s == nil {
		return nil
	}
	c := *s
	c.ExpiresAt = maps.Clone(s.ExpiresAt)
	if s.IDClaims != nil {
		idc := *s.IDClaims
		idc.Audience = append([]string(nil), s.IDClaims.Audience...)
		idc.AuthenticationMethodsReferences = append([]string(nil), s.IDClaims.AuthenticationMethodsReferences...)
		idc.Extra = maps.Clone(s.IDClaims.Extra)
		c.IDClaims = &idc
	}
	if s.IDHeaders != nil {
		c.IDHeaders = &jwt.Headers{Extra: maps.Clone(s.IDHeaders.Extra)}
	}
	return &c
}
