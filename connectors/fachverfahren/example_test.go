package fachverfahren_test

import (
	"context"
	"log"

	"github.com/amthub/amthub/connectors/fachverfahren"
	"github.com/amthub/amthub/hub"
)

// A Fachverfahren connects with its own broker credentials, takes each
// submission into its files and answers the hub.
func Example() {
	ctx := context.Background()
	c, err := fachverfahren.DialAMQP(ctx, "amqp://fv-hundesteuer:secret@localhost:5672/", "hundesteuer-musterstadt")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	err = c.Consume(ctx, func(ctx context.Context, s *fachverfahren.Submission) error {
		// Store s idempotently, keyed by s.SubmissionID; an error here
		// hands the submission back for redelivery.
		if err := c.Accept(ctx, s, "HSt-2026-0042"); err != nil {
			return err
		}
		return c.Status(ctx, s, hub.StatusProcessing, "")
	})
	if err != nil {
		log.Fatal(err)
	}
}
