package pipeline_test

import (
	"context"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/sqlstore"
)

type sweepBus interface {
	bus.Bus
	bus.DeadLetters
}

// TestDeadLetterSweep: after the retention purge deleted a submission's
// content, its dead letter is discarded from the destination's dead-letter
// queue, as is one of a submission that no longer exists; the dead letter
// of a submission whose content is still there, and one naming no
// submission, stay. On RabbitMQ and on the in-process bus.
func TestDeadLetterSweep(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	amqpBus, err := bus.NewAMQP(ctx, bus.AMQPConfig{URL: hubtest.AMQPURL(t)}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	defer amqpBus.Close()
	local := bus.NewLocal(watermill.NopLogger{})
	defer local.Close()
	for _, d := range hubtest.Databases() {
		for name, b := range map[string]sweepBus{"amqp": amqpBus, "local": local} {
			t.Run(d.Name+"/"+name, func(t *testing.T) { testDeadLetterSweep(ctx, t, d.Open(t), name, b) })
		}
	}
}

func testDeadLetterSweep(ctx context.Context, t *testing.T, db *sqlstore.DB, name string, b sweepBus) {
	f := newFixture(t, db)
	dest := f.dest.ID
	if err := b.DeclareDestination(ctx, dest); err != nil {
		t.Fatal(err)
	}
	if name == "amqp" {
		t.Cleanup(func() { hubtest.DeleteQueues(t, hubtest.AMQPURL(t), bus.DestinationQueue(dest)) })
	}
	deleted := f.create(t, "client-a", "k1")
	var purged int
	if err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		purged, err = f.store.PurgeDrafts(ctx, tx, f.tenant, db.Now().Add(2*time.Hour), 10)
		return err
	}); err != nil || purged != 1 {
		t.Fatalf("purge = %d, %v", purged, err)
	}
	kept := f.create(t, "client-a", "k2")

	sub, cancelSub := context.WithCancel(ctx)
	defer cancelSub()
	msgs, err := b.Subscribe(sub, bus.DestinationQueue(dest))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for m := range msgs {
			m.Nack()
		}
	}()
	ids := map[string]string{}
	for label, submission := range map[string]string{"deleted": deleted.ID, "kept": kept.ID,
		"gone": hub.NewID(), "none": ""} {
		ids[sweepPublish(t, b, dest, f.tenant, submission)] = label
	}
	waitSweepLetters(t, b, dest, 4)

	sweep := pipeline.NewDeadLetterSweep(db, b, f.routes, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if n, err := sweep.Sweep(ctx); err != nil || n != 2 {
		t.Fatalf("sweep = %d, %v; want 2 discarded", n, err)
	}
	var left []string
	for _, dl := range waitSweepLetters(t, b, dest, 2) {
		left = append(left, ids[dl.ID])
	}
	sort.Strings(left)
	if len(left) != 2 || left[0] != "kept" || left[1] != "none" {
		t.Fatalf("dead letters left = %v, want [kept none]", left)
	}
	if n, err := sweep.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("second sweep = %d, %v; want 0", n, err)
	}
	waitSweepLetters(t, b, dest, 2)
}

func sweepPublish(t *testing.T, b bus.Bus, dest, tenant, submission string) string {
	t.Helper()
	m := message.NewMessage(hub.NewID(), []byte(`{"name":"Erika Mustermann"}`))
	m.Metadata.Set("cloudEvents:id", m.UUID)
	m.Metadata.Set("cloudEvents:type", hub.EventTypeSubmission)
	m.Metadata.Set(hub.HeaderTenant, tenant)
	if submission != "" {
		m.Metadata.Set(hub.HeaderSubmission, submission)
	}
	if err := b.Publish(bus.Topic(bus.SubmissionsExchange, dest), m); err != nil {
		t.Fatal(err)
	}
	return m.UUID
}

// waitSweepLetters waits until the destination has n dead letters.
func waitSweepLetters(t *testing.T, b bus.DeadLetters, dest string, n int) []bus.DeadLetter {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := b.ListDeadLetters(context.Background(), dest, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d dead letters, want %d", len(got), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
