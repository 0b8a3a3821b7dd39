package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
)

// PutAttachment stores (or replaces) an announced attachment of an
// incomplete submission owned by clientID.
func (s *SubmissionStore) PutAttachment(ctx context.Context, tenantID, clientID, submissionID string, a *hub.Attachment, content []byte) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		sub, err := findSubmission(ctx, tx, tenantID, clientID, submissionID, true)
		if err != nil {
			return err
		}
		if err := s.checkOpen(sub); err != nil {
			return err
		}
		announced := false
		for _, id := range sub.AnnouncedAttachments {
			announced = announced || id == a.ID
		}
		if !announced {
			return &hub.Error{Code: hub.ENOTFOUND, Kind: "attachment_not_announced", Field: "attachmentId",
				Message: "This attachment was not announced when the submission was created."}
		}
		a.CreatedAt = s.db.Now()
		_, err = tx.ExecContext(ctx, `
			INSERT INTO attachments (tenant_id, submission_id, attachment_id, filename, mime_type, size, sha256, content, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (submission_id, attachment_id) DO UPDATE SET filename = excluded.filename,
				mime_type = excluded.mime_type, size = excluded.size, sha256 = excluded.sha256,
				content = excluded.content, created_at = excluded.created_at`,
			tenantID, submissionID, a.ID, nullString(a.Filename), a.MimeType, a.Size, a.SHA256, content, a.CreatedAt)
		if err != nil {
			return fmt.Errorf("store attachment: %w", err)
		}
		return nil
	})
}

// checkOpen refuses changes to a submission that is no longer incomplete.
func (s *SubmissionStore) checkOpen(sub *hub.Submission) error {
	if sub.State == hub.StateExpired || sub.State == hub.StateIncomplete && !s.db.Now().Before(sub.ExpiresAt) {
		return &hub.Error{Code: hub.EGONE, Kind: "submission_expired", Message: "The submission expired before it was submitted."}
	}
	if sub.State != hub.StateIncomplete {
		return &hub.Error{Code: hub.ECONFLICT, Kind: "submission_not_incomplete",
			Message: fmt.Sprintf("The submission is %s and can no longer be changed.", sub.State)}
	}
	return nil
}

// Submitted is what MarkSubmitted needs besides the submission.
type Submitted struct {
	Data        []byte // what the destination receives (after mapping)
	ContentType string
	DataHash    string // hash of the vendor's request, to recognise a retry
}

// MarkSubmitted moves an incomplete submission to submitted, appends the
// event and puts the message for the destination into the outbox — in one
// transaction. A retry of the same submit (same DataHash) succeeds again.
func (s *SubmissionStore) MarkSubmitted(ctx context.Context, tenantID, clientID, id string, in Submitted) (*hub.Submission, error) {
	var sub *hub.Submission
	err := s.db.InTx(ctx, func(tx *Tx) (err error) {
		if sub, err = findSubmission(ctx, tx, tenantID, clientID, id, true); err != nil {
			return err
		}
		if sub.State != hub.StateIncomplete {
			var prev *string
			if err := tx.QueryRowContext(ctx, `SELECT data_hash FROM submissions WHERE id = $1`, id).Scan(&prev); err != nil {
				return fmt.Errorf("read submission: %w", err)
			}
			if prev != nil && *prev == in.DataHash {
				return nil // the same submit again: already done
			}
		}
		if err := s.checkOpen(sub); err != nil {
			return err
		}
		if missing := sub.Missing(); len(missing) > 0 {
			return &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "attachments_missing", Field: "announcedAttachments",
				Message: "Announced attachments are not uploaded yet: " + strings.Join(missing, ", ")}
		}
		now := s.db.Now()
		res, err := tx.ExecContext(ctx, `
			UPDATE submissions SET state = $2, data = $3, content_type = $4, data_hash = $5, submitted_at = $6
			WHERE id = $1 AND state = 'incomplete'`,
			id, hub.StateSubmitted, in.Data, in.ContentType, in.DataHash, now)
		if err != nil {
			return fmt.Errorf("mark submitted: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("mark submitted: the submission changed concurrently (%d rows, %v)", n, err)
		}
		sub.State, sub.SubmittedAt, sub.ContentType = hub.StateSubmitted, &now, in.ContentType
		if err := s.appendEvent(ctx, tx, &hub.Event{TenantID: tenantID, CaseID: sub.CaseID, SubmissionID: id,
			Type: hub.EventSubmissionSubmitted, Actor: clientID,
			Data: hub.EventData(map[string]any{"contentType": in.ContentType, "attachments": len(sub.Attachments)})}); err != nil {
			return err
		}
		// Everything the message needs is at hand; only attachments' bytes
		// are read back.
		return s.enqueueMessage(ctx, tx, tenantID, &hub.SubmissionMessage{
			SubmissionID: id, CaseID: sub.CaseID, CaseNumber: sub.CaseNumber, DestinationID: sub.DestinationID,
			ServiceType: sub.ServiceType, SubmittedAt: now, ContentType: in.ContentType,
		}, in.Data, len(sub.Attachments) > 0)
	})
	return sub, err
}

// enqueueDelivery builds the message for the destination from the stored
// submission and its attachments and writes it to the outbox.
func (s *SubmissionStore) enqueueDelivery(ctx context.Context, tx *Tx, id string) error {
	var m hub.SubmissionMessage
	var tenantID string
	var data []byte
	if err := tx.QueryRowContext(ctx, `
		SELECT s.tenant_id, s.case_id, c.case_number, s.destination_id, s.leika_key, s.service_name, s.submitted_at, s.content_type, s.data
		FROM submissions s JOIN cases c ON c.id = s.case_id WHERE s.id = $1`, id).Scan(
		&tenantID, &m.CaseID, &m.CaseNumber, &m.DestinationID, &m.ServiceType.Identifier, &m.ServiceType.Name,
		&m.SubmittedAt, &m.ContentType, &data); err != nil {
		return fmt.Errorf("load submission %s for delivery: %w", id, err)
	}
	m.SubmissionID = id
	return s.enqueueMessage(ctx, tx, tenantID, &m, data, true)
}

// enqueueMessage completes m with the data and, if the submission has any,
// the attachments' content, and writes it to the outbox.
func (s *SubmissionStore) enqueueMessage(ctx context.Context, tx *Tx, tenantID string, m *hub.SubmissionMessage, data []byte, hasAttachments bool) error {
	if m.ContentType == "application/json" {
		m.Data = data
	} else {
		m.Data, _ = json.Marshal(string(data))
	}
	m.Attachments = []hub.AttachmentRef{}
	if hasAttachments {
		if err := loadAttachmentContent(ctx, tx, m); err != nil {
			return err
		}
	}
	payload, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode submission message: %w", err)
	}
	msgID := hub.NewID()
	return Enqueue(ctx, tx, hub.OutboxMessage{
		ID: msgID, TenantID: tenantID, Topic: bus.Topic(bus.SubmissionsExchange, m.DestinationID), Payload: payload,
		Metadata: map[string]string{
			"cloudEvents:specversion": hub.CloudEventsSpec,
			"cloudEvents:id":          msgID,
			"cloudEvents:type":        hub.EventTypeSubmission,
			"cloudEvents:source":      "/amthub/" + tenantID,
			"cloudEvents:subject":     m.CaseID,
			"cloudEvents:time":        s.db.Now().Format(time.RFC3339Nano),
			bus.ContentTypeKey:        "application/json",
			hub.HeaderTenant:          tenantID,
			hub.HeaderSubmission:      m.SubmissionID,
			hub.HeaderDestination:     m.DestinationID,
		},
	})
}

func loadAttachmentContent(ctx context.Context, tx *Tx, m *hub.SubmissionMessage) error {
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
		a.Filename = deref(filename)
		m.Attachments = append(m.Attachments, a)
	}
	return rows.Err()
}
