package mailbox

import (
	"context"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Read receipts of external postboxes. An external postbox does not push:
// the hub asks it, on a back-off schedule from the delivery, whether the
// citizen has opened a message, until it was read or ReadCutoff has
// passed. For a delivered external message, next_attempt_at holds the
// time of the next check (NULL: no more checks). Reading becomes
// mailbox.read on the case timeline — and so a callback to the sender —
// exactly once, whoever notices it first.

// ReadStatus is what an external postbox says about a delivered message.
type ReadStatus struct {
	Read   bool
	ReadAt time.Time // zero if the postbox does not say when
}

// ReadReceipts tells whether a message delivered to an external postbox
// was read. Errors with code EUNAVAILABLE are retried at the next check;
// others end the checks of that message.
type ReadReceipts interface {
	ReadStatus(ctx context.Context, externalID string) (ReadStatus, error)
}

// readCheckLease is how long one check owns a message.
const readCheckLease = time.Minute

// RunReceipts checks due external messages for reading until ctx ends.
func (s *Service) RunReceipts(ctx context.Context) {
	if s.cfg.Receipts == nil {
		return
	}
	s.every(ctx, "mailbox read checks", s.CheckReadOnce)
}

// CheckReadOnce asks the external postbox about up to limit messages whose
// read check is due, and returns how many it asked about.
func (s *Service) CheckReadOnce(ctx context.Context, limit int) (int, error) {
	if s.cfg.Receipts == nil {
		return 0, nil
	}
	type due struct {
		id, externalID string
	}
	var todo []due
	err := s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		now := s.db.Now()
		rows, err := tx.QueryContext(ctx, `SELECT id, external_id FROM mailbox_messages
			WHERE next_attempt_at <= $1 AND status = 'delivered' AND channel = 'external' AND external_id IS NOT NULL
			ORDER BY next_attempt_at LIMIT $2`+s.db.Dialect.SkipLocked(), now, limit)
		if err != nil {
			return fmt.Errorf("lease read checks: %w", err)
		}
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.externalID); err != nil {
				rows.Close()
				return fmt.Errorf("lease read checks: %w", err)
			}
			todo = append(todo, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("lease read checks: %w", err)
		}
		ids := make([]string, len(todo))
		for i, d := range todo {
			ids[i] = d.id
		}
		return lease(ctx, tx, ids, now.Add(readCheckLease))
	})
	if err != nil {
		return 0, err
	}
	for _, d := range todo {
		st, err := s.cfg.Receipts.ReadStatus(ctx, d.externalID)
		if rerr := s.recordReadCheck(context.WithoutCancel(ctx), d.id, st, err); rerr != nil {
			s.logger.Warn("record read check", "message", d.id, "error", rerr)
		}
	}
	return len(todo), nil
}

// recordReadCheck stores the outcome of one read check: the message is
// read (once), checked again later, or no longer checked.
func (s *Service) recordReadCheck(ctx context.Context, id string, st ReadStatus, cause error) error {
	m, err := s.findMessage(ctx, `id = $1`, id)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		now := s.db.Now()
		if cause == nil && st.Read {
			readAt := st.ReadAt
			if readAt.IsZero() || readAt.After(now) {
				readAt = now
			}
			res, err := tx.ExecContext(ctx, `UPDATE mailbox_messages SET status = 'read', read_at = $2, next_attempt_at = NULL
				WHERE id = $1 AND status = 'delivered'`, id, readAt)
			if err != nil {
				return fmt.Errorf("mark read: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // read (or answered) by another way already
			}
			return s.record(ctx, tx, m, EventRead, "citizen", map[string]any{"readAt": readAt.UTC().Format(time.RFC3339)})
		}
		var next any
		if cause == nil || hub.ErrorCode(cause) == hub.EUNAVAILABLE {
			if at, ok := s.nextReadCheck(m.DeliveredAt, now); ok {
				next = at
			}
		}
		if cause != nil {
			s.logger.Info("external postbox read check failed", "message", id, "kind", hub.ErrorKind(cause), "retry", next != nil)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mailbox_messages SET next_attempt_at = $2 WHERE id = $1 AND status = 'delivered'`,
			id, next); err != nil {
			return fmt.Errorf("schedule read check: %w", err)
		}
		return nil
	})
}

// nextReadCheck returns when to check a message delivered at deliveredAt
// next: the first point of the schedule (pauses ReadChecks from the
// delivery, the last one repeating) after now; false once ReadCutoff has
// passed.
func (s *Service) nextReadCheck(deliveredAt *time.Time, now time.Time) (time.Time, bool) {
	if deliveredAt == nil {
		return time.Time{}, false
	}
	end := deliveredAt.Add(s.cfg.ReadCutoff)
	if !now.Before(end) {
		return time.Time{}, false
	}
	at := *deliveredAt
	steps := s.cfg.ReadChecks
	for _, d := range steps {
		at = at.Add(d)
		if at.After(now) {
			return minTime(at, end), true
		}
	}
	last := steps[len(steps)-1]
	at = at.Add((now.Sub(at)/last + 1) * last)
	return minTime(at, end), true
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
