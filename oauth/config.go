package oauth

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/amthub/amthub/hub/cache"
)

// Config configures the authorization server. The zero value plus an
// Issuer works for `amthub dev`; Validate fills in the defaults.
type Config struct {
	// Issuer is the public base URL of the hub ("https://hub.example"):
	// the iss of every token and the prefix of every endpoint.
	Issuer string
	// Audience is the aud that resource endpoints of the hub accept and the
	// default audience of new clients. Default: Issuer + "/api".
	Audience string
	// AccessTokenLifespan defaults to 15 minutes (FIT-Connect allows ≤ 30).
	AccessTokenLifespan time.Duration
	// RefreshTokenLifespan defaults to 30 days.
	RefreshTokenLifespan time.Duration
	// AuthorizeCodeLifespan defaults to 1 minute.
	AuthorizeCodeLifespan time.Duration
	// IDTokenLifespan defaults to 15 minutes.
	IDTokenLifespan time.Duration
	// LoginLifespan is how long a citizen's login cookie lasts; default 30 minutes.
	LoginLifespan time.Duration
	// KeyRotation is the age after which a new signing key is made; the old
	// one stays published until every token it signed has expired.
	// Default 30 days.
	KeyRotation time.Duration
	// KeyEncryptionKey (32 bytes) encrypts the private signing keys and the
	// HMAC secret at rest with AES-256-GCM. Required in production; when
	// empty (dev), keys are stored unencrypted and a warning is logged.
	KeyEncryptionKey []byte
	// DevLogin enables the test eID login (acr "high") for `amthub dev`.
	// Never set it in production.
	DevLogin bool
	// TokenLimitPerClient and TokenLimitPerIP bound requests to the token
	// endpoint; defaults 600/min per client and 1200/min per IP.
	TokenLimitPerClient cache.Limit
	TokenLimitPerIP     cache.Limit
}

// withDefaults returns c with every unset field defaulted, or an error for
// a field that can't be defaulted.
func (c Config) withDefaults() (Config, error) {
	u, err := url.Parse(c.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return c, fmt.Errorf("oauth config: issuer %q must be an absolute http(s) URL without query", c.Issuer)
	}
	c.Issuer = strings.TrimSuffix(c.Issuer, "/")
	if c.Audience == "" {
		c.Audience = c.Issuer + "/api"
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.AccessTokenLifespan, 15*time.Minute)
	def(&c.RefreshTokenLifespan, 30*24*time.Hour)
	def(&c.AuthorizeCodeLifespan, time.Minute)
	def(&c.IDTokenLifespan, 15*time.Minute)
	def(&c.LoginLifespan, 30*time.Minute)
	def(&c.KeyRotation, 30*24*time.Hour)
	if n := len(c.KeyEncryptionKey); n != 0 && n != 32 {
		return c, fmt.Errorf("oauth config: key encryption key must be 32 bytes, got %d", n)
	}
	lim := func(l *cache.Limit, v cache.Limit) {
		if l.Rate <= 0 || l.Period <= 0 {
			*l = v
		}
		if l.Burst <= 0 {
			l.Burst = l.Rate
		}
	}
	lim(&c.TokenLimitPerClient, cache.PerMinute(600))
	lim(&c.TokenLimitPerIP, cache.PerMinute(1200))
	return c, nil
}

// secureCookies reports whether cookies get the Secure flag: always,
// except for a plain-http issuer in development.
func (c Config) secureCookies() bool { return strings.HasPrefix(c.Issuer, "https://") }
