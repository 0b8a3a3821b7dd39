package fitconnect_test

import (
	"context"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/conformance"
	"github.com/amthub/amthub/connectors/fitconnect"
	"github.com/amthub/amthub/connectors/fitconnect/fctest"
	"github.com/amthub/amthub/connectors/fitconnect/sim"
	"github.com/amthub/amthub/hub"
)

// TestConformance runs the kit: the representative call is what every
// forwarded submission starts with, a token and the destination's
// encryption key, checked against the trust anchor.
func TestConformance(t *testing.T) {
	const timeout = 2 * time.Second
	keys := fctest.Keys(t)
	dest := hub.NewID() // the simulator's, once it runs
	conformance.Run(t, conformance.Kit[fitconnect.Config]{
		Config: func(addr string) fitconnect.Config {
			return fitconnect.Config{DestinationID: "fv-demo", FITDestinationID: dest, ClientID: "sender", ClientSecret: "secret",
				TokenURL: addr + "/token", SubmissionURL: addr, TrustAnchor: keys.TrustAnchorPEM(), Timeout: timeout}
		},
		Validate: fitconnect.Config.Validate,
		Invalid: []conformance.Invalid[fitconnect.Config]{
			conformance.Bad("NoDestination", "destination id", func(c *fitconnect.Config) { c.DestinationID = "" }),
			conformance.Bad("DestinationWithDot", "destination id", func(c *fitconnect.Config) { c.DestinationID = "a.b" }),
			conformance.Bad("FITDestinationNotUUID", "FIT-Connect destination id", func(c *fitconnect.Config) { c.FITDestinationID = "dest-1" }),
			conformance.Bad("NoSecret", "client secret", func(c *fitconnect.Config) { c.ClientSecret = "" }),
			conformance.Bad("TokenURL", "token URL", func(c *fitconnect.Config) { c.TokenURL = "ftp://x/token" }),
			conformance.Bad("SubmissionURL", "submission API URL", func(c *fitconnect.Config) { c.SubmissionURL = "" }),
			conformance.Bad("NoTrustAnchor", "trust anchor", func(c *fitconnect.Config) { c.TrustAnchor = nil }),
			conformance.Bad("TrustAnchorNotPEM", "trust anchor", func(c *fitconnect.Config) { c.TrustAnchor = []byte("-----BEGIN nothing") }),
			conformance.Bad("NegativeTimeout", "timeout", func(c *fitconnect.Config) { c.Timeout = -time.Second }),
			conformance.Bad("RetryBounds", "retry min", func(c *fitconnect.Config) { c.RetryMin, c.RetryMax = time.Minute, time.Second }),
		},
		Simulator: func(t *testing.T) string {
			s := fctest.NewSim(t, sim.Config{ClientID: "sender", ClientSecret: "secret"})
			dest = s.DestinationID()
			return s.URL
		},
		Call: func(ctx context.Context, cfg fitconnect.Config) error {
			api, err := fitconnect.NewAPI(cfg, nil)
			if err != nil {
				return err
			}
			_, err = api.EncryptionKey(ctx)
			return err
		},
		Timeout: timeout,
	})
}
