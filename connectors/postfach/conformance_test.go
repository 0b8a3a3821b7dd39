package postfach_test

import (
	"context"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/conformance"
	"github.com/amthub/amthub/connectors/postfach"
	"github.com/amthub/amthub/connectors/postfach/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/mailbox"
)

func TestConformance(t *testing.T) {
	const timeout = 2 * time.Second
	conformance.Run(t, conformance.Kit[postfach.Config]{
		Config: func(addr string) postfach.Config {
			return postfach.Config{BaseURL: addr, Token: "secret", Timeout: timeout}
		},
		Validate: postfach.Config.Validate,
		Invalid: []conformance.Invalid[postfach.Config]{
			conformance.Bad("BaseURL", "base URL", func(c *postfach.Config) { c.BaseURL = "postbox.example" }),
			conformance.Bad("Timeout", "timeout", func(c *postfach.Config) { c.Timeout = -time.Second }),
		},
		Simulator: func(t *testing.T) string {
			return conformance.Serve(t, sim.New(sim.Config{Token: "secret", AcceptAnyMailbox: true}))
		},
		Call: func(ctx context.Context, cfg postfach.Config) error {
			c, err := postfach.NewClient(cfg, nil)
			if err != nil {
				return err
			}
			_, err = c.Deliver(ctx, mailbox.ExternalMessage{MessageID: hub.NewID(), MailboxUUID: "mb-conformance",
				Sender: "Bürgeramt", Title: "Termin", Body: "Ihr Termin ist am Montag.", AssuranceLevel: hub.ACRSubstantial})
			return err
		},
		Timeout: timeout,
	})
}
