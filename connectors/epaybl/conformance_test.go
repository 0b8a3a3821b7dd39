package epaybl_test

import (
	"context"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/conformance"
	"github.com/amthub/amthub/connectors/epaybl"
	"github.com/amthub/amthub/connectors/epaybl/sim"
)

func TestConformance(t *testing.T) {
	const timeout = 2 * time.Second
	conformance.Run(t, conformance.Kit[epaybl.Config]{
		Config: func(addr string) epaybl.Config {
			return epaybl.Config{BaseURL: addr, OriginatorID: "amthub", EndPointID: "ep-1", Username: "u", Password: "p", Timeout: timeout}
		},
		Validate: epaybl.Config.Validate,
		Invalid: []conformance.Invalid[epaybl.Config]{
			conformance.Bad("BaseURL", "base URL", func(c *epaybl.Config) { c.BaseURL = "ftp://x" }),
			conformance.Bad("Originator", "originator id", func(c *epaybl.Config) { c.OriginatorID = "a/b" }),
			conformance.Bad("Endpoint", "endpoint id", func(c *epaybl.Config) { c.EndPointID = "" }),
			conformance.Bad("HalfCredentials", "username and password", func(c *epaybl.Config) { c.Password = "" }),
			conformance.Bad("Timeout", "timeout", func(c *epaybl.Config) { c.Timeout = -1 }),
		},
		Simulator: func(t *testing.T) string {
			s, err := sim.New(sim.Config{Username: "u", Password: "p"})
			if err != nil {
				t.Fatal(err)
			}
			return conformance.Serve(t, s)
		},
		Call: func(ctx context.Context, cfg epaybl.Config) error {
			c, err := epaybl.NewClient(cfg, nil)
			if err != nil {
				return err
			}
			_, err = c.CreateTransaction(ctx, req())
			return err
		},
		Timeout: timeout,
	})
}
