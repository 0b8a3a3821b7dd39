package fachverfahren_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/amthub/amthub/connectors/fachverfahren"
	"github.com/amthub/amthub/connectors/fachverfahren/fvtest"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
)

// TestPoisonMessageDeadLettered: a message that cannot be decoded is handed
// back until the queue's delivery limit moves it to the dead-letter queue.
func TestPoisonMessageDeadLettered(t *testing.T) {
	b := fvtest.NewAMQP(t)
	c := newClient(t, b)
	consume(t, c, func(context.Context, *fachverfahren.Submission) error {
		t.Error("handler called for an undecodable message")
		return nil
	})
	msg := message.NewMessage(hub.NewID(), []byte(`{"submissionId":`))
	msg.Metadata.Set(hub.HeaderTenant, "tenant-a")
	if err := b.Bus.Publish(bus.Topic(bus.SubmissionsExchange, b.DestinationID), msg); err != nil {
		t.Fatal(err)
	}

	conn, err := amqp.Dial(b.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	dlq := bus.DeadLetterQueue(bus.DestinationQueue(b.DestinationID))
	deadline := time.Now().Add(20 * time.Second)
	for {
		q, err := ch.QueueDeclarePassive(dlq, true, false, false, false, nil)
		if err != nil {
			t.Fatalf("inspect %s: %v", dlq, err)
		}
		if q.Messages == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %d messages, want 1", dlq, q.Messages)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestDialAMQP(t *testing.T) {
	b := fvtest.NewAMQP(t)
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		c, err := fachverfahren.DialAMQP(ctx, b.URL, b.DestinationID)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrUnknownDestination", func(t *testing.T) {
		_, err := fachverfahren.DialAMQP(ctx, b.URL, hub.NewID())
		if err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Fatalf("got %v, want an error saying the queue does not exist", err)
		}
	})
}
