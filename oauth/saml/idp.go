// Package saml is the SAML 2.0 identity provider of amthub: the Web
// Browser SSO profile over the HTTP-Redirect and HTTP-POST bindings, on
// the core IdentityProvider of github.com/crewjam/saml with the hub's own
// store of service providers (registered per tenant by their metadata),
// the citizen's login of the OAuth provider, assertions and responses
// signed with RSA-SHA256, and the hub's levels as eIDAS LoA.
package saml

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	crewsaml "github.com/crewjam/saml"
	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/amthub/amthub/hub"
)

// Login is the citizen logged in with a request.
type Login struct {
	Subject  string // the citizen's account id
	TenantID string
	ACR      string // hub.ACRNormal, hub.ACRSubstantial or hub.ACRHigh
	AuthTime time.Time
}

// Logins is the citizen login the IdP relies on (the OAuth provider's).
type Logins interface {
	// Login returns the citizen logged in with r, or nil.
	Login(r *http.Request) *Login
	// LoginURL is the login page for tenantID at level acr that returns
	// the browser to returnTo (a path of the IdP) afterwards.
	LoginURL(tenantID, acr, returnTo string) string
}

// Cache remembers request IDs (hub/cache).
type Cache interface {
	SetNX(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Config configures the IdP.
type Config struct {
	// BaseURL is the public URL of the hub; the IdP's entity ID is
	// BaseURL + "/saml/metadata".
	BaseURL     string
	Key         *rsa.PrivateKey
	Certificate *x509.Certificate
	// AssertionLifespan is how long an assertion is valid (default 5 minutes).
	AssertionLifespan time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Registry, if set, gets the IdP's metrics.
	Registry prometheus.Registerer
}

// IdP is the SAML 2.0 identity provider.
type IdP struct {
	cfg       Config
	Providers *ServiceProviders
	logins    Logins
	cache     Cache
	logger    *slog.Logger
	idp       *crewsaml.IdentityProvider
	// outcomes counts answered AuthnRequests by outcome.
	outcomes *prometheus.CounterVec
}

// New returns the IdP.
func New(cfg Config, sps *ServiceProviders, logins Logins, c Cache, logger *slog.Logger) (*IdP, error) {
	if cfg.Key == nil || cfg.Certificate == nil || cfg.BaseURL == "" {
		return nil, fmt.Errorf("saml: key, certificate and base URL are required")
	}
	if cfg.AssertionLifespan <= 0 {
		cfg.AssertionLifespan = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	meta, err := url.Parse(cfg.BaseURL + "/saml/metadata")
	if err != nil {
		return nil, fmt.Errorf("saml: base URL: %w", err)
	}
	sso, _ := url.Parse(cfg.BaseURL + "/saml/sso")
	p := &IdP{cfg: cfg, Providers: sps, logins: logins, cache: c, logger: logger,
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "amthub_saml_authn_requests_total",
			Help: "SAML AuthnRequests by outcome: assertion, refused (invalid request), replayed, login (sent to the login page)."},
			[]string{"outcome"})}
	for _, o := range []string{"assertion", "refused", "replayed", "login"} {
		p.outcomes.WithLabelValues(o)
	}
	if cfg.Registry != nil {
		if err := cfg.Registry.Register(p.outcomes); err != nil {
			return nil, fmt.Errorf("saml metrics: %w", err)
		}
	}
	valid := cfg.AssertionLifespan
	p.idp = &crewsaml.IdentityProvider{
		Key: cfg.Key, Signer: cfg.Key, Certificate: cfg.Certificate,
		MetadataURL: *meta, SSOURL: *sso,
		ServiceProviderProvider:      spLookup{sps},
		SessionProvider:              sessions{p},
		AssertionMaker:               assertions{p},
		SignatureMethod:              dsig.RSASHA256SignatureMethod,
		ValidDuration:                &valid,
		EnforceRequestedAuthnContext: true,
		AuthnContextClassStrengths:   loaStrengths,
		NameIDFormats:                []crewsaml.NameIDFormat{crewsaml.PersistentNameIDFormat},
		StrictACSBinding:             true,
		OnError: func(w http.ResponseWriter, _ *http.Request, status int, err error) {
			p.outcomes.WithLabelValues("refused").Inc()
			logger.Info("saml request refused", "status", status, "error", err)
			http.Error(w, http.StatusText(status), status)
		},
	}
	return p, nil
}

// Routes mounts the metadata and the single sign-on endpoint.
func (p *IdP) Routes(r chi.Router) {
	r.Get("/saml/metadata", p.idp.ServeMetadata)
	r.Get("/saml/sso", p.idp.ServeSSO)
	r.Post("/saml/sso", p.idp.ServeSSO)
}

// sessions gives crewjam the citizen's login, or sends the browser to the
// login at the level the service provider asks for (step-up).
type sessions struct{ p *IdP }

func (s sessions) GetSession(w http.ResponseWriter, r *http.Request, req *crewsaml.IdpAuthnRequest) *crewsaml.Session {
	sp, _, err := s.p.Providers.Find(r.Context(), req.ServiceProviderMetadata.EntityID)
	if err != nil {
		http.Error(w, "Dienst unbekannt", http.StatusBadRequest)
		return nil
	}
	need := requiredACR(req.Request.RequestedAuthnContext)
	l := s.p.logins.Login(r)
	if l == nil || l.TenantID != sp.TenantID || !hub.ACRAtLeast(l.ACR, need) || req.Request.ForceAuthn != nil && *req.Request.ForceAuthn {
		if req.Request.IsPassive != nil && *req.Request.IsPassive {
			_ = s.p.idp.SendErrorResponse(w, req, &crewsaml.StatusError{
				TopLevel: crewsaml.StatusResponder, SecondLevel: crewsaml.StatusNoPassive})
			return nil
		}
		ret := "/saml/sso?" + r.URL.RawQuery
		if r.Method != http.MethodGet {
			ret = redirectReturn(req.RequestBuffer, req.RelayState)
		}
		s.p.outcomes.WithLabelValues("login").Inc()
		http.Redirect(w, r, s.p.logins.LoginURL(sp.TenantID, need, ret), http.StatusSeeOther)
		return nil
	}
	now := s.p.cfg.Now().UTC()
	return &crewsaml.Session{
		ID: hub.NewID(), CreateTime: l.AuthTime, ExpireTime: now.Add(s.p.cfg.AssertionLifespan),
		Index: hub.NewID(), NameID: l.Subject, NameIDFormat: string(crewsaml.PersistentNameIDFormat),
		AuthnContextClassRef: loaOf(l.ACR),
	}
}

// assertions makes the assertion after remembering the request's ID, so
// an AuthnRequest (signed or not) is answered once only.
type assertions struct{ p *IdP }

func (a assertions) MakeAssertion(req *crewsaml.IdpAuthnRequest, s *crewsaml.Session) error {
	ctx := req.HTTPRequest.Context()
	fresh, err := a.p.cache.SetNX(ctx, "saml:authnrequest:"+req.ServiceProviderMetadata.EntityID+" "+req.Request.ID,
		crewsaml.MaxIssueDelay+crewsaml.MaxClockSkew)
	if err != nil {
		return fmt.Errorf("remember authn request: %w", err)
	}
	if !fresh {
		a.p.outcomes.WithLabelValues("replayed").Inc()
		return &crewsaml.StatusError{TopLevel: crewsaml.StatusRequester, SecondLevel: crewsaml.StatusRequestDenied}
	}
	if err := (crewsaml.DefaultAssertionMaker{}).MakeAssertion(req, s); err != nil {
		return err
	}
	a.p.outcomes.WithLabelValues("assertion").Inc()
	a.p.logger.Info("saml assertion issued", "sp", req.ServiceProviderMetadata.EntityID, "loa", s.AuthnContextClassRef)
	return nil
}
