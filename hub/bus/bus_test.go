package bus_test

import (
	"context"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/hubtest"
)

// TestRoundTrip publishes to a destination and consumes its queue through
// the same Bus, on RabbitMQ and in process: payload, CloudEvents headers,
// content type and routing key arrive intact.
func TestRoundTrip(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	amqpBus, err := bus.NewAMQP(ctx, bus.AMQPConfig{URL: hubtest.AMQPURL(t)}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	defer amqpBus.Close()
	local := bus.NewLocal(watermill.NopLogger{})
	defer local.Close()
	for name, b := range map[string]bus.Bus{"amqp": amqpBus, "local": local} {
		t.Run(name, func(t *testing.T) {
			dest := hub.NewID()
			if err := b.DeclareDestination(ctx, dest); err != nil {
				t.Fatal(err)
			}
			if name == "amqp" {
				t.Cleanup(func() { hubtest.DeleteQueues(t, hubtest.AMQPURL(t), bus.DestinationQueue(dest)) })
			}
			msgs, err := b.Subscribe(ctx, bus.DestinationQueue(dest))
			if err != nil {
				t.Fatal(err)
			}
			out := message.NewMessage(hub.NewID(), []byte(`{"a":1}`))
			out.Metadata.Set("cloudEvents:type", hub.EventTypeSubmission)
			out.Metadata.Set(bus.ContentTypeKey, "application/json")
			if err := b.Publish(bus.Topic(bus.SubmissionsExchange, dest), out); err != nil {
				t.Fatal(err)
			}
			select {
			case in := <-msgs:
				in.Ack()
				if in.UUID != out.UUID || string(in.Payload) != `{"a":1}` {
					t.Fatalf("got %s %s", in.UUID, in.Payload)
				}
				for k, want := range map[string]string{"cloudEvents:type": hub.EventTypeSubmission,
					bus.ContentTypeKey: "application/json", bus.RoutingKeyKey: dest} {
					if got := in.Metadata.Get(k); got != want {
						t.Errorf("metadata %s = %q, want %q", k, got, want)
					}
				}
			case <-ctx.Done():
				t.Fatal("message not delivered")
			}
		})
	}
}
