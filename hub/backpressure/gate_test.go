package backpressure_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/backpressure"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/httpserver"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
)

// TestGateFollowsTheOutbox fills the outbox past the bound and drains it
// again, on both databases: the gate closes and opens with it, once the
// cached measurement is older than CacheFor.
func TestGateFollowsTheOutbox(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			db := d.Open(t)
			clock := hubtest.NewClock(time.Now())
			db.Now = clock.Now
			tenant := hubtest.MustTenant(t, db)
			reg := prometheus.NewRegistry()
			g := backpressure.New(backpressure.Config{MaxOutboxRows: 3, MaxOutboxAge: time.Minute, RetryAfter: 1500 * time.Millisecond},
				db.OutboxBacklog, nil, clock.Now, reg, nil)
			enqueue := func(n int) {
				t.Helper()
				for range n {
					if err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
						return sqlstore.Enqueue(ctx, tx, hub.OutboxMessage{TenantID: tenant, Topic: "t", Payload: []byte("x")})
					}); err != nil {
						t.Fatal(err)
					}
				}
			}
			admits := func(want bool) {
				t.Helper()
				err := g.Admit(ctx, "")
				if (err == nil) != want {
					t.Fatalf("admit = %v, want admitted %v", err, want)
				}
				if err != nil && (hub.ErrorKind(err) != "overloaded" || hub.ErrorCode(err) != hub.EUNAVAILABLE) {
					t.Fatalf("refused with %v, want unavailable/overloaded", err)
				}
			}
			enqueue(3)
			admits(true) // at the bound
			enqueue(1)
			admits(true) // the measurement is still cached
			clock.Add(1100 * time.Millisecond)
			admits(false)
			if got := shed(t, reg, "outbox_rows"); got != 1 {
				t.Fatalf("shed counter = %v, want 1", got)
			}
			if _, err := db.ExecContext(ctx, `DELETE FROM outbox`); err != nil {
				t.Fatal(err)
			}
			admits(false) // still the cached measurement
			clock.Add(1100 * time.Millisecond)
			admits(true)

			// The oldest message's age closes it too.
			enqueue(1)
			clock.Add(61 * time.Second)
			admits(false)
			if got := shed(t, reg, "outbox_age"); got != 1 {
				t.Fatalf("shed counter (age) = %v, want 1", got)
			}
		})
	}
}

// TestGateFollowsTheQueue fills a destination's RabbitMQ queue past the
// bound (no one consumes it) and purges it: the gate refuses work for that
// destination only, and takes it again once the queue is drained.
func TestGateFollowsTheQueue(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := bus.NewAMQP(ctx, bus.AMQPConfig{URL: hubtest.AMQPURL(t)}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	busy, idle := hub.NewID(), hub.NewID()
	for _, d := range []string{busy, idle} {
		if err := b.DeclareDestination(ctx, d); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { hubtest.DeleteQueues(t, hubtest.AMQPURL(t), bus.DestinationQueue(d)) })
	}
	for range 5 {
		if err := b.Publish(bus.Topic(bus.SubmissionsExchange, busy), message.NewMessage(hub.NewID(), []byte("{}"))); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := b.DestinationDepth(ctx, busy); err != nil || n != 5 {
		t.Fatalf("depth = %d, %v; want 5", n, err)
	}
	if n, err := b.DestinationDepth(ctx, hub.NewID()); err != nil || n != 0 {
		t.Fatalf("depth of a queue never declared = %d, %v; want 0", n, err)
	}
	clock := hubtest.NewClock(time.Now())
	none := func(context.Context) (int, time.Duration, error) { return 0, 0, nil }
	g := backpressure.New(backpressure.Config{MaxQueueDepth: 4}, none, b.DestinationDepth, clock.Now, nil, nil)
	if err := g.Admit(ctx, busy); hub.ErrorKind(err) != "overloaded" {
		t.Fatalf("busy destination admitted: %v", err)
	}
	if err := g.Admit(ctx, idle); err != nil {
		t.Fatalf("idle destination refused: %v", err)
	}
	hubtest.DeleteQueues(t, hubtest.AMQPURL(t), bus.DestinationQueue(busy)) // drained (gone counts as empty)
	clock.Add(1100 * time.Millisecond)
	if err := g.Admit(ctx, busy); err != nil {
		t.Fatalf("drained destination refused: %v", err)
	}
}

// TestGateAdmitsWhenItCannotMeasure: a broken measurement must not stop
// the hub.
func TestGateAdmitsWhenItCannotMeasure(t *testing.T) {
	broken := func(context.Context) (int, time.Duration, error) { return 0, 0, context.DeadlineExceeded }
	g := backpressure.New(backpressure.Config{MaxOutboxRows: 1}, broken, nil, time.Now, nil, nil)
	if err := g.Admit(context.Background(), ""); err != nil {
		t.Fatalf("refused on a failed measurement: %v", err)
	}
}

// TestOverloadedProblem: the refusal is a 503 problem with a stable type
// and Retry-After in whole seconds, rounded up.
func TestOverloadedProblem(t *testing.T) {
	for _, tc := range []struct {
		after time.Duration
		want  string
	}{{1500 * time.Millisecond, "2"}, {2 * time.Second, "2"}, {100 * time.Millisecond, "1"}} {
		w := httptest.NewRecorder()
		httpserver.WriteError(w, httptest.NewRequest("POST", "/v1/submissions", nil), backpressure.Overloaded(tc.after))
		var p httpserver.Problem
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if w.Code != 503 || w.Header().Get("Retry-After") != tc.want || p.Type != "/problems/overloaded" ||
			!strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("after %s: %d Retry-After %q type %q, want 503 %q /problems/overloaded", tc.after, w.Code,
				w.Header().Get("Retry-After"), p.Type, tc.want)
		}
	}
}

// shed reads amthub_backpressure_shed_total{reason} from reg.
func shed(t *testing.T, reg *prometheus.Registry, reason string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "amthub_backpressure_shed_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no amthub_backpressure_shed_total{reason=%q}", reason)
	return 0
}
