package register_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/conformance"
	"github.com/amthub/amthub/connectors/register"
	"github.com/amthub/amthub/connectors/register/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/registers"
)

func TestConformance(t *testing.T) {
	// The register client has no timeout of its own: the register service
	// bounds every query (AMTHUB_REGISTER_TIMEOUT), and so does Call.
	const timeout = 2 * time.Second
	conformance.Run(t, conformance.Kit[register.Config]{
		Config: func(addr string) register.Config {
			return register.Config{Register: registers.Trade, BaseURL: addr}
		},
		Validate: register.Config.Validate,
		Invalid: []conformance.Invalid[register.Config]{
			conformance.Bad("Register", `register "vehicles"`, func(c *register.Config) { c.Register = "vehicles" }),
			conformance.Bad("BaseURL", "base URL", func(c *register.Config) { c.BaseURL = "" }),
			conformance.Bad("BothTransports", "not both", func(c *register.Config) { c.Queue = "register.trade" }),
		},
		Simulator: func(t *testing.T) string {
			s, err := sim.New(sim.Config{Size: 10})
			if err != nil {
				t.Fatal(err)
			}
			return conformance.Serve(t, s)
		},
		Call: func(ctx context.Context, cfg register.Config) error {
			c, err := register.NewClient(cfg, nil)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			res, err := c.Query(ctx, registers.Request{QueryID: hub.NewID(), LegalBasis: "§ 9 HGB", Purpose: "conformance",
				Requester: "conformance", Params: map[string]string{"registerNumber": "HRB 12345"}})
			if err == nil && !res.Found {
				t.Errorf("the simulator's demo company was not found")
			}
			return err
		},
		Timeout: timeout,
		// A query past its deadline returns the deadline as such: the
		// register service turns it into 503 register_timeout.
		Retriable: func(err error) bool {
			return hub.ErrorCode(err) == hub.EUNAVAILABLE || errors.Is(err, context.DeadlineExceeded)
		},
	})
}
