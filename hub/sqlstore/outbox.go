package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/telemetry"
)

// notifyChannel is the PostgreSQL channel that wakes outbox relays.
const notifyChannel = "amthub_outbox"

// Enqueue writes messages into the outbox inside tx. They are relayed after
// the transaction commits; a rolled-back transaction sends nothing. The
// trace context of ctx is stored with each message that has none, so the
// relay's publish continues the trace of the request that wrote it.
func Enqueue(ctx context.Context, tx *Tx, msgs ...hub.OutboxMessage) error {
	now := tx.db.Now()
	for i := range msgs {
		m := &msgs[i]
		if m.ID == "" {
			m.ID = hub.NewID()
		}
		if m.Topic == "" || m.TenantID == "" {
			return fmt.Errorf("enqueue %s: topic and tenant are required", m.ID)
		}
		if m.Metadata[hub.HeaderTraceParent] == "" && trace.SpanContextFromContext(ctx).IsValid() {
			if m.Metadata == nil {
				m.Metadata = map[string]string{}
			}
			telemetry.Inject(ctx, m.Metadata)
		}
		meta, err := json.Marshal(m.Metadata)
		if err != nil {
			return fmt.Errorf("enqueue %s: encode metadata: %w", m.ID, err)
		}
		if m.Metadata == nil {
			meta = []byte("{}")
		}
		notBefore := m.NotBefore
		if notBefore.IsZero() {
			notBefore = now
		}
		m.CreatedAt = now
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO outbox (id, tenant_id, topic, metadata, payload, not_before, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			m.ID, m.TenantID, m.Topic, string(meta), m.Payload, notBefore.UTC(), now); err != nil {
			return fmt.Errorf("enqueue %s: %w", m.ID, Translate(err))
		}
	}
	if len(msgs) > 0 {
		tx.enqueued = true
	}
	return nil
}

// ClaimOutbox locks and returns up to limit due messages, oldest first. On
// PostgreSQL rows locked by another relay are skipped; on SQLite the
// transaction holds the single write lock. The caller deletes what it sent
// and commits; a crash before commit releases the claim.
func ClaimOutbox(ctx context.Context, tx *Tx, limit int) ([]hub.OutboxMessage, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT id, tenant_id, topic, metadata, payload, not_before, created_at, attempts
		FROM outbox WHERE not_before <= $1
		ORDER BY id LIMIT $2`+tx.db.Dialect.SkipLocked(),
		tx.db.Now(), limit)
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	defer rows.Close()
	var out []hub.OutboxMessage
	for rows.Next() {
		var m hub.OutboxMessage
		var meta string
		if err := rows.Scan(&m.ID, &m.TenantID, &m.Topic, &meta, &m.Payload, &m.NotBefore, &m.CreatedAt, &m.Attempts); err != nil {
			return nil, fmt.Errorf("claim outbox: %w", err)
		}
		if err := json.Unmarshal([]byte(meta), &m.Metadata); err != nil {
			return nil, fmt.Errorf("claim outbox: decode metadata of %s: %w", m.ID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// DeleteOutbox removes relayed messages.
func DeleteOutbox(ctx context.Context, tx *Tx, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id IN (`+Placeholders(1, len(ids))+`)`, args...)
	if err != nil {
		return fmt.Errorf("delete relayed outbox messages: %w", err)
	}
	return nil
}

// DeferOutbox records a failed relay attempt and postpones the message.
func DeferOutbox(ctx context.Context, tx *Tx, id string, until time.Time, cause string) error {
	if len(cause) > 500 {
		cause = cause[:500]
	}
	_, err := tx.ExecContext(ctx, `
		UPDATE outbox SET attempts = attempts + 1, not_before = $2, last_error = $3 WHERE id = $1`,
		id, until.UTC(), cause)
	if err != nil {
		return fmt.Errorf("defer outbox message %s: %w", id, err)
	}
	return nil
}

// OutboxStats reports the backlog: how many messages wait and the age of
// the oldest.
func (db *DB) OutboxStats(ctx context.Context) (pending int, oldest time.Duration, err error) {
	row := db.QueryRowContext(ctx, `SELECT count(*), min(created_at) FROM outbox`)
	var minAt NullTime
	if err := row.Scan(&pending, &minAt); err != nil {
		return 0, 0, fmt.Errorf("outbox stats: %w", err)
	}
	if minAt.Valid {
		oldest = db.Now().Sub(minAt.Time)
	}
	return pending, oldest, nil
}

// OutboxBacklog reports the backlog as backpressure reads it: how many
// messages wait, and the age of the oldest one no relay has tried yet. A
// message whose publishing failed and waits for its retry is counted but
// does not age the backlog: one message the broker keeps refusing must
// not make the hub refuse all new work.
func (db *DB) OutboxBacklog(ctx context.Context) (pending int, oldest time.Duration, err error) {
	row := db.QueryRowContext(ctx, `SELECT count(*), min(CASE WHEN attempts = 0 THEN created_at END) FROM outbox`)
	var minAt NullTime
	if err := row.Scan(&pending, &minAt); err != nil {
		return 0, 0, fmt.Errorf("outbox backlog: %w", err)
	}
	if minAt.Valid {
		oldest = db.Now().Sub(minAt.Time)
	}
	return pending, oldest, nil
}

// signalOutbox wakes a local relay without blocking.
func (db *DB) signalOutbox() {
	select {
	case db.wake <- struct{}{}:
	default:
	}
}

// notifyPeers tells the relays of other hub processes, through PostgreSQL's
// NOTIFY, that the outbox has new messages. It runs after the commit, on a
// connection of its own, and coalesces: while one NOTIFY is under way,
// further calls add at most one more. A NOTIFY inside the writing
// transaction would take PostgreSQL's global notification lock from
// pre-commit until the commit record is flushed, which serialises every
// submitting transaction behind one WAL flush at a time. A lost
// notification only delays relaying until the relays' next poll.
func (db *DB) notifyPeers() {
	db.notifyPending.Store(true)
	if !db.notifying.CompareAndSwap(false, true) {
		return // the running notifier will see the pending flag
	}
	go func() {
		for {
			for db.notifyPending.Swap(false) {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				_, _ = db.ExecContext(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, db.instance) // best effort, see above
				cancel()
			}
			db.notifying.Store(false)
			// A call between the last Swap and the Store found the notifier
			// running and left; take its flag over unless another did.
			if !db.notifyPending.Load() || !db.notifying.CompareAndSwap(false, true) {
				return
			}
		}
	}()
}

// OutboxWake returns a channel that receives after a transaction that
// enqueued messages has committed: locally always, and from other hub
// processes on PostgreSQL once Listen runs.
func (db *DB) OutboxWake() <-chan struct{} { return db.wake }

// DeleteOutboxByHeader removes tenantID's waiting messages whose metadata
// header key has one of values: e.g. the messages of submissions whose
// content was deleted, which must not be sent afterwards. It returns how
// many it removed.
func DeleteOutboxByHeader(ctx context.Context, tx *Tx, tenantID, key string, values []string) (int, error) {
	if len(values) == 0 {
		return 0, nil
	}
	args := make([]any, 0, len(values)+2)
	args = append(args, tenantID, key)
	for _, v := range values {
		args = append(args, v)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE tenant_id = $1 AND metadata ->> $2 IN (`+Placeholders(3, len(values))+`)`, args...)
	if err != nil {
		return 0, fmt.Errorf("delete outbox messages by %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
