package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v3"
	"github.com/ory/fosite"

	"github.com/amthub/amthub/hub"
)

// Grant types a client may be registered for. Implicit and password grants
// do not exist here.
const (
	GrantClientCredentials = "client_credentials"
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// Client authentication methods at the token endpoint.
const (
	AuthSecretBasic   = "client_secret_basic"
	AuthSecretPost    = "client_secret_post"
	AuthPrivateKeyJWT = "private_key_jwt" // RFC 7523, with a registered JWKS
	AuthNone          = "none"            // public clients (PKCE only)
)

// ScopeIntrospect lets a client call the introspection endpoint (RFC 7662)
// about tokens of its own tenant.
const ScopeIntrospect = "introspect"

// Client is an OAuth client registered for one tenant: a vendor, a
// Fachverfahren, or the portal itself. It never holds the secret itself.
type Client struct {
	ID           string
	TenantID     string
	Name         string
	AuthMethod   string
	GrantTypes   []string
	Scopes       []string
	RedirectURIs []string // matched exactly
	Audience     []string
	Region       string // ARS prefix; empty means no restriction
	MinACR       string // minimum assurance level of a citizen's login
	JWKS         *jose.JSONWebKeySet
	DisabledAt   *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time

	secretHash []byte
}

// ClientSpec describes a client to create. Empty fields get defaults: a
// confidential client for client credentials with the hub's audience.
type ClientSpec struct {
	Name         string              `json:"name"`
	AuthMethod   string              `json:"auth_method,omitempty"`
	GrantTypes   []string            `json:"grant_types,omitempty"`
	Scopes       []string            `json:"scopes"`
	RedirectURIs []string            `json:"redirect_uris,omitempty"`
	Audience     []string            `json:"audience,omitempty"`
	Region       string              `json:"region,omitempty"`
	MinACR       string              `json:"min_acr,omitempty"`
	JWKS         *jose.JSONWebKeySet `json:"jwks,omitempty"`
}

var (
	regionPattern = regexp.MustCompile(`^[0-9]{0,12}$`)
	knownScopes   = []string{
		hub.ScopeRoutesRead, hub.ScopeSubmissionsWrite, hub.ScopeSubmissionsRead, hub.ScopeEventsRead,
		hub.ScopeMailboxSend, hub.ScopePaymentsWrite, hub.ScopeRegistersQuery, hub.ScopeProfileRead,
		hub.ScopeFachverfahren, hub.ScopeAdmin, ScopeIntrospect, "openid",
	}
)

// normalize applies the defaults and checks the spec.
func (s *ClientSpec) normalize(defaultAudience string) error {
	if s.Name == "" || len(s.Name) > 200 {
		return hub.FieldError("name", "must be 1–200 characters")
	}
	if len(s.GrantTypes) == 0 {
		s.GrantTypes = []string{GrantClientCredentials}
	}
	for _, g := range s.GrantTypes {
		if !slices.Contains([]string{GrantClientCredentials, GrantAuthorizationCode, GrantRefreshToken}, g) {
			return hub.FieldError("grant_types", "unsupported grant type %q", g)
		}
	}
	if s.AuthMethod == "" {
		s.AuthMethod = AuthSecretBasic
		if s.JWKS != nil {
			s.AuthMethod = AuthPrivateKeyJWT
		}
	}
	switch s.AuthMethod {
	case AuthSecretBasic, AuthSecretPost:
	case AuthPrivateKeyJWT:
		if s.JWKS == nil || len(s.JWKS.Keys) == 0 {
			return hub.FieldError("jwks", "private_key_jwt needs a JWKS with at least one public key")
		}
		for _, k := range s.JWKS.Keys {
			if !k.IsPublic() {
				return hub.FieldError("jwks", "must hold public keys only")
			}
		}
	case AuthNone:
		if slices.Contains(s.GrantTypes, GrantClientCredentials) {
			return hub.FieldError("auth_method", "a public client cannot use client credentials")
		}
	default:
		return hub.FieldError("auth_method", "unsupported method %q", s.AuthMethod)
	}
	for _, sc := range s.Scopes {
		if !slices.Contains(knownScopes, sc) && !hub.ValidFITConnectScope(sc) {
			return hub.FieldError("scopes", "unknown scope %q", sc)
		}
	}
	if slices.Contains(s.GrantTypes, GrantAuthorizationCode) && len(s.RedirectURIs) == 0 {
		return hub.FieldError("redirect_uris", "the authorization code grant needs at least one redirect URI")
	}
	for _, u := range s.RedirectURIs {
		p, err := url.Parse(u)
		if err != nil || !p.IsAbs() || p.Fragment != "" || (p.Scheme == "http" && !isLoopback(p.Hostname())) {
			return hub.FieldError("redirect_uris", "%q must be an absolute https URL without fragment (http only for loopback)", u)
		}
	}
	if len(s.Audience) == 0 {
		s.Audience = []string{defaultAudience}
	}
	if !regionPattern.MatchString(s.Region) {
		return hub.FieldError("region", "must be a prefix of a 12-digit ARS")
	}
	if s.MinACR != "" && !slices.Contains([]string{hub.ACRNormal, hub.ACRSubstantial, hub.ACRHigh}, s.MinACR) {
		return hub.FieldError("min_acr", "must be normal, substantial or high")
	}
	return nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// needsSecret reports whether the client authenticates with a shared secret.
func (c *Client) needsSecret() bool {
	return c.AuthMethod == AuthSecretBasic || c.AuthMethod == AuthSecretPost
}

// newSecret returns a fresh client secret of 256 bits, URL-safe.
func newSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// secretHasher hashes client secrets with SHA-256 and compares in constant
// time. The secrets are 256-bit random values made by the server, so a
// slow password hash adds nothing: nobody can guess them, and a stolen hash
// table gives no shortcut to a secret. bcrypt at cost 12 would instead cost
// ~250 ms of CPU per token request and make the token endpoint a DoS lever.
type secretHasher struct{}

var errSecretMismatch = errors.New("client secret mismatch")

// Hash returns SHA-256(data).
func (secretHasher) Hash(_ context.Context, data []byte) ([]byte, error) {
	h := sha256.Sum256(data)
	return h[:], nil
}

// Compare reports whether data hashes to hash, in constant time.
func (secretHasher) Compare(_ context.Context, hash, data []byte) error {
	h := sha256.Sum256(data)
	if subtle.ConstantTimeCompare(h[:], hash) != 1 {
		return errSecretMismatch
	}
	return nil
}

// fositeClient adapts a Client to fosite's client interfaces.
type fositeClient struct{ c *Client }

var _ fosite.OpenIDConnectClient = fositeClient{}

func (f fositeClient) GetID() string                   { return f.c.ID }
func (f fositeClient) GetHashedSecret() []byte         { return f.c.secretHash }
func (f fositeClient) GetRedirectURIs() []string       { return f.c.RedirectURIs }
func (f fositeClient) GetGrantTypes() fosite.Arguments { return f.c.GrantTypes }
func (f fositeClient) GetScopes() fosite.Arguments {
	if slices.Contains(f.c.GrantTypes, GrantAuthorizationCode) && !slices.Contains(f.c.Scopes, "openid") {
		return append(slices.Clone(f.c.Scopes), "openid")
	}
	return f.c.Scopes
}
func (f fositeClient) IsPublic() bool                      { return f.c.AuthMethod == AuthNone }
func (f fositeClient) GetAudience() fosite.Arguments       { return f.c.Audience }
func (f fositeClient) GetRequestURIs() []string            { return nil }
func (f fositeClient) GetJSONWebKeys() *jose.JSONWebKeySet { return f.c.JWKS }
func (f fositeClient) GetJSONWebKeysURI() string           { return "" }
func (f fositeClient) GetRequestObjectSigningAlgorithm() string {
	return "RS256"
}
func (f fositeClient) GetTokenEndpointAuthMethod() string { return f.c.AuthMethod }
func (f fositeClient) GetTokenEndpointAuthSigningAlgorithm() string {
	if f.c.JWKS != nil && len(f.c.JWKS.Keys) > 0 && f.c.JWKS.Keys[0].Algorithm != "" {
		return f.c.JWKS.Keys[0].Algorithm
	}
	return "RS256"
}
func (f fositeClient) GetResponseTypes() fosite.Arguments {
	if slices.Contains(f.c.GrantTypes, GrantAuthorizationCode) {
		return fosite.Arguments{"code"}
	}
	return nil
}
