package sqlstore_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
)

// TestListenWakesOtherProcesses runs two hub "processes" (two handles) on
// one PostgreSQL database: a commit in one wakes the other's relays
// through NOTIFY; a process's own commits wake its relays once, locally,
// not a second time through its listener.
func TestListenWakesOtherProcesses(t *testing.T) {
	url := hubtest.NewPostgresURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func() *sqlstore.DB {
		db, err := sqlstore.Open(ctx, url, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open(), open()
	if err := a.Migrate(ctx, nil, sqlstore.Foundation()); err != nil {
		t.Fatal(err)
	}
	tenant := hubtest.MustTenant(t, a)
	go a.Listen(ctx, slog.New(slog.DiscardHandler))
	// The listener signals once when it starts listening; take that.
	select {
	case <-a.OutboxWake():
	case <-time.After(5 * time.Second):
		t.Fatal("the listener did not start")
	}

	enqueueN(t, b, tenant, 1)
	select {
	case <-a.OutboxWake():
	case <-time.After(5 * time.Second):
		t.Fatal("a commit in another process did not wake this one's relays")
	}

	enqueueN(t, a, tenant, 1)
	select {
	case <-a.OutboxWake(): // the local signal
	default:
		t.Fatal("an own commit did not wake the relays at once")
	}
	select {
	case <-a.OutboxWake():
		t.Fatal("an own commit woke the relays a second time, through NOTIFY")
	case <-time.After(500 * time.Millisecond):
	}
}
