package epaybl_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/outbox"
	"github.com/amthub/amthub/hub/payments"
)

func TestCreateRefusesBadInput(t *testing.T) {
	e := newEnv(t, hubtest.NewSQLite(t))
	c := e.cases.Case(t, "vendor-a", "")
	items := func(n int) []payments.Item {
		out := make([]payments.Item, n)
		for i := range out {
			out[i] = payments.Item{Reference: fmt.Sprint("R", i), Description: "Posten", Quantity: 1, UnitAmount: 100}
		}
		return out
	}
	tests := []struct {
		name, kind, field string
		edit              func(r *payments.CreateRequest)
	}{
		{"PurposeTooLong", "purpose_invalid", "purpose", func(r *payments.CreateRequest) { r.Purpose = strings.Repeat("x", 28) }},
		{"PurposeEmpty", "purpose_invalid", "purpose", func(r *payments.CreateRequest) { r.Purpose = "" }},
		{"PurposeControl", "purpose_invalid", "purpose", func(r *payments.CreateRequest) { r.Purpose = "a\nb" }},
		{"AmountZero", "amount_invalid", "amount", func(r *payments.CreateRequest) { r.Amount = 0 }},
		{"AmountNegative", "amount_invalid", "amount", func(r *payments.CreateRequest) { r.Amount = -5 }},
		{"AmountTooLarge", "amount_too_large", "amount", func(r *payments.CreateRequest) {
			r.Amount = 100_000_001
			r.Items = []payments.Item{{Reference: "X", Description: "X", Quantity: 1, UnitAmount: 100_000_001}}
		}},
		{"NoItems", "items_invalid", "items", func(r *payments.CreateRequest) { r.Items = nil }},
		{"HundredItems", "items_invalid", "items", func(r *payments.CreateRequest) { r.Items, r.Amount = items(100), 10000 }},
		{"ItemsDoNotAddUp", "amount_mismatch", "amount", func(r *payments.CreateRequest) { r.Amount = 3551 }},
		{"OtherCurrency", "currency_unsupported", "currency", func(r *payments.CreateRequest) { r.Currency = "USD" }},
		{"ReturnURLNotHTTPS", "return_url_invalid", "returnUrl", func(r *payments.CreateRequest) { r.ReturnURL = "http://vendor.example/x" }},
		{"ReturnURLScript", "return_url_invalid", "returnUrl", func(r *payments.CreateRequest) { r.ReturnURL = "javascript:alert(1)" }},
		{"NotACase", "case_not_found", "caseId", func(r *payments.CreateRequest) { r.CaseID = hub.NewID() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(c.CaseID)
			tt.edit(&r)
			_, _, err := e.svc.Create(context.Background(), e.vendor, r, "")
			var he *hub.Error
			if !asHubError(err, &he) || he.Kind != tt.kind || he.Field != tt.field {
				t.Fatalf("error %v, want kind %s on field %s", err, tt.kind, tt.field)
			}
			assertNoPayments(t, e, c.CaseID)
		})
	}
	t.Run("NinetyNineItemsOK", func(t *testing.T) {
		r := request(c.CaseID)
		r.Items, r.Amount = items(99), 9900
		if _, _, err := e.svc.Create(context.Background(), e.vendor, r, ""); err != nil {
			t.Fatal(err)
		}
	})
}

func asHubError(err error, target **hub.Error) bool {
	e, ok := err.(*hub.Error)
	*target = e
	return ok
}

// TestFachverfahrenGetsPaymentEvents runs the outbox relay on RabbitMQ and
// reads the destination's queue as the Fachverfahren does.
func TestFachverfahrenGetsPaymentEvents(t *testing.T) {
	e := newEnv(t, hubtest.NewPostgres(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	amqpURL := hubtest.AMQPURL(t)
	b, err := bus.NewAMQP(ctx, bus.AMQPConfig{URL: amqpURL}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	dest := e.cases.Destination.ID
	if err := b.DeclareDestination(ctx, dest); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hubtest.DeleteQueues(t, amqpURL, bus.DestinationQueue(dest)) })
	msgs, err := b.Subscribe(ctx, bus.DestinationQueue(dest))
	if err != nil {
		t.Fatal(err)
	}
	c := e.cases.Case(t, "vendor-a", "")
	p := e.create(t, c.CaseID, "")
	e.pay(t, p, "pay", true)
	relay := outbox.NewRelay(e.db, b, nil, nil, outbox.Config{})
	if n, err := relay.RelayOnce(ctx); err != nil || n != 2 {
		t.Fatalf("relayed %d messages, err %v; want 2", n, err)
	}
	// The relay publishes in parallel: the order on the queue is not the
	// order of the changes, which is why a message carries the state.
	seen := map[string]bool{}
	for range 2 {
		select {
		case m := <-msgs:
			var body payments.Message
			if err := json.Unmarshal(m.Payload, &body); err != nil {
				t.Fatal(err)
			}
			if m.Metadata.Get("cloudEvents:type") != payments.EventTypePayment || m.Metadata.Get("cloudEvents:subject") != c.CaseID ||
				body.PaymentID != p.ID || body.CaseNumber == "" || len(body.Items) != 2 {
				t.Errorf("message %v %+v, want a payment event", m.Metadata, body)
			}
			seen[body.Status] = true
			m.Ack()
		case <-ctx.Done():
			t.Fatalf("payment events missing; got %v", seen)
		}
	}
	if !seen[payments.StatusInitial] || !seen[payments.StatusPayed] {
		t.Errorf("statuses on the queue %v, want INITIAL and PAYED", seen)
	}
}
