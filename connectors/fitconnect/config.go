package fitconnect

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"time"

	"github.com/google/uuid"
)

// destinationIDPattern is what may name an amthub destination (its queue
// is fv.<id>).
var destinationIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// Config configures the outbound connector of one amthub destination of
// kind fitconnect. Durations left zero take the defaults given.
type Config struct {
	// DestinationID is the amthub destination whose queue fv.<id> the
	// connector consumes. Required.
	DestinationID string
	// FITDestinationID is the FIT-Connect destination (a UUID) the
	// submissions go to. Required.
	FITDestinationID string
	// ClientID and ClientSecret are the sender's OAuth client at
	// FIT-Connect. Required.
	ClientID, ClientSecret string
	// TokenURL is FIT-Connect's OAuth token endpoint. Required.
	TokenURL string
	// SubmissionURL is the base URL of FIT-Connect's Submission API.
	// Required.
	SubmissionURL string
	// Scope is the scope asked for, e.g. "send:region:DE14"; empty: what
	// the OAuth server grants the client.
	Scope string
	// TrustAnchor holds the root certificates (PEM) the destination's
	// keys must chain to. Required.
	TrustAnchor []byte
	// Timeout bounds one call to FIT-Connect. Default 10s.
	Timeout time.Duration
	// PollInterval is how often the connector looks for work: due
	// retries and new events of submitted cases. Default 5s.
	PollInterval time.Duration
	// RetryMin and RetryMax bound the wait after a failed step, doubling
	// from RetryMin. Defaults 1s and 5m.
	RetryMin, RetryMax time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Validate reports whether the configuration can work, naming every field
// at fault.
func (c Config) Validate() error {
	var errs []error
	if !destinationIDPattern.MatchString(c.DestinationID) {
		errs = append(errs, fmt.Errorf("destination id %q: want 1-128 letters, digits, '-' or '_'", c.DestinationID))
	}
	if _, err := uuid.Parse(c.FITDestinationID); err != nil || len(c.FITDestinationID) != 36 {
		errs = append(errs, fmt.Errorf("FIT-Connect destination id %q: want a UUID", c.FITDestinationID))
	}
	if c.ClientID == "" || c.ClientSecret == "" {
		errs = append(errs, errors.New("client id and client secret are required"))
	}
	for name, raw := range map[string]string{"token URL": c.TokenURL, "submission API URL": c.SubmissionURL} {
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q: want an http(s) URL", name, raw))
		}
	}
	if _, err := c.roots(); err != nil {
		errs = append(errs, err)
	}
	for name, d := range map[string]time.Duration{"timeout": c.Timeout, "poll interval": c.PollInterval,
		"retry min": c.RetryMin, "retry max": c.RetryMax} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s %s: must not be negative", name, d))
		}
	}
	if c.RetryMin > 0 && c.RetryMax > 0 && c.RetryMin > c.RetryMax {
		errs = append(errs, fmt.Errorf("retry min %s: more than retry max %s", c.RetryMin, c.RetryMax))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("fitconnect config: %w", err)
	}
	return nil
}

// roots parses the trust anchor.
func (c Config) roots() (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if len(c.TrustAnchor) == 0 || !pool.AppendCertsFromPEM(c.TrustAnchor) {
		return nil, errors.New("trust anchor: want at least one PEM certificate")
	}
	return pool, nil
}

func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	if c.PollInterval == 0 {
		c.PollInterval = 5 * time.Second
	}
	if c.RetryMin == 0 {
		c.RetryMin = time.Second
	}
	if c.RetryMax == 0 {
		c.RetryMax = 5 * time.Minute
	}
	if c.RetryMax < c.RetryMin {
		c.RetryMax = c.RetryMin
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}
