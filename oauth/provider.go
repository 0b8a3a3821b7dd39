package oauth

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/token/jwt"

	"github.com/amthub/amthub/hub/citizens"
	"github.com/amthub/amthub/hub/logins"
	"github.com/amthub/amthub/hub/poll"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Provider is the hub's OAuth 2.0 / OpenID Connect authorization server.
// It hands every protocol endpoint to fosite and owns only the storage,
// the policies and the login and consent pages.
type Provider struct {
	// Clients manages registered clients (CLI and admin API).
	Clients *ClientService
	// Citizens holds the citizens' service accounts that log in here: the
	// same accounts, with the same rule, as the portal's login.
	Citizens *citizens.Store
	// Verifier checks access tokens on the hub's resource endpoints.
	Verifier *Verifier
	// Keys holds the signing keys; Rotate makes a new one.
	Keys *KeyStore

	cfg    Config
	db     *sqlstore.DB
	cache  Cache
	logins *logins.Guard // hub/logins' policy for the login form
	logger *slog.Logger
	store  *Store
	oauth  fosite.OAuth2Provider
	pages  *pages
	now    func() time.Time
	// returns are the other login flows that use the login page.
	returns []loginReturn
}

// New builds the authorization server on db (migrated) and c (cache.Memory
// in dev, cache.Redis in serve). It loads or makes the signing keys and
// copies current revocations into the cache.
func New(ctx context.Context, cfg Config, db *sqlstore.DB, c Cache, logger *slog.Logger) (*Provider, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	p := &Provider{cfg: cfg, db: db, cache: c, logins: logins.NewGuard(c, logins.Citizens, logins.Policy{}), logger: logger, now: time.Now}
	p.Keys = newKeyStore(db, cfg, logger)
	if len(cfg.KeyEncryptionKey) == 0 {
		logger.Warn("oauth: no key-encryption key configured; signing keys are stored unencrypted (dev only)")
	}
	if err := p.Keys.ensure(ctx); err != nil {
		return nil, fmt.Errorf("oauth keys: %w", err)
	}
	p.Clients = NewClientService(db, cfg.Audience)
	p.Citizens = citizens.NewStore(db)
	p.store = NewStore(db, p.Clients, c)
	if err := p.store.warmRevocations(ctx); err != nil {
		return nil, err
	}
	p.Verifier = newVerifier(p.Keys, c, cfg, p.now)
	if p.pages, err = newPages(); err != nil {
		return nil, err
	}
	p.oauth = p.compose()
	return p, nil
}

// compose wires fosite with only the flows the hub offers: client
// credentials, authorization code with PKCE (S256 only, enforced for every
// client), refresh with rotation, OpenID Connect (code flow and refresh),
// introspection and revocation. No implicit, hybrid, password or
// JWT-bearer grant.
func (p *Provider) compose() fosite.OAuth2Provider {
	cfg := &fosite.Config{
		AccessTokenLifespan:            p.cfg.AccessTokenLifespan,
		RefreshTokenLifespan:           p.cfg.RefreshTokenLifespan,
		AuthorizeCodeLifespan:          p.cfg.AuthorizeCodeLifespan,
		IDTokenLifespan:                p.cfg.IDTokenLifespan,
		IDTokenIssuer:                  p.cfg.Issuer,
		AccessTokenIssuer:              p.cfg.Issuer,
		TokenURL:                       p.cfg.Issuer + "/oauth2/token",
		GlobalSecret:                   p.Keys.hmacSecret(),
		EnforcePKCE:                    true,
		EnablePKCEPlainChallengeMethod: false,
		ClientSecretsHasher:            secretHasher{},
		RefreshTokenScopes:             []string{}, // every client with the refresh grant gets one
		ScopeStrategy:                  fosite.ExactScopeStrategy,
		AudienceMatchingStrategy:       fosite.ExactAudienceMatchingStrategy,
		SendDebugMessagesToClients:     false,
	}
	signer := &jwt.DefaultSigner{GetPrivateKey: p.Keys.currentKey}
	strategy := &compose.CommonStrategy{
		CoreStrategy: &tokenStrategy{HMACSHAStrategy: compose.NewOAuth2HMACStrategy(cfg), keys: p.Keys,
			verifier: p.Verifier, issuer: p.cfg.Issuer, now: p.now},
		OpenIDConnectTokenStrategy: compose.NewOpenIDConnectStrategy(p.Keys.currentKey, cfg),
		Signer:                     signer,
	}
	return compose.Compose(cfg, p.store, strategy,
		compose.OAuth2ClientCredentialsGrantFactory,
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2PKCEFactory,
		compose.OAuth2RefreshTokenGrantFactory,
		compose.OpenIDConnectExplicitFactory,
		compose.OpenIDConnectRefreshFactory,
		compose.OAuth2TokenIntrospectionFactory,
		compose.OAuth2TokenRevocationFactory,
	)
}

// Run rotates the signing key when it is due and reloads keys rotated by
// other hub processes, until ctx ends. Start it once per process.
func (p *Provider) Run(ctx context.Context) error {
	poll.Loop(ctx, 5*time.Minute, func(ctx context.Context) bool {
		if err := p.Keys.ensure(ctx); err != nil && ctx.Err() == nil {
			p.logger.Error("oauth: key maintenance", "error", err)
		}
		return false
	})
	return nil
}
