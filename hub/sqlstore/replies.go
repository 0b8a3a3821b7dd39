package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/amthub/amthub/hub"
)

// MarkForwarded records, inside the relay's transaction, that the broker
// confirmed the messages of submissions: submitted → forwarded, in one
// statement for the batch plus the events'. Messages that carry no
// submission, and submissions no longer submitted (a redelivery, or the
// reply came first), are left alone.
func (s *SubmissionStore) MarkForwarded(ctx context.Context, tx *Tx, msgs []hub.OutboxMessage) error {
	args := []any{hub.StateForwarded, s.db.Now(), hub.StateSubmitted}
	seen := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		if id := m.Metadata[hub.HeaderSubmission]; id != "" && !seen[id] {
			seen[id] = true
			args = append(args, id)
		}
	}
	if len(seen) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `UPDATE submissions SET state = $1, forwarded_at = $2, deliveries = deliveries + 1
		WHERE state = $3 AND id IN (`+Placeholders(4, len(seen))+`) RETURNING id, tenant_id, case_id`, args...)
	if err != nil {
		return fmt.Errorf("mark forwarded: %w", err)
	}
	var events []*hub.Event
	for rows.Next() {
		e := &hub.Event{Type: hub.EventSubmissionForwarded, Actor: "hub"}
		if err := rows.Scan(&e.SubmissionID, &e.TenantID, &e.CaseID); err != nil {
			rows.Close()
			return fmt.Errorf("mark forwarded: %w", err)
		}
		events = append(events, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("mark forwarded: %w", err)
	}
	return s.appendEvents(ctx, tx, events)
}

func (s *SubmissionStore) forward(ctx context.Context, tx *Tx, tenantID, caseID, id string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE submissions SET state = $2, forwarded_at = $3, deliveries = deliveries + 1 WHERE id = $1`,
		id, hub.StateForwarded, s.db.Now()); err != nil {
		return fmt.Errorf("mark %s forwarded: %w", id, err)
	}
	return s.appendEvent(ctx, tx, &hub.Event{TenantID: tenantID, CaseID: caseID, SubmissionID: id,
		Type: hub.EventSubmissionForwarded, Actor: "hub"})
}

// Reply is a Fachverfahren's answer as the reply consumer received it.
type Reply struct {
	MessageID     string // deduplication key
	DestinationID string // from the routing key: who sent it
	Type          string // accept, reject, status, mailbox
	Body          hub.ReplyMessage
}

// ApplyReply applies a reply exactly once: the inbox claim and the effect
// commit together, so the same message twice changes nothing. A reply
// about a submission of another destination is refused.
func (s *SubmissionStore) ApplyReply(ctx context.Context, r Reply) (applied bool, err error) {
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var tenantID, caseID, destID, state string
		err := tx.QueryRowContext(ctx, `SELECT tenant_id, case_id, destination_id, state FROM submissions WHERE id = $1`+
			tx.db.Dialect.ForUpdate(), r.Body.SubmissionID).Scan(&tenantID, &caseID, &destID, &state)
		if ErrNoRows(err) || err == nil && destID != r.DestinationID {
			return &hub.Error{Code: hub.ENOTFOUND, Kind: "submission_not_found", Message: "reply for an unknown submission"}
		}
		if err != nil {
			return fmt.Errorf("find submission of reply: %w", err)
		}
		if applied, err = ClaimInbox(ctx, tx, "replies", r.MessageID, tenantID); err != nil || !applied {
			return err
		}
		actor := "fachverfahren:" + r.DestinationID
		ev := &hub.Event{TenantID: tenantID, CaseID: caseID, SubmissionID: r.Body.SubmissionID, Actor: actor}
		switch r.Type {
		case hub.ReplyAccept, hub.ReplyReject:
			to, typ := hub.StateAccepted, hub.EventSubmissionAccepted
			ev.Data = hub.EventData(map[string]any{"reference": r.Body.Reference})
			if r.Type == hub.ReplyReject {
				to, typ = hub.StateRejected, hub.EventSubmissionRejected
				ev.Data = hub.EventData(map[string]any{"reason": r.Body.Reason})
			}
			if !hub.CanTransition(state, to) {
				return nil // a late duplicate decision: recorded in the inbox, no effect
			}
			if state == hub.StateSubmitted {
				// The decision overtook the broker confirm: forwarded first.
				if err := s.forward(ctx, tx, tenantID, caseID, r.Body.SubmissionID); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE submissions SET state = $2, decided_at = $3 WHERE id = $1`,
				r.Body.SubmissionID, to, s.db.Now()); err != nil {
				return fmt.Errorf("decide submission: %w", err)
			}
			ev.Type = typ
		case hub.ReplyStatus:
			ev.Type = hub.EventStatusPrefix + strings.ToLower(r.Body.Status)
			ev.Data = hub.EventData(map[string]any{"status": r.Body.Status, "message": r.Body.Message})
		case hub.ReplyMailbox:
			ev.Type = hub.EventMailboxReceived
			title := ""
			if r.Body.Mailbox != nil {
				title = r.Body.Mailbox.Title
			}
			ev.Data = hub.EventData(map[string]any{"title": title})
		default:
			return hub.Errorf(hub.EINVALID, "unknown reply type %q", r.Type)
		}
		return s.appendEvent(ctx, tx, ev)
	})
	return applied, err
}

// ExpireDue marks incomplete submissions past their expiry as expired,
// drops their attachments' content, and returns how many it expired.
func (s *SubmissionStore) ExpireDue(ctx context.Context, limit int) (int, error) {
	n := 0
	err := s.db.InTx(ctx, func(tx *Tx) error {
		due, err := s.due(ctx, tx, `state = 'incomplete' AND expires_at <= $1`, s.db.Now(), limit)
		if err != nil {
			return err
		}
		for _, d := range due {
			if _, err := tx.ExecContext(ctx, `UPDATE submissions SET state = 'expired' WHERE id = $1`, d.id); err != nil {
				return fmt.Errorf("expire submission: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE attachments SET content = NULL WHERE submission_id = $1`, d.id); err != nil {
				return fmt.Errorf("drop expired attachments: %w", err)
			}
			if err := s.appendEvent(ctx, tx, &hub.Event{TenantID: d.tenantID, CaseID: d.caseID, SubmissionID: d.id,
				Type: hub.EventSubmissionExpired, Actor: "hub"}); err != nil {
				return err
			}
		}
		n = len(due)
		return nil
	})
	return n, err
}

// RedeliverDue sends again the submissions forwarded before cutoff that got
// no receipt, up to maxDeliveries times each, and records each redelivery
// on the timeline. Consumers recognise the repeat by the submission id.
func (s *SubmissionStore) RedeliverDue(ctx context.Context, cutoff time.Time, maxDeliveries, limit int) (int, error) {
	n := 0
	err := s.db.InTx(ctx, func(tx *Tx) error {
		due, err := s.due(ctx, tx, `state = 'forwarded' AND forwarded_at <= $1 AND deliveries < `+fmt.Sprint(maxDeliveries), cutoff, limit)
		if err != nil {
			return err
		}
		for _, d := range due {
			if _, err := tx.ExecContext(ctx, `UPDATE submissions SET forwarded_at = $2, deliveries = deliveries + 1 WHERE id = $1`,
				d.id, s.db.Now()); err != nil {
				return fmt.Errorf("redeliver submission: %w", err)
			}
			if err := s.enqueueDelivery(ctx, tx, d.id); err != nil {
				return err
			}
			if err := s.appendEvent(ctx, tx, &hub.Event{TenantID: d.tenantID, CaseID: d.caseID, SubmissionID: d.id,
				Type: hub.EventSubmissionRedelivered, Actor: "hub",
				Data: hub.EventData(map[string]any{"delivery": d.deliveries + 1})}); err != nil {
				return err
			}
		}
		n = len(due)
		return nil
	})
	return n, err
}

type dueSubmission struct {
	id, tenantID, caseID string
	deliveries           int
}

// due locks the submissions matching where (with $1 bound to arg), so that
// several hub processes sweep disjoint sets.
func (s *SubmissionStore) due(ctx context.Context, tx *Tx, where string, arg any, limit int) ([]dueSubmission, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, tenant_id, case_id, deliveries FROM submissions WHERE `+where+
		` ORDER BY id LIMIT `+fmt.Sprint(limit)+tx.db.Dialect.SkipLocked(), arg)
	if err != nil {
		return nil, fmt.Errorf("find due submissions: %w", err)
	}
	defer rows.Close()
	var out []dueSubmission
	for rows.Next() {
		var d dueSubmission
		if err := rows.Scan(&d.id, &d.tenantID, &d.caseID, &d.deliveries); err != nil {
			return nil, fmt.Errorf("scan due submission: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
