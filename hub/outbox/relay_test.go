package outbox_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/outbox"
	"github.com/amthub/amthub/hub/sqlstore"
)

// TestMain doubles as the relay child process of the kill test.
func TestMain(m *testing.M) {
	if os.Getenv("AMTHUB_RELAY_CHILD") == "1" {
		runChild()
		return
	}
	os.Exit(m.Run())
}

func runChild() {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, os.Getenv("AMTHUB_CHILD_DB"), sqlstore.Options{})
	if err != nil {
		panic(err)
	}
	b, err := bus.NewAMQP(ctx, bus.AMQPConfig{URL: os.Getenv("AMTHUB_CHILD_AMQP")}, watermill.NopLogger{})
	if err != nil {
		panic(err)
	}
	r := outbox.NewRelay(db, b, slog.New(slog.DiscardHandler), nil, outbox.Config{BatchSize: 100, Parallel: 4})
	r.Run(ctx) // until killed
}

func logger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func enqueue(t *testing.T, db *sqlstore.DB, tenant, topic string, n int) []string {
	t.Helper()
	var ids []string
	for start := 0; start < n; start += 500 {
		err := db.InTx(context.Background(), func(tx *sqlstore.Tx) error {
			for i := start; i < min(start+500, n); i++ {
				m := hub.OutboxMessage{ID: hub.NewID(), TenantID: tenant, Topic: topic,
					Metadata: map[string]string{"cloudEvents:type": "test"}, Payload: fmt.Appendf(nil, "message %d", i)}
				ids = append(ids, m.ID)
				if err := sqlstore.Enqueue(context.Background(), tx, m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func TestRelayLocal(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := hubtest.NewSQLite(t)
	tenant := hubtest.MustTenant(t, db)
	b := bus.NewLocal(watermill.NopLogger{})
	defer b.Close()
	if err := b.DeclareDestination(ctx, "dest-1"); err != nil {
		t.Fatal(err)
	}
	msgs, err := b.Subscribe(ctx, bus.DestinationQueue("dest-1"))
	if err != nil {
		t.Fatal(err)
	}
	go outbox.NewRelay(db, b, logger(), nil, outbox.Config{BatchSize: 10, PollInterval: time.Hour}).Run(ctx)
	ids := enqueue(t, db, tenant, bus.Topic(bus.SubmissionsExchange, "dest-1"), 25)
	// Parallel confirms do not keep the order; the set must be complete.
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for i := range ids {
		select {
		case m := <-msgs:
			if !want[m.UUID] {
				t.Fatalf("message %d: unexpected or repeated id %s", i, m.UUID)
			}
			delete(want, m.UUID)
			if m.Metadata.Get("cloudEvents:type") != "test" || m.Metadata.Get("amthub:tenant") != tenant {
				t.Fatalf("metadata lost: %v", m.Metadata)
			}
			m.Ack()
		case <-time.After(5 * time.Second):
			t.Fatalf("message %d not relayed: the commit signal did not wake the relay", i)
		}
	}
	// The delete commits just after the last publish.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		n, _, err := db.OutboxStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages left in the outbox", n)
		}
	}
}

// TestRelayKilledMidBatch kills a relay process with SIGKILL while it
// publishes to RabbitMQ, then lets two relays finish: every message must
// arrive at least once; duplicates are allowed (consumers deduplicate).
func TestRelayKilledMidBatch(t *testing.T) {
	ctx := context.Background()
	amqpURL := hubtest.AMQPURL(t)
	dbURL := hubtest.NewPostgresURL(t)
	db, err := sqlstore.Open(ctx, dbURL, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, nil, sqlstore.Foundation()); err != nil {
		t.Fatal(err)
	}
	tenant := hubtest.MustTenant(t, db)
	b, ch, dest := amqpDestination(t)
	queue := bus.DestinationQueue(dest)

	const n = 3000
	ids := enqueue(t, db, tenant, bus.Topic(bus.SubmissionsExchange, dest), n)

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "AMTHUB_RELAY_CHILD=1", "AMTHUB_CHILD_DB="+dbURL, "AMTHUB_CHILD_AMQP="+amqpURL)
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once it is well into its work, mid-batch.
	deadline := time.Now().Add(60 * time.Second)
	for {
		q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		if q.Messages >= 250 {
			break
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatalf("child relay published only %d messages in 60 s", q.Messages)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	left, _, err := db.OutboxStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if left == 0 {
		t.Fatal("the child finished before it was killed; the test proved nothing")
	}
	t.Logf("killed the relay with %d of %d messages still in the outbox", left, n)

	// Two relays finish the work together.
	drainWithRelays(t, db, b, 2, 100)
	if left, _, _ := db.OutboxStats(ctx); left != 0 {
		t.Fatalf("%d messages left in the outbox after the relays finished", left)
	}

	got := drain(t, ch, queue)
	dups := 0
	for _, id := range ids {
		switch got[id] {
		case 0:
			t.Errorf("message %s was lost", id)
		case 1:
		default:
			dups += got[id] - 1
		}
	}
	if len(got) != n {
		t.Errorf("received %d distinct messages, want %d", len(got), n)
	}
	t.Logf("all %d messages delivered; %d duplicates from the killed batch (deduplicated by consumers)", n, dups)
}

// TestRelaysDoNotDoubleSend runs three relays on one outbox: without
// failures, every message is published exactly once.
func TestRelaysDoNotDoubleSend(t *testing.T) {
	db := hubtest.NewPostgres(t)
	tenant := hubtest.MustTenant(t, db)
	b, ch, dest := amqpDestination(t)
	queue := bus.DestinationQueue(dest)
	ids := enqueue(t, db, tenant, bus.Topic(bus.SubmissionsExchange, dest), 1000)
	drainWithRelays(t, db, b, 3, 50)
	got := drain(t, ch, queue)
	for _, id := range ids {
		if got[id] != 1 {
			t.Fatalf("message %s published %d times", id, got[id])
		}
	}
}

// drainWithRelays runs n relays side by side until the outbox is empty.
func drainWithRelays(t *testing.T, db *sqlstore.DB, b *bus.AMQP, n, batch int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Go(func() {
			r := outbox.NewRelay(db, b, logger(), nil, outbox.Config{BatchSize: batch})
			for {
				sent, err := r.RelayOnce(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if sent == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
}

// amqpDestination connects the bus to the test RabbitMQ with a fresh
// destination, and a plain channel to inspect its queue; the queues go when
// the test ends.
func amqpDestination(t *testing.T) (*bus.AMQP, *amqp.Channel, string) {
	t.Helper()
	ctx := context.Background()
	url := hubtest.AMQPURL(t)
	b, err := bus.NewAMQP(ctx, bus.AMQPConfig{URL: url}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	dest := hubtest.Unique("test-")
	if err := b.DeclareDestination(ctx, dest); err != nil {
		t.Fatal(err)
	}
	conn, ch := amqpChannel(t, url)
	t.Cleanup(func() {
		_, _ = ch.QueueDelete(bus.DestinationQueue(dest), false, false, false)
		_, _ = ch.QueueDelete(bus.DeadLetterQueue(bus.DestinationQueue(dest)), false, false, false)
		conn.Close()
	})
	return b, ch, dest
}

func amqpChannel(t *testing.T, url string) (*amqp.Connection, *amqp.Channel) {
	t.Helper()
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return conn, ch
}

// drain consumes everything in queue and counts deliveries per message id.
func drain(t *testing.T, ch *amqp.Channel, queue string) map[string]int {
	t.Helper()
	got := map[string]int{}
	for {
		d, ok, err := ch.Get(queue, true)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return got
		}
		got[d.MessageId]++
	}
}

// TestUnconfirmedPublishStays sends to an exchange that does not exist: the
// broker never confirms, so the message must stay in the outbox, deferred,
// with the failure recorded; messages the broker did confirm are removed.
func TestUnconfirmedPublishStays(t *testing.T) {
	ctx := context.Background()
	db := hubtest.NewPostgres(t)
	tenant := hubtest.MustTenant(t, db)
	b, ch, dest := amqpDestination(t)

	lost := enqueue(t, db, tenant, bus.Topic("amthub.no-such-exchange", "x"), 1)[0]
	good := enqueue(t, db, tenant, bus.Topic(bus.SubmissionsExchange, dest), 3)
	r := outbox.NewRelay(db, b, logger(), nil, outbox.Config{BatchSize: 10})
	sent, err := r.RelayOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sent != len(good) {
		t.Fatalf("relayed %d, want the %d confirmed messages", sent, len(good))
	}
	var attempts int
	var lastErr string
	if err := db.QueryRowContext(ctx, `SELECT attempts, last_error FROM outbox WHERE id = $1`, lost).Scan(&attempts, &lastErr); err != nil {
		t.Fatalf("the unconfirmed message left the outbox: %v", err)
	}
	if attempts != 1 || lastErr == "" {
		t.Fatalf("attempts = %d, last_error = %q", attempts, lastErr)
	}
	if got := drain(t, ch, bus.DestinationQueue(dest)); len(got) != len(good) {
		t.Fatalf("queue holds %d messages, want %d", len(got), len(good))
	}
}

// TestRunWorkers drains a backlog with one relay running several loops:
// every message is published exactly once.
func TestRunWorkers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := hubtest.NewPostgres(t)
	tenant := hubtest.MustTenant(t, db)
	b, ch, dest := amqpDestination(t)
	queue := bus.DestinationQueue(dest)
	ids := enqueue(t, db, tenant, bus.Topic(bus.SubmissionsExchange, dest), 1500)
	go outbox.NewRelay(db, b, logger(), nil, outbox.Config{BatchSize: 50, Workers: 4, PollInterval: time.Hour}).Run(ctx)
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, _, err := db.OutboxStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still in the outbox after 60 s", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	got := drain(t, ch, queue)
	for _, id := range ids {
		if got[id] != 1 {
			t.Fatalf("message %s published %d times", id, got[id])
		}
	}
}
