package oauth

import (
	"encoding/json"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
)

// Routes mounts the OAuth 2.0 and OpenID Connect endpoints, the discovery
// documents, the JWKS and the login and consent pages on r.
func (p *Provider) Routes(r chi.Router) {
	r.Get("/.well-known/openid-configuration", p.discovery)
	r.Get("/.well-known/oauth-authorization-server", p.discovery)
	r.Get("/.well-known/jwks.json", p.jwks)
	r.Get("/oauth2/auth", p.authorize)
	r.Post("/oauth2/auth", p.authorize)
	r.Post("/oauth2/token", p.token)
	r.Post("/oauth2/introspect", p.introspect)
	r.Post("/oauth2/revoke", p.revoke)
	r.Get("/oauth2/login", p.loginForm)
	r.Post("/oauth2/login", p.loginSubmit(false))
	if p.cfg.DevLogin {
		r.Post("/oauth2/login/eid", p.loginSubmit(true))
	}
}

// Metadata is the authorization server's metadata (RFC 8414, OpenID
// Connect Discovery 1.0).
type Metadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	IntrospectionEndpoint             string   `json:"introspection_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgs      []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	IntrospectionAuthMethodsSupported []string `json:"introspection_endpoint_auth_methods_supported"`
	RevocationAuthMethodsSupported    []string `json:"revocation_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	ACRValuesSupported                []string `json:"acr_values_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	UILocalesSupported                []string `json:"ui_locales_supported"`
	AuthorizationResponseIssParam     bool     `json:"authorization_response_iss_parameter_supported"`
}

// Metadata returns the discovery document.
func (p *Provider) Metadata() Metadata {
	iss := p.cfg.Issuer
	auth := []string{AuthSecretBasic, AuthSecretPost, AuthPrivateKeyJWT}
	return Metadata{
		Issuer: iss, AuthorizationEndpoint: iss + "/oauth2/auth", TokenEndpoint: iss + "/oauth2/token",
		JWKSURI: iss + "/.well-known/jwks.json", IntrospectionEndpoint: iss + "/oauth2/introspect",
		RevocationEndpoint: iss + "/oauth2/revoke", ScopesSupported: knownScopes,
		ResponseTypesSupported: []string{"code"}, ResponseModesSupported: []string{"query"},
		GrantTypesSupported:               []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials},
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  []string{string(signingAlg)},
		TokenEndpointAuthMethodsSupported: append(auth, AuthNone),
		TokenEndpointAuthSigningAlgs:      []string{"RS256", "ES256"},
		IntrospectionAuthMethodsSupported: []string{AuthSecretBasic},
		RevocationAuthMethodsSupported:    auth,
		CodeChallengeMethodsSupported:     []string{"S256"},
		ACRValuesSupported:                []string{hub.ACRNormal, hub.ACRSubstantial, hub.ACRHigh},
		ClaimsSupported:                   []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "acr", "tenant", "client_id", "scope", "region"},
		UILocalesSupported:                []string{"de"},
	}
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, p.Metadata(), "public, max-age=300")
}

func (p *Provider) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, p.Keys.JWKS(), "public, max-age=300")
}

func writeJSON(w http.ResponseWriter, status int, v any, cacheControl string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", cacheControl)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
