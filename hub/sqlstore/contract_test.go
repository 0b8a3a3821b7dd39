package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/amthub/amthub/cmd/amthub/schema"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
)

// TestContract is the storage contract suite: every case runs on SQLite and
// on PostgreSQL, and both must answer the same.
func TestContract(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			t.Run("Tenants", func(t *testing.T) { testTenants(t, d.Open(t)) })
			t.Run("ConstraintErrors", func(t *testing.T) { testConstraintErrors(t, d.Open(t)) })
			t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, d.Open(t)) })
			t.Run("OutboxAtomicWithState", func(t *testing.T) { testOutboxAtomic(t, d.Open(t)) })
			t.Run("OutboxConcurrentClaims", func(t *testing.T) { testOutboxConcurrentClaims(t, d.Open(t)) })
			t.Run("OutboxDefer", func(t *testing.T) { testOutboxDefer(t, d.Open(t)) })
			t.Run("Inbox", func(t *testing.T) { testInbox(t, d.Open(t)) })
			t.Run("MigrationStatus", func(t *testing.T) { testMigrationStatus(t, d.Open(t)) })
		})
	}
}

func testTenants(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	s := sqlstore.NewTenantService(db)
	t.Run("OK", func(t *testing.T) {
		ten := &hub.Tenant{Slug: "sachsen", Name: "Freistaat Sachsen"}
		if err := s.CreateTenant(ctx, ten); err != nil {
			t.Fatal(err)
		}
		if !hub.ValidID(ten.ID) {
			t.Fatalf("id %q is not a UUID", ten.ID)
		}
		got, err := s.FindTenantBySlug(ctx, "sachsen")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != ten.ID || got.Name != ten.Name {
			t.Fatalf("got %+v, want %+v", got, ten)
		}
		if d := got.CreatedAt.Sub(ten.CreatedAt); d > time.Microsecond || d < -time.Microsecond {
			t.Fatalf("created_at round trip: got %v, want %v", got.CreatedAt, ten.CreatedAt)
		}
	})
	t.Run("ErrSlugTaken", func(t *testing.T) {
		err := s.CreateTenant(ctx, &hub.Tenant{Slug: "sachsen", Name: "Zweiter"})
		if got, want := hub.ErrorCode(err), hub.ECONFLICT; got != want {
			t.Fatalf("code = %q, want %q (err %v)", got, want, err)
		}
		if ts, _ := s.ListTenants(ctx); len(ts) != 1 {
			t.Fatalf("a refused insert left %d tenants", len(ts))
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := s.FindTenantByID(ctx, hub.NewID())
		if got, want := hub.ErrorCode(err), hub.ENOTFOUND; got != want {
			t.Fatalf("code = %q, want %q", got, want)
		}
	})
	t.Run("ErrInvalidSlug", func(t *testing.T) {
		err := s.CreateTenant(ctx, &hub.Tenant{Slug: "Not A Slug", Name: "x"})
		if got, want := hub.ErrorCode(err), hub.EINVALID; got != want {
			t.Fatalf("code = %q, want %q", got, want)
		}
	})
}

func testConstraintErrors(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	tenant := hubtest.MustTenant(t, db)
	tests := []struct {
		name string
		sql  string
		args []any
		code string
	}{
		{"UniqueViolation", `INSERT INTO tenants (id, slug, name, created_at) VALUES ($1, $2, 'x', $3)`,
			[]any{hub.NewID(), tenant, db.Now()}, hub.ECONFLICT},
		{"PrimaryKeyViolation", `INSERT INTO tenants (id, slug, name, created_at) VALUES ($1, 'other', 'x', $2)`,
			[]any{tenant, db.Now()}, hub.ECONFLICT},
		{"ForeignKeyViolation", `INSERT INTO inbox (consumer, message_id, tenant_id, processed_at) VALUES ('c', 'm', $1, $2)`,
			[]any{"no-such-tenant", db.Now()}, hub.EINVALID},
		{"NotNullViolation", `INSERT INTO tenants (id, slug, name, created_at) VALUES ($1, 'nn', NULL, $2)`,
			[]any{hub.NewID(), db.Now()}, hub.EINVALID},
		{"CheckViolation", `INSERT INTO tenants (id, slug, name, created_at) VALUES ($1, 'chk', '', $2)`,
			[]any{hub.NewID(), db.Now()}, hub.EINVALID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
				_, err := tx.ExecContext(ctx, tc.sql, tc.args...)
				return err
			})
			if got := hub.ErrorCode(err); got != tc.code {
				t.Fatalf("code = %q, want %q (err %v)", got, tc.code, err)
			}
		})
	}
	t.Run("RollbackLeavesNothing", func(t *testing.T) {
		err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, slug, name, created_at) VALUES ($1, 'half', 'Half', $2)`, hub.NewID(), db.Now()); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, slug, name, created_at) VALUES ($1, $2, 'dup', $3)`, hub.NewID(), tenant, db.Now())
			return err
		})
		if hub.ErrorCode(err) != hub.ECONFLICT {
			t.Fatalf("err = %v, want conflict", err)
		}
		if _, err := sqlstore.NewTenantService(db).FindTenantBySlug(ctx, "half"); hub.ErrorCode(err) != hub.ENOTFOUND {
			t.Fatalf("partial write survived a failed transaction: %v", err)
		}
	})
}

func testRoundTrip(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	tenant := hubtest.MustTenant(t, db)
	payload := []byte{0, 1, 2, 0xff, 'x'}
	meta := map[string]string{"cloudEvents:type": "de.amthub.test", "umlaut": "Grüße"}
	msg := hub.OutboxMessage{TenantID: tenant, Topic: "t/k", Metadata: meta, Payload: payload}
	if err := db.InTx(ctx, func(tx *sqlstore.Tx) error { return sqlstore.Enqueue(ctx, tx, msg) }); err != nil {
		t.Fatal(err)
	}
	var got []hub.OutboxMessage
	if err := db.InTx(ctx, func(tx *sqlstore.Tx) (err error) { got, err = sqlstore.ClaimOutbox(ctx, tx, 10); return err }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("claimed %d messages, want 1", len(got))
	}
	if string(got[0].Payload) != string(payload) {
		t.Errorf("payload = %v, want %v", got[0].Payload, payload)
	}
	if got[0].Metadata["umlaut"] != "Grüße" || got[0].Metadata["cloudEvents:type"] != "de.amthub.test" {
		t.Errorf("metadata = %v", got[0].Metadata)
	}
	// JSON operators work the same on both databases.
	var typ string
	if err := db.QueryRowContext(ctx, `SELECT metadata->>'cloudEvents:type' FROM outbox`).Scan(&typ); err != nil || typ != "de.amthub.test" {
		t.Errorf("metadata->>: %q, %v", typ, err)
	}
}

func enqueueN(t *testing.T, db *sqlstore.DB, tenant string, n int) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	err := db.InTx(context.Background(), func(tx *sqlstore.Tx) error {
		for i := 0; i < n; i++ {
			m := hub.OutboxMessage{ID: hub.NewID(), TenantID: tenant, Topic: "t/k", Payload: fmt.Appendf(nil, "%d", i)}
			ids[m.ID] = true
			if err := sqlstore.Enqueue(context.Background(), tx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func testOutboxAtomic(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	tenant := hubtest.MustTenant(t, db)
	boom := hub.Errorf(hub.EINVALID, "refused")
	err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := sqlstore.Enqueue(ctx, tx, hub.OutboxMessage{TenantID: tenant, Topic: "t/k", Payload: []byte("x")}); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("err = %v, want the callback's error unchanged", err)
	}
	if n, _, _ := db.OutboxStats(ctx); n != 0 {
		t.Fatalf("a rolled-back transaction left %d outbox messages", n)
	}
	select {
	case <-db.OutboxWake():
		t.Fatal("a rolled-back transaction woke the relay")
	default:
	}
	enqueueN(t, db, tenant, 3)
	select {
	case <-db.OutboxWake():
	default:
		t.Fatal("a committed enqueue did not wake the relay")
	}
	if n, _, _ := db.OutboxStats(ctx); n != 3 {
		t.Fatalf("pending = %d, want 3", n)
	}
}

// testOutboxConcurrentClaims lets four claimers drain the outbox at once:
// every message must be claimed exactly once.
func testOutboxConcurrentClaims(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	tenant := hubtest.MustTenant(t, db)
	want := enqueueN(t, db, tenant, 200)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var batch []hub.OutboxMessage
				err := db.InTx(ctx, func(tx *sqlstore.Tx) (err error) {
					if batch, err = sqlstore.ClaimOutbox(ctx, tx, 7); err != nil || len(batch) == 0 {
						return err
					}
					time.Sleep(time.Millisecond) // hold the claim, as a publish would
					ids := make([]string, len(batch))
					for i, m := range batch {
						ids[i] = m.ID
					}
					return sqlstore.DeleteOutbox(ctx, tx, ids...)
				})
				if err != nil {
					errs <- err
					return
				}
				if len(batch) == 0 {
					return
				}
				mu.Lock()
				for _, m := range batch {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != len(want) {
		t.Fatalf("claimed %d distinct messages, want %d", len(seen), len(want))
	}
	for id, n := range seen {
		if n != 1 || !want[id] {
			t.Fatalf("message %s claimed %d times (known: %v)", id, n, want[id])
		}
	}
}

func testOutboxDefer(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	tenant := hubtest.MustTenant(t, db)
	ids := enqueueN(t, db, tenant, 1)
	var id string
	for k := range ids {
		id = k
	}
	err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
		return sqlstore.DeferOutbox(ctx, tx, id, db.Now().Add(time.Hour), "broker down")
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []hub.OutboxMessage
	if err := db.InTx(ctx, func(tx *sqlstore.Tx) (err error) { got, err = sqlstore.ClaimOutbox(ctx, tx, 10); return err }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("a deferred message was claimed before its time")
	}
	db.Now = func() time.Time { return time.Now().UTC().Add(2 * time.Hour) }
	if err := db.InTx(ctx, func(tx *sqlstore.Tx) (err error) { got, err = sqlstore.ClaimOutbox(ctx, tx, 10); return err }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("a due deferred message was not claimed")
	}
	var attempts int
	var lastErr string
	if err := db.QueryRowContext(ctx, `SELECT attempts, last_error FROM outbox WHERE id = $1`, id).Scan(&attempts, &lastErr); err != nil {
		t.Fatal(err)
	}
	if attempts != 1 || lastErr != "broker down" {
		t.Fatalf("attempts = %d, last_error = %q", attempts, lastErr)
	}
}

func testInbox(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	tenant := hubtest.MustTenant(t, db)
	claim := func() bool {
		var first bool
		err := db.InTx(ctx, func(tx *sqlstore.Tx) (err error) {
			first, err = sqlstore.ClaimInbox(ctx, tx, "replies", "msg-1", tenant)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return first
	}
	if !claim() {
		t.Fatal("first delivery was not claimed")
	}
	if claim() {
		t.Fatal("second delivery of the same message was claimed again")
	}
	// A claim in a transaction that rolls back does not count.
	crash := hub.Errorf(hub.EINTERNAL, "crash before effect")
	if err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if _, err := sqlstore.ClaimInbox(ctx, tx, "replies", "msg-2", tenant); err != nil {
			return err
		}
		return crash
	}); !errors.Is(err, crash) {
		t.Fatalf("crashed claim: %v, want the crash", err)
	}
	var first bool
	if err := db.InTx(ctx, func(tx *sqlstore.Tx) (err error) {
		first, err = sqlstore.ClaimInbox(ctx, tx, "replies", "msg-2", tenant)
		return err
	}); err != nil {
		t.Fatalf("claim after the rollback: %v", err)
	}
	if !first {
		t.Fatal("a message whose first attempt rolled back was treated as applied")
	}
}

func testMigrationStatus(t *testing.T, db *sqlstore.DB) {
	st, err := db.MigrationStatus(context.Background(), schema.All()...)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) == 0 {
		t.Fatal("no migrations known")
	}
	for _, m := range st {
		if !m.Applied {
			t.Errorf("migration %d (%s) not applied", m.Version, m.Source)
		}
	}
	// Migrating again is a no-op.
	if err := db.Migrate(context.Background(), nil, schema.All()...); err != nil {
		t.Fatal(err)
	}
}
