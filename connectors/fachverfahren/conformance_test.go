package fachverfahren_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/conformance"
	"github.com/amthub/amthub/connectors/fachverfahren"
	"github.com/amthub/amthub/connectors/fachverfahren/fvtest"
	"github.com/amthub/amthub/hub"
)

// brokerConfig is what a Fachverfahren needs to reach the hub: the
// broker's URL and its Config.
type brokerConfig struct {
	URL string
	fachverfahren.Config
}

// TestConformance runs the kit over RabbitMQ: the peer is the hub's side of
// the broker (fvtest), where the destination's queue is declared; the call
// connects a client and sends an accept reply, as the simulator does.
func TestConformance(t *testing.T) {
	const timeout = 2 * time.Second
	dest := hub.NewID()      // the simulator's destination once it runs
	var peer *fvtest.Backend // the simulator, once it runs
	amqpURL := func(hostport string) string { return "amqp://guest:guest@" + hostport + "/" }
	conformance.Run(t, conformance.Kit[brokerConfig]{
		Config: func(addr string) brokerConfig {
			return brokerConfig{URL: addr, Config: fachverfahren.Config{DestinationID: dest}}
		},
		Validate: func(c brokerConfig) error { return c.Validate() },
		Invalid: []conformance.Invalid[brokerConfig]{
			conformance.Bad("NoDestination", "destination id is required", func(c *brokerConfig) { c.DestinationID = "" }),
			conformance.Bad("DestinationWithDot", "destination id", func(c *brokerConfig) { c.DestinationID = "a.b" }),
			conformance.Bad("Concurrency", "concurrency", func(c *brokerConfig) { c.Concurrency = -1 }),
			conformance.Bad("Subscriptions", "more than concurrency", func(c *brokerConfig) { c.Concurrency, c.Subscriptions = 2, 3 }),
		},
		Simulator: func(t *testing.T) string {
			peer = fvtest.NewAMQP(t)
			dest = peer.DestinationID
			return peer.URL
		},
		Call: func(ctx context.Context, cfg brokerConfig) error {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			c, err := fachverfahren.DialAMQPConfig(ctx, cfg.URL, cfg.Config, nil)
			if err != nil {
				return err
			}
			defer c.Close()
			sub := &fachverfahren.Submission{Tenant: hub.NewID(),
				SubmissionMessage: hub.SubmissionMessage{SubmissionID: hub.NewID(), CaseID: hub.NewID()}}
			if err := c.Accept(ctx, sub, "AZ-1"); err != nil || peer == nil || cfg.URL != peer.URL {
				return err
			}
			for { // the hub's side must see the reply
				select {
				case r := <-peer.Replies:
					if r.Body.SubmissionID == sub.SubmissionID {
						return nil
					}
				case <-ctx.Done():
					return fmt.Errorf("the accept reply did not reach the hub's side: %w", ctx.Err())
				}
			}
		},
		Timeout: timeout,
		Down:    func(t *testing.T) string { return amqpURL(conformance.ClosedTCP(t)) },
		Garbage: func(t *testing.T) string { return amqpURL(conformance.NonsenseTCP(t)) },
		Hang:    func(t *testing.T) string { return amqpURL(conformance.SilentTCP(t)) },
		// A Fachverfahren is not the hub: it retries what failed on the
		// network or ran out of time, and reports the rest.
		Retriable: func(err error) bool {
			var ne net.Error
			return errors.As(err, &ne) || conformance.IsContext(err)
		},
	})
}
