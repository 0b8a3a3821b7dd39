// Package fvtest helps tests of Fachverfahren code: a destination on the
// real RabbitMQ or on the in-process bus, a submission published the way
// the hub publishes it, and a tap on the replies of one destination.
package fvtest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/amthub/amthub/connectors/fachverfahren"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/hubtest"
)

// Backend is a bus a test runs on, with a fresh destination declared.
type Backend struct {
	// Bus is the hub's side: publish submissions here.
	Bus bus.Bus
	// Pub and Sub are the Fachverfahren's side: on RabbitMQ its own
	// connection (fachverfahren.AMQPPubSub), in process the same bus.
	Pub           message.Publisher
	Sub           message.Subscriber
	DestinationID string
	// URL is the broker's URL; empty in process.
	URL string
	// Replies receives every reply published for the destination.
	Replies <-chan Reply
}

// Reply is a reply as it arrived.
type Reply struct {
	RoutingKey  string
	MessageID   string            // the message-id property / message UUID
	ContentType string            // the content-type property
	Headers     map[string]string // application headers, as text
	Body        hub.ReplyMessage
}

// NewAMQP connects to the test RabbitMQ, declares a unique destination and
// a temporary queue bound to its replies; queues go when the test ends.
func NewAMQP(t testing.TB) *Backend {
	t.Helper()
	url := hubtest.AMQPURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := bus.NewAMQP(ctx, bus.AMQPConfig{URL: url}, watermill.NopLogger{})
	if err != nil {
		t.Fatalf("amqp bus: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	dest := hub.NewID()
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatalf("dial amqp: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Cleanup(func() { hubtest.DeleteQueues(t, url, bus.DestinationQueue(dest)) })
	if err := b.DeclareDestination(ctx, dest); err != nil {
		t.Fatalf("declare destination: %v", err)
	}
	pub, sub, err := fachverfahren.AMQPPubSub(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close(); pub.Close() })
	return &Backend{Bus: b, Pub: pub, Sub: sub, DestinationID: dest, URL: url, Replies: tapAMQP(t, conn, dest)}
}

// tapAMQP binds an exclusive, auto-deleted queue to the destination's
// replies, apart from the hub's own reply queue.
func tapAMQP(t testing.TB, conn *amqp.Connection, dest string) <-chan Reply {
	t.Helper()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatalf("tap replies: %v", err)
	}
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatalf("tap replies: declare: %v", err)
	}
	if err := ch.QueueBind(q.Name, dest+".#", bus.RepliesExchange, false, nil); err != nil {
		t.Fatalf("tap replies: bind: %v", err)
	}
	ds, err := ch.Consume(q.Name, "", true, true, false, false, nil)
	if err != nil {
		t.Fatalf("tap replies: consume: %v", err)
	}
	out := make(chan Reply, 256)
	go func() {
		defer close(out)
		for d := range ds {
			r := Reply{RoutingKey: d.RoutingKey, MessageID: d.MessageId, ContentType: d.ContentType, Headers: map[string]string{}}
			for k, v := range d.Headers {
				r.Headers[k], _ = v.(string)
			}
			if err := json.Unmarshal(d.Body, &r.Body); err != nil {
				t.Errorf("tap replies: decode: %v", err)
			}
			out <- r
		}
	}()
	return out
}

// NewLocal returns the in-process bus with a unique destination declared
// and its replies tapped.
func NewLocal(t testing.TB) *Backend {
	t.Helper()
	b := bus.NewLocal(watermill.NopLogger{})
	t.Cleanup(func() { b.Close() })
	dest := hub.NewID()
	if err := b.DeclareDestination(context.Background(), dest); err != nil {
		t.Fatalf("declare destination: %v", err)
	}
	tapQueue := "fvtest.replies." + dest
	b.Bind(bus.RepliesExchange, dest+".#", tapQueue)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	msgs, err := b.Subscribe(ctx, tapQueue)
	if err != nil {
		t.Fatalf("tap replies: %v", err)
	}
	out := make(chan Reply, 256)
	go func() {
		defer close(out)
		for m := range msgs {
			r := Reply{RoutingKey: m.Metadata.Get(bus.RoutingKeyKey), MessageID: m.UUID,
				ContentType: m.Metadata.Get(bus.ContentTypeKey), Headers: map[string]string{}}
			for k, v := range m.Metadata {
				if k != bus.ContentTypeKey && k != bus.RoutingKeyKey {
					r.Headers[k] = v
				}
			}
			if err := json.Unmarshal(m.Payload, &r.Body); err != nil {
				t.Errorf("tap replies: decode: %v", err)
			}
			m.Ack()
			out <- r
		}
	}()
	return &Backend{Bus: b, Pub: b, Sub: b, DestinationID: dest, Replies: out}
}

// Backends lists both buses, for tests that must behave the same on each.
func Backends() []struct {
	Name string
	New  func(testing.TB) *Backend
} {
	return []struct {
		Name string
		New  func(testing.TB) *Backend
	}{{"amqp", NewAMQP}, {"local", NewLocal}}
}

// Submission returns a valid submission message for the destination.
func (b *Backend) Submission(data string) hub.SubmissionMessage {
	return hub.SubmissionMessage{
		SubmissionID:  hub.NewID(),
		CaseID:        hub.NewID(),
		CaseNumber:    "2026-000123",
		DestinationID: b.DestinationID,
		ServiceType:   hub.ServiceType{Identifier: "99050012104000", Name: "Gewerbeanmeldung"},
		SubmittedAt:   time.Now().UTC().Truncate(time.Millisecond),
		ContentType:   "application/json",
		Data:          json.RawMessage(data),
		Attachments:   []hub.AttachmentRef{},
	}
}

// Publish sends sub to the destination's queue as the hub does and returns
// the message id.
func (b *Backend) Publish(t testing.TB, tenant string, sub hub.SubmissionMessage) string {
	t.Helper()
	return b.PublishID(t, hub.NewID(), tenant, sub)
}

// PublishID is Publish with a given message id, to deliver the same message
// again.
func (b *Backend) PublishID(t testing.TB, id, tenant string, sub hub.SubmissionMessage) string {
	t.Helper()
	payload, err := json.Marshal(sub)
	if err != nil {
		t.Fatalf("encode submission: %v", err)
	}
	msg := message.NewMessage(id, payload)
	md := msg.Metadata
	md.Set("cloudEvents:specversion", hub.CloudEventsSpec)
	md.Set("cloudEvents:id", id)
	md.Set("cloudEvents:type", hub.EventTypeSubmission)
	md.Set("cloudEvents:source", "/amthub/"+tenant)
	md.Set("cloudEvents:subject", sub.CaseID)
	md.Set("cloudEvents:time", sub.SubmittedAt.Format(time.RFC3339Nano))
	md.Set(bus.ContentTypeKey, "application/json")
	md.Set(hub.HeaderTenant, tenant)
	md.Set(hub.HeaderSubmission, sub.SubmissionID)
	md.Set(hub.HeaderDestination, sub.DestinationID)
	md.Set(hub.HeaderTraceParent, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	if err := b.Bus.Publish(bus.Topic(bus.SubmissionsExchange, b.DestinationID), msg); err != nil {
		t.Fatalf("publish submission: %v", err)
	}
	return id
}

// NextReply waits for the next reply, failing the test after 10 s.
func (b *Backend) NextReply(t testing.TB) Reply {
	t.Helper()
	select {
	case r, ok := <-b.Replies:
		if !ok {
			t.Fatal("reply tap closed")
		}
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no reply within 10s")
	}
	return Reply{}
}

// NoReply fails the test when a reply arrives within d.
func (b *Backend) NoReply(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case r := <-b.Replies:
		t.Fatalf("unexpected %s reply %s", r.Headers["cloudEvents:type"], r.MessageID)
	case <-time.After(d):
	}
}
