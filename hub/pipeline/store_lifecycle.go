package pipeline

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/sqlstore"
)

// PutAttachment stores (or replaces) an announced attachment of an
// incomplete submission owned by clientID.
func (s *Store) PutAttachment(ctx context.Context, tenantID, clientID, submissionID string, a *hub.Attachment, content []byte) error {
	return s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		sub, err := findSubmission(ctx, tx, tenantID, clientID, submissionID, true)
		if err != nil {
			return err
		}
		if err := sub.CheckOpen(s.db.Now()); err != nil {
			return err
		}
		if err := sub.CheckAnnounced(a.ID); err != nil {
			return err
		}
		a.CreatedAt = s.db.Now()
		_, err = tx.ExecContext(ctx, `
			INSERT INTO attachments (tenant_id, submission_id, attachment_id, filename, mime_type, size, sha256, content, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (submission_id, attachment_id) DO UPDATE SET filename = excluded.filename,
				mime_type = excluded.mime_type, size = excluded.size, sha256 = excluded.sha256,
				content = excluded.content, created_at = excluded.created_at`,
			tenantID, submissionID, a.ID, sqlstore.NullString(a.Filename), a.MimeType, a.Size, a.SHA256, content, a.CreatedAt)
		if err != nil {
			return fmt.Errorf("store attachment: %w", err)
		}
		return nil
	})
}

// Update loads submission id with its row locked, lets fn apply the
// domain's rules to it, and persists what they decided — its fields, the
// events on its case's timeline, its message for the destination — in
// one transaction. An error from fn rolls everything back and is returned
// unchanged. A submission that does not exist is ENOTFOUND.
func (s *Store) Update(ctx context.Context, id string, fn func(*hub.Submission) error) (*hub.Submission, error) {
	var sub *hub.Submission
	err := s.db.InTx(ctx, func(tx *sqlstore.Tx) (err error) {
		sub, err = s.update(ctx, tx, id, fn)
		return err
	})
	return sub, err
}

// UpdateOnce is Update for a message that must take effect exactly once:
// the inbox claim of messageID by consumer commits with the change. A
// message seen before changes nothing and reports applied=false.
func (s *Store) UpdateOnce(ctx context.Context, consumer, messageID, id string, fn func(*hub.Submission) error) (applied bool, err error) {
	err = s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		_, err := s.update(ctx, tx, id, func(sub *hub.Submission) error {
			if applied, err = sqlstore.ClaimInbox(ctx, tx, consumer, messageID, sub.TenantID); err != nil || !applied {
				return err
			}
			return fn(sub)
		})
		return err
	})
	return applied, err
}

func (s *Store) update(ctx context.Context, tx *sqlstore.Tx, id string, fn func(*hub.Submission) error) (*hub.Submission, error) {
	sub, err := loadSubmission(ctx, tx, id, true)
	if err != nil {
		return nil, err
	}
	if err := fn(sub); err != nil {
		return nil, err
	}
	if _, err := s.releaseHeld(ctx, tx, sub, false); err != nil {
		return nil, err
	}
	return sub, s.persist(ctx, tx, sub)
}

// persist writes what the rules decided about sub. Every change of a
// submission records an event or holds or releases a status report, so a
// submission without pending changes is unchanged and costs no write.
func (s *Store) persist(ctx context.Context, tx *sqlstore.Tx, sub *hub.Submission) error {
	ch := sub.Pending()
	if !ch.Changed() {
		return nil
	}
	set, args := `state = $2, content_type = $3, data_hash = $4, submitted_at = $5, forwarded_at = $6, decided_at = $7,
		deliveries = $8, status = $9, status_sequence = $10, status_time = $11, held_statuses = $12,
		encrypted_metadata = $13, pickup = $14`,
		[]any{sub.ID, sub.State.String(), sqlstore.NullString(sub.ContentType), sqlstore.NullString(sub.DataHash),
			sub.SubmittedAt, sub.ForwardedAt, sub.DecidedAt, sub.Deliveries,
			sqlstore.NullString(sub.Status), sub.StatusSequence, sub.StatusTime, sub.Held,
			sqlstore.NullString(sub.EncryptedMetadata), sub.Pickup}
	if sub.Data != nil { // loaded or set by the rules; never read back only to be written again
		set, args = set+`, data = $15`, append(args, sub.Data)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE submissions SET `+set+` WHERE id = $1`, args...); err != nil {
		return fmt.Errorf("update submission %s: %w", sub.ID, err)
	}
	if ch.DropAttachments {
		if _, err := tx.ExecContext(ctx, `UPDATE attachments SET content = NULL WHERE submission_id = $1`, sub.ID); err != nil {
			return fmt.Errorf("drop attachments of %s: %w", sub.ID, err)
		}
	}
	if err := s.persistHeld(ctx, tx, sub, ch); err != nil {
		return err
	}
	if err := s.appendEvents(ctx, tx, ch.Events); err != nil {
		return err
	}
	if ch.Deliver {
		return s.enqueueDelivery(ctx, tx, sub)
	}
	return nil
}

// enqueueDelivery writes the message for sub's destination, with its data
// and its attachments' content, to the outbox.
func (s *Store) enqueueDelivery(ctx context.Context, tx *sqlstore.Tx, sub *hub.Submission) error {
	data := sub.Data
	if data == nil {
		if err := tx.QueryRowContext(ctx, `SELECT data FROM submissions WHERE id = $1`, sub.ID).Scan(&data); err != nil {
			return fmt.Errorf("load submission %s for delivery: %w", sub.ID, err)
		}
	}
	m := &hub.SubmissionMessage{SubmissionID: sub.ID, CaseID: sub.CaseID, CaseNumber: sub.CaseNumber,
		DestinationID: sub.DestinationID, ServiceType: sub.ServiceType, ContentType: sub.ContentType,
		EncryptedMetadata: sub.EncryptedMetadata, Attachments: []hub.AttachmentRef{}}
	if sub.SubmittedAt != nil {
		m.SubmittedAt = *sub.SubmittedAt
	}
	if m.ContentType == "application/json" {
		m.Data = data
	} else {
		m.Data, _ = json.Marshal(string(data))
	}
	if len(sub.Attachments) > 0 {
		if err := loadAttachmentContent(ctx, tx, m); err != nil {
			return err
		}
	}
	msg, err := bus.SubmissionEnvelope(sub.TenantID, m, s.db.Now())
	if err != nil {
		return err
	}
	return sqlstore.Enqueue(ctx, tx, msg)
}

func loadAttachmentContent(ctx context.Context, tx *sqlstore.Tx, m *hub.SubmissionMessage) error {
	rows, err := tx.QueryContext(ctx, `SELECT attachment_id, filename, mime_type, size, sha256, content FROM attachments
		WHERE submission_id = $1 ORDER BY attachment_id`, m.SubmissionID)
	if err != nil {
		return fmt.Errorf("load attachments for delivery: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a hub.AttachmentRef
		var filename *string
		if err := rows.Scan(&a.AttachmentID, &filename, &a.MimeType, &a.Size, &a.SHA256, &a.Content); err != nil {
			return fmt.Errorf("scan attachment: %w", err)
		}
		a.Filename = sqlstore.Deref(filename)
		m.Attachments = append(m.Attachments, a)
	}
	return rows.Err()
}
