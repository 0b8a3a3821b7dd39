package bus_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/hubtest"
)

type deadLetterBus interface {
	bus.Bus
	bus.DeadLetters
}

// TestDeadLetters: a message its consumer hands back as often as the
// delivery limit lands in the destination's dead-letter queue, on RabbitMQ
// and in process alike; it can be listed (without its payload), replayed
// to the destination's queue, where it arrives again, and discarded.
func TestDeadLetters(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	amqpBus, err := bus.NewAMQP(ctx, bus.AMQPConfig{URL: hubtest.AMQPURL(t)}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	defer amqpBus.Close()
	local := bus.NewLocal(watermill.NopLogger{})
	defer local.Close()
	for name, b := range map[string]deadLetterBus{"amqp": amqpBus, "local": local} {
		t.Run(name, func(t *testing.T) {
			dest := hub.NewID()
			if err := b.DeclareDestination(ctx, dest); err != nil {
				t.Fatal(err)
			}
			if name == "amqp" {
				t.Cleanup(func() { hubtest.DeleteQueues(t, hubtest.AMQPURL(t), bus.DestinationQueue(dest)) })
			}
			if got, err := b.ListDeadLetters(ctx, dest, 10); err != nil || len(got) != 0 {
				t.Fatalf("fresh destination: %+v, %v", got, err)
			}
			// The consumer refuses everything until accept is set.
			sub, cancelSub := context.WithCancel(ctx)
			defer cancelSub()
			msgs, err := b.Subscribe(sub, bus.DestinationQueue(dest))
			if err != nil {
				t.Fatal(err)
			}
			accepted := make(chan *message.Message, 4)
			accept := make(chan struct{})
			go func() {
				for m := range msgs {
					select {
					case <-accept:
						m.Ack()
						accepted <- m
					default:
						m.Nack()
					}
				}
			}()

			poison := publish(t, b, dest, `{"name":"Erika Mustermann"}`)
			dl := waitDeadLetters(t, b, dest, 1)[0]
			if dl.ID != poison.UUID || dl.Reason != "delivery_limit" || dl.Queue != bus.DestinationQueue(dest) ||
				dl.Size != len(poison.Payload) || dl.Tenant != "tenant-a" || dl.Submission != "sub-1" ||
				dl.CloudEvents["type"] != hub.EventTypeSubmission || dl.CloudEvents["subject"] != "case-1" ||
				dl.ContentType != "application/json" || dl.Deaths != 1 || dl.DiedAt.IsZero() {
				t.Fatalf("dead letter = %+v", dl)
			}
			for k, v := range dl.Headers {
				if strings.HasPrefix(k, "x-") || strings.Contains(v, "Mustermann") {
					t.Fatalf("header %s=%q: broker bookkeeping or payload in the headers", k, v)
				}
			}
			if err := b.ReplayDeadLetter(ctx, dest, "no-such-id"); hub.ErrorCode(err) != hub.ENOTFOUND {
				t.Fatalf("replay unknown: %v", err)
			}
			if got := waitDeadLetters(t, b, dest, 1); got[0].ID != poison.UUID {
				t.Fatalf("the listing and the failed replay lost the dead letter: %+v", got)
			}

			close(accept)
			if err := b.ReplayDeadLetter(ctx, dest, poison.UUID); err != nil {
				t.Fatal(err)
			}
			select {
			case m := <-accepted:
				if m.UUID != poison.UUID || string(m.Payload) != string(poison.Payload) ||
					m.Metadata.Get(hub.HeaderSubmission) != "sub-1" || m.Metadata.Get("cloudEvents:subject") != "case-1" {
					t.Fatalf("replayed message = %s %v %s", m.UUID, m.Metadata, m.Payload)
				}
			case <-ctx.Done():
				t.Fatal("the replayed message did not arrive")
			}
			waitDeadLetters(t, b, dest, 0)

			// Discard: a second poison message, refused by a consumer that
			// no longer accepts, goes for good.
			cancelSub()
			msgs2, err := b.Subscribe(ctx, bus.DestinationQueue(dest))
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				for m := range msgs2 {
					m.Nack()
				}
			}()
			second := publish(t, b, dest, `{}`)
			waitDeadLetters(t, b, dest, 1)
			if err := b.DiscardDeadLetter(ctx, dest, second.UUID); err != nil {
				t.Fatal(err)
			}
			waitDeadLetters(t, b, dest, 0)
			if err := b.DiscardDeadLetter(ctx, dest, second.UUID); hub.ErrorCode(err) != hub.ENOTFOUND {
				t.Fatalf("discard twice: %v", err)
			}
		})
	}
}

func publish(t *testing.T, b bus.Bus, dest, payload string) *message.Message {
	t.Helper()
	m := message.NewMessage(hub.NewID(), []byte(payload))
	for k, v := range map[string]string{"cloudEvents:id": m.UUID, "cloudEvents:type": hub.EventTypeSubmission,
		"cloudEvents:subject": "case-1", bus.ContentTypeKey: "application/json", hub.HeaderTenant: "tenant-a",
		hub.HeaderSubmission: "sub-1"} {
		m.Metadata.Set(k, v)
	}
	if err := b.Publish(bus.Topic(bus.SubmissionsExchange, dest), m); err != nil {
		t.Fatal(err)
	}
	return m
}

// waitDeadLetters waits until the destination has n dead letters.
func waitDeadLetters(t *testing.T, b bus.DeadLetters, dest string, n int) []bus.DeadLetter {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := b.ListDeadLetters(context.Background(), dest, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d dead letters, want %d: %+v", len(got), n, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
