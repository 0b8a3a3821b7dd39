package fachverfahren_test

import (
	"context"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/amthub/amthub/connectors/fachverfahren"
	"github.com/amthub/amthub/connectors/fachverfahren/fvtest"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
)

// TestOtherEvents sends a payment notice to the destination's queue: it
// reaches OnEvent, never the submission handler, and is not redelivered.
func TestOtherEvents(t *testing.T) {
	for _, be := range fvtest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			b := be.New(t)
			events := make(chan *fachverfahren.Event, 4)
			c, err := fachverfahren.New(fachverfahren.Config{DestinationID: b.DestinationID,
				OnEvent: func(_ context.Context, ev *fachverfahren.Event) error { events <- ev; return nil }}, b.Pub, b.Sub, nil)
			if err != nil {
				t.Fatal(err)
			}
			consume(t, c, func(context.Context, *fachverfahren.Submission) error {
				t.Error("a payment notice reached the submission handler")
				return nil
			})
			caseID := hub.NewID()
			msg := message.NewMessage(hub.NewID(), []byte(`{"state":"PAYED"}`))
			msg.Metadata.Set("cloudEvents:type", "de.amthub.payment.v1")
			msg.Metadata.Set("cloudEvents:subject", caseID)
			msg.Metadata.Set(bus.ContentTypeKey, "application/json")
			if err := b.Bus.Publish(bus.Topic(bus.SubmissionsExchange, b.DestinationID), msg); err != nil {
				t.Fatal(err)
			}
			select {
			case ev := <-events:
				if ev.Type != "de.amthub.payment.v1" || ev.CaseID != caseID || string(ev.Data) != `{"state":"PAYED"}` {
					t.Fatalf("event = %+v", ev)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the payment notice did not arrive")
			}
			select {
			case ev := <-events:
				t.Fatalf("the notice came again: %+v", ev)
			case <-time.After(300 * time.Millisecond):
			}
		})
	}
}
