package fachverfahren_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/fachverfahren"
	"github.com/amthub/amthub/connectors/fachverfahren/fvtest"
	"github.com/amthub/amthub/hub"
)

// consume runs c.Consume with handler until the test ends.
func consume(t *testing.T, c *fachverfahren.Client, handler fachverfahren.Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Consume(ctx, handler) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("consume: %v", err)
		}
	})
	select {
	case <-c.Subscribed():
	case err := <-done:
		t.Fatalf("consume ended early: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("consume did not subscribe within 10s")
	}
}

func newClient(t *testing.T, b *fvtest.Backend) *fachverfahren.Client {
	t.Helper()
	c, err := fachverfahren.New(fachverfahren.Config{DestinationID: b.DestinationID}, b.Pub, b.Sub, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConsumeAccept(t *testing.T) {
	for _, be := range fvtest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			b := be.New(t)
			c := newClient(t, b)
			got := make(chan *fachverfahren.Submission, 1)
			consume(t, c, func(ctx context.Context, s *fachverfahren.Submission) error {
				got <- s
				return c.Accept(ctx, s, "AZ 32-1/2026")
			})

			want := b.Submission(`{"firma":"Muster GmbH","anzahl":3}`)
			msgID := b.Publish(t, "tenant-a", want)

			var s *fachverfahren.Submission
			select {
			case s = <-got:
			case <-time.After(10 * time.Second):
				t.Fatal("handler not called within 10s")
			}
			if s.SubmissionID != want.SubmissionID || s.CaseID != want.CaseID || s.CaseNumber != want.CaseNumber {
				t.Errorf("ids: got %s/%s/%s, want %s/%s/%s", s.SubmissionID, s.CaseID, s.CaseNumber, want.SubmissionID, want.CaseID, want.CaseNumber)
			}
			if got, want := s.ServiceType, want.ServiceType; got != want {
				t.Errorf("service type: got %+v, want %+v", got, want)
			}
			var data map[string]any
			if err := json.Unmarshal(s.Data, &data); err != nil || data["firma"] != "Muster GmbH" {
				t.Errorf("data: got %s (%v)", s.Data, err)
			}
			if !s.SubmittedAt.Equal(want.SubmittedAt) {
				t.Errorf("submitted at: got %v, want %v", s.SubmittedAt, want.SubmittedAt)
			}
			if s.MessageID != msgID || s.Tenant != "tenant-a" || s.Redelivered || s.DeliveryCount != 1 {
				t.Errorf("delivery: got id %s tenant %s redelivered %v count %d", s.MessageID, s.Tenant, s.Redelivered, s.DeliveryCount)
			}

			r := b.NextReply(t)
			checkReply(t, b, r, hub.ReplyAccept, want)
			if r.Body.Reference != "AZ 32-1/2026" {
				t.Errorf("reference: got %q", r.Body.Reference)
			}
		})
	}
}

// checkReply checks the CloudEvents envelope of a reply.
func checkReply(t *testing.T, b *fvtest.Backend, r fvtest.Reply, replyType string, sub hub.SubmissionMessage) {
	t.Helper()
	if r.RoutingKey != b.DestinationID+"."+replyType {
		t.Errorf("routing key: got %s", r.RoutingKey)
	}
	if !hub.ValidID(r.MessageID) {
		t.Errorf("message id %q: not a UUID", r.MessageID)
	}
	want := map[string]string{
		"cloudEvents:specversion": "1.0",
		"cloudEvents:id":          r.MessageID,
		"cloudEvents:type":        "de.amthub.reply." + replyType + ".v1",
		"cloudEvents:source":      "/fachverfahren/" + b.DestinationID,
		"cloudEvents:subject":     sub.CaseID,
		hub.HeaderSubmission:      sub.SubmissionID,
		hub.HeaderTenant:          "tenant-a",
		hub.HeaderDestination:     b.DestinationID,
		hub.HeaderTraceParent:     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
	}
	for k, v := range want {
		if got := r.Headers[k]; got != v {
			t.Errorf("header %s: got %q, want %q", k, got, v)
		}
	}
	if ts, err := time.Parse(time.RFC3339Nano, r.Headers["cloudEvents:time"]); err != nil || time.Since(ts) > time.Minute {
		t.Errorf("cloudEvents:time %q: %v", r.Headers["cloudEvents:time"], err)
	}
	if r.ContentType != "application/json" {
		t.Errorf("content type: got %q", r.ContentType)
	}
	if r.Body.SubmissionID != sub.SubmissionID || r.Body.CaseID != sub.CaseID {
		t.Errorf("body ids: got %s/%s", r.Body.SubmissionID, r.Body.CaseID)
	}
}

func TestConsumeRedelivery(t *testing.T) {
	for _, be := range fvtest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			b := be.New(t)
			c := newClient(t, b)
			var (
				mu   sync.Mutex
				seen []fachverfahren.Submission
			)
			consume(t, c, func(ctx context.Context, s *fachverfahren.Submission) error {
				mu.Lock()
				seen = append(seen, *s)
				n := len(seen)
				mu.Unlock()
				if n == 1 {
					return errors.New("database unavailable")
				}
				return c.Status(ctx, s, hub.StatusReceived, "")
			})
			sub := b.Submission(`{}`)
			msgID := b.Publish(t, "tenant-a", sub)
			r := b.NextReply(t)
			checkReply(t, b, r, hub.ReplyStatus, sub)
			if r.Body.Status != hub.StatusReceived {
				t.Errorf("status: got %q", r.Body.Status)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 2 {
				t.Fatalf("deliveries: got %d, want 2", len(seen))
			}
			first, second := seen[0], seen[1]
			if first.Redelivered || first.DeliveryCount != 1 {
				t.Errorf("first delivery: redelivered %v count %d", first.Redelivered, first.DeliveryCount)
			}
			if !second.Redelivered || second.DeliveryCount != 2 || second.MessageID != msgID {
				t.Errorf("second delivery: redelivered %v count %d id %s", second.Redelivered, second.DeliveryCount, second.MessageID)
			}
		})
	}
}
