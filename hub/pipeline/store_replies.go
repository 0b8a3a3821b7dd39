package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// MarkForwarded records, inside the relay's transaction, that the broker
// confirmed the messages of submissions (hub.Submission.Forward), in a few
// statements for the whole batch: lock the submissions, write the ones
// that moved, append their events. Messages that carry no submission, and
// submissions no longer submitted (a redelivery, or the reply came first),
// are left alone.
func (s *Store) MarkForwarded(ctx context.Context, tx *sqlstore.Tx, msgs []hub.OutboxMessage) error {
	var ids []any
	seen := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		if id := m.Metadata[hub.HeaderSubmission]; id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	subs, err := lockForForward(ctx, tx, ids)
	if err != nil {
		return err
	}
	now := s.db.Now()
	// Submissions that moved, grouped by what is written: one statement
	// per distinct delivery count, which is nearly always one.
	byDeliveries := map[int][]any{}
	var events []*hub.Event
	for _, sub := range subs {
		if !sub.Forward(now) {
			continue
		}
		byDeliveries[sub.Deliveries] = append(byDeliveries[sub.Deliveries], sub.ID)
		events = append(events, sub.Pending().Events...)
	}
	for deliveries, moved := range byDeliveries {
		args := append([]any{hub.StateForwarded.String(), now, deliveries}, moved...)
		if _, err := tx.ExecContext(ctx, `UPDATE submissions SET state = $1, forwarded_at = $2, deliveries = $3
			WHERE id IN (`+sqlstore.Placeholders(4, len(moved))+`)`, args...); err != nil {
			return fmt.Errorf("mark forwarded: %w", err)
		}
	}
	return s.appendEvents(ctx, tx, events)
}

// lockForForward reads and locks what Forward needs of the submissions ids.
func lockForForward(ctx context.Context, tx *sqlstore.Tx, ids []any) ([]*hub.Submission, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, tenant_id, case_id, state, deliveries FROM submissions
		WHERE id IN (`+sqlstore.Placeholders(1, len(ids))+`) ORDER BY id`+tx.DB().Dialect.ForUpdate(), ids...)
	if err != nil {
		return nil, fmt.Errorf("mark forwarded: %w", err)
	}
	defer rows.Close()
	var out []*hub.Submission
	for rows.Next() {
		sub := &hub.Submission{}
		var state string
		if err := rows.Scan(&sub.ID, &sub.TenantID, &sub.CaseID, &state, &sub.Deliveries); err != nil {
			return nil, fmt.Errorf("mark forwarded: %w", err)
		}
		if sub.State, err = hub.ParseState(state); err != nil {
			return nil, fmt.Errorf("mark forwarded %s: %w", sub.ID, err)
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// Reply is a Fachverfahren's answer as the reply consumer received it.
type Reply = hub.Reply

// ApplyReply applies a reply (hub.Submission.ApplyReply) exactly once: the
// inbox claim and the effect commit together, so the same message twice
// changes nothing. A reply about a submission of another destination is
// refused.
func (s *Store) ApplyReply(ctx context.Context, r Reply) (applied bool, err error) {
	now := s.db.Now()
	applied, err = s.UpdateOnce(ctx, "replies", r.MessageID, r.Body.SubmissionID, func(sub *hub.Submission) error {
		if r.Time.IsZero() {
			r.Time = now // a Fachverfahren that sends no time: ordered by arrival
		}
		return sub.ApplyReply(r, now)
	})
	if hub.ErrorKind(err) == "submission_not_found" {
		return false, &hub.Error{Code: hub.ENOTFOUND, Kind: "submission_not_found", Message: "reply for an unknown submission"}
	}
	return applied, err
}

// ExpireDue expires the incomplete submissions past their expiry
// (hub.Submission.Expire), dropping their attachments' content, and
// returns how many it expired.
func (s *Store) ExpireDue(ctx context.Context, limit int) (int, error) {
	now := s.db.Now()
	return s.updateDue(ctx, `state = $1 AND expires_at <= $2`, []any{hub.StateIncomplete.String(), now}, limit,
		func(sub *hub.Submission) bool { return sub.Expire(now) })
}

// RedeliverDue sends again the submissions forwarded before cutoff that got
// no receipt, up to maxDeliveries times each (hub.Submission.Redeliver).
func (s *Store) RedeliverDue(ctx context.Context, cutoff time.Time, maxDeliveries, limit int) (int, error) {
	now := s.db.Now()
	return s.updateDue(ctx, `state = $1 AND forwarded_at <= $2 AND deliveries < $3 AND NOT pickup`,
		[]any{hub.StateForwarded.String(), cutoff, maxDeliveries}, limit,
		func(sub *hub.Submission) bool { return sub.Redeliver(maxDeliveries, now) })
}

// updateDue applies rule to up to limit submissions matching where, in one
// transaction, and returns how many it changed. The matching rows are
// locked with SKIP LOCKED, so that several hub processes sweep disjoint
// sets.
func (s *Store) updateDue(ctx context.Context, where string, args []any, limit int, rule func(*hub.Submission) bool) (int, error) {
	n := 0
	err := s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		n = 0
		ids, err := dueIDs(ctx, tx, where, args, limit)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := s.update(ctx, tx, id, func(sub *hub.Submission) error {
				if rule(sub) {
					n++
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

func dueIDs(ctx context.Context, tx *sqlstore.Tx, where string, args []any, limit int) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM submissions WHERE `+where+
		` ORDER BY id LIMIT `+fmt.Sprint(limit)+tx.DB().Dialect.SkipLocked(), args...)
	if err != nil {
		return nil, fmt.Errorf("find due submissions: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan due submission: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
