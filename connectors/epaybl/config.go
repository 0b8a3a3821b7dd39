// Package epaybl is the connector to payment providers that implement the
// OZG payment standard XBezahldienste, such as ePayBL: it creates payment
// transactions (POST /paymenttransaction/{originatorId}/{endPointId}) and
// reads their status (GET …/{transactionId}). The standard has no push, so
// the hub (package payments) polls through this client. The simulator in
// package sim speaks the same protocol.
package epaybl

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"time"
)

// pathSegment is what an originator or endpoint id may contain: it travels
// in the URL path.
var pathSegment = regexp.MustCompile(`^[A-Za-z0-9._~-]{1,128}$`)

// Config configures a Client. BaseURL, OriginatorID and EndPointID are
// required; the rest has defaults.
type Config struct {
	// BaseURL is the provider's XBezahldienste API root, without the
	// /paymenttransaction path.
	BaseURL string
	// OriginatorID identifies the portal (Bewirtschafter) at the provider.
	OriginatorID string
	// EndPointID identifies the payment endpoint (Mandant/Verfahren).
	EndPointID string
	// Username and Password, when set, authenticate with HTTP basic auth.
	Username, Password string
	// Timeout bounds one call to the provider. Default 10 s.
	Timeout time.Duration
}

// Validate reports whether the configuration can work.
func (c Config) Validate() error {
	var errs []error
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		errs = append(errs, fmt.Errorf("base URL %q: want an absolute http(s) URL", c.BaseURL))
	}
	if !pathSegment.MatchString(c.OriginatorID) {
		errs = append(errs, fmt.Errorf("originator id %q: want 1-128 URL-safe characters", c.OriginatorID))
	}
	if !pathSegment.MatchString(c.EndPointID) {
		errs = append(errs, fmt.Errorf("endpoint id %q: want 1-128 URL-safe characters", c.EndPointID))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s: must not be negative", c.Timeout))
	}
	if (c.Username == "") != (c.Password == "") {
		errs = append(errs, errors.New("username and password: set both or neither"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("epaybl config: %w", err)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	return c
}
