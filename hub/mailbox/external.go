package mailbox

import (
	"context"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/poll"
	"github.com/amthub/amthub/hub/sqlstore"
)

// EventFailed is recorded when an external postbox refused a message for
// good (an addition to the list in docs/ARCHITECTURE.md).
const EventFailed = "mailbox.failed"

// ExternalMessage is a message for an external postbox.
type ExternalMessage struct {
	MessageID      string // the hub's id; adapters pass it on so a repeat is recognised
	MailboxUUID    string
	Sender         string
	Title          string
	Body           string
	BodyFormat     string
	ReplyAllowed   bool
	AssuranceLevel string
	Reference      string // the case number, if any
	Attachments    []Attachment
}

// ExternalPostbox delivers messages to a postbox outside amthub. Errors
// with code EUNAVAILABLE are retried; others fail the message.
type ExternalPostbox interface {
	Deliver(ctx context.Context, m ExternalMessage) (externalID string, err error)
}

// deliveryLease is how long one delivery attempt owns a message.
const deliveryLease = 2 * time.Minute

// Run delivers pending messages to the external postbox until ctx ends.
func (s *Service) Run(ctx context.Context) {
	s.every(ctx, "mailbox delivery", s.DeliverOnce)
}

// every runs a batch job every two seconds until ctx ends, logging a
// failed round (then tried again on the next).
func (s *Service) every(ctx context.Context, what string, once func(ctx context.Context, limit int) (int, error)) {
	poll.Loop(ctx, 2*time.Second, func(ctx context.Context) bool {
		if _, err := once(ctx, 50); err != nil && ctx.Err() == nil {
			s.logger.Warn(what+" failed; retrying", "error", err)
		}
		return false
	})
}

// DeliverOnce attempts up to limit due external deliveries and returns how
// many it tried.
func (s *Service) DeliverOnce(ctx context.Context, limit int) (int, error) {
	if s.cfg.External == nil {
		return 0, nil
	}
	var ids []string
	err := s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		now := s.db.Now()
		rows, err := tx.QueryContext(ctx, `SELECT id FROM mailbox_messages WHERE next_attempt_at <= $1 AND status = 'pending'
			ORDER BY next_attempt_at LIMIT $2`+s.db.Dialect.SkipLocked(), now, limit)
		if err != nil {
			return fmt.Errorf("lease deliveries: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("lease deliveries: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		return lease(ctx, tx, ids, now.Add(deliveryLease))
	})
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		s.deliver(ctx, id)
	}
	return len(ids), nil
}

// deliverNow tries one message right after it was sent, if no one else is.
func (s *Service) deliverNow(ctx context.Context, id string) {
	now := s.db.Now()
	res, err := s.db.ExecContext(ctx, `UPDATE mailbox_messages SET next_attempt_at = $2
		WHERE id = $1 AND status = 'pending' AND next_attempt_at <= $3`, id, now.Add(deliveryLease), now)
	if err != nil {
		return
	}
	if n, _ := res.RowsAffected(); n == 1 {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		s.deliver(dctx, id)
	}
}

// deliver hands a leased message to the external postbox and records the
// outcome.
func (s *Service) deliver(ctx context.Context, id string) {
	m, err := s.findMessage(ctx, `id = $1`, id)
	if err != nil {
		s.logger.Warn("load message for delivery", "message", id, "error", err)
		return
	}
	em := ExternalMessage{MessageID: m.ID, Sender: m.Sender, Title: m.Title, Body: m.Body, BodyFormat: m.BodyFormat,
		ReplyAllowed: m.ReplyAllowed, AssuranceLevel: m.AssuranceLevel, Attachments: m.Attachments}
	err = s.db.QueryRowContext(ctx, `SELECT mailbox_uuid FROM mailbox_external WHERE tenant_id = $1 AND citizen_id = $2`,
		m.TenantID, m.CitizenID).Scan(&em.MailboxUUID)
	if err == nil && m.CaseID != "" {
		var c *hub.Case
		if c, err = s.cases.FindCase(ctx, s.db, m.CaseID); err == nil {
			em.Reference = c.Number
		} else if hub.IsCode(err, hub.ENOTFOUND) {
			err = nil // no case, no reference
		}
	}
	for i := range em.Attachments {
		if err == nil {
			em.Attachments[i].Content, err = s.blob(ctx, m.TenantID, em.Attachments[i].SHA256)
		}
	}
	var extID string
	if err == nil {
		extID, err = s.cfg.External.Deliver(ctx, em)
	}
	if err := s.recordDelivery(context.WithoutCancel(ctx), m, extID, err); err != nil {
		s.logger.Warn("record delivery", "message", id, "error", err)
	}
}

// recordDelivery stores the outcome of a delivery attempt.
func (s *Service) recordDelivery(ctx context.Context, m *Message, extID string, cause error) error {
	return s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		now := s.db.Now()
		if cause == nil {
			// From now on next_attempt_at schedules the read checks.
			var check any
			if s.cfg.Receipts != nil {
				check = now.Add(s.cfg.ReadChecks[0])
			}
			if _, err := tx.ExecContext(ctx, `UPDATE mailbox_messages SET status = 'delivered', external_id = $2, delivered_at = $3,
				next_attempt_at = $4, last_error = NULL, attempts = attempts + 1 WHERE id = $1 AND status = 'pending'`,
				m.ID, extID, now, check); err != nil {
				return fmt.Errorf("mark delivered: %w", err)
			}
			return s.record(ctx, tx, m, EventDelivered, "hub", nil)
		}
		var attempts int
		if err := tx.QueryRowContext(ctx, `UPDATE mailbox_messages SET attempts = attempts + 1, last_error = $2 WHERE id = $1
			RETURNING attempts`, m.ID, truncateRunes(cause.Error(), 300)).Scan(&attempts); err != nil {
			return fmt.Errorf("record delivery error: %w", err)
		}
		if hub.ErrorCode(cause) == hub.EUNAVAILABLE && attempts < s.cfg.MaxAttempts {
			wait := min(s.cfg.RetryBackoff<<min(attempts-1, 10), time.Hour)
			_, err := tx.ExecContext(ctx, `UPDATE mailbox_messages SET next_attempt_at = $2 WHERE id = $1`, m.ID, now.Add(wait))
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mailbox_messages SET status = 'failed', next_attempt_at = NULL WHERE id = $1`, m.ID); err != nil {
			return fmt.Errorf("mark failed: %w", err)
		}
		return s.record(ctx, tx, m, EventFailed, "hub", map[string]any{"reason": hub.ErrorKind(cause)})
	})
}

// lease postpones the next attempt of the messages ids to until, in one
// statement: another worker skips them until then, and a crashed worker's
// lease runs out.
func lease(ctx context.Context, tx *sqlstore.Tx, ids []string, until time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{until}
	for _, id := range ids {
		args = append(args, id)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE mailbox_messages SET next_attempt_at = $1 WHERE id IN (`+
		sqlstore.Placeholders(2, len(ids))+`)`, args...); err != nil {
		return fmt.Errorf("lease messages: %w", err)
	}
	return nil
}
