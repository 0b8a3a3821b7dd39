package mailbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

const messageColumns = `id, tenant_id, client_id, citizen_id, postbox_ref, case_id, direction, in_reply_to, sender, title, body,
	body_format, reply_allowed, assurance_level, channel, status, external_id, created_at, delivered_at, read_at, replied_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanMessage(row rowScanner) (*Message, error) {
	m := &Message{}
	var ref, caseID, replyTo, extID sql.NullString
	var delivered, read, replied sql.NullTime
	if err := row.Scan(&m.ID, &m.TenantID, &m.ClientID, &m.CitizenID, &ref, &caseID, &m.Direction, &replyTo, &m.Sender,
		&m.Title, &m.Body, &m.BodyFormat, &m.ReplyAllowed, &m.AssuranceLevel, &m.Channel, &m.Status, &extID,
		&m.CreatedAt, &delivered, &read, &replied); err != nil {
		return nil, err
	}
	m.PostboxRef, m.CaseID, m.InReplyTo, m.ExternalID = ref.String, caseID.String, replyTo.String, extID.String
	m.DeliveredAt, m.ReadAt, m.RepliedAt = timePtr(delivered), timePtr(read), timePtr(replied)
	return m, nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var errNotFound = &hub.Error{Code: hub.ENOTFOUND, Kind: "message_not_found", Message: "No such message."}

// findMessage returns a message matching where (with its arguments), with
// its attachments and replies.
func (s *Service) findMessage(ctx context.Context, where string, args ...any) (*Message, error) {
	m, err := scanMessage(s.db.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM mailbox_messages WHERE `+where, args...))
	if sqlstore.ErrNoRows(err) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find message: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT filename, mime_type, size, sha256 FROM mailbox_attachments
		WHERE message_id = $1 ORDER BY position`, m.ID)
	if err != nil {
		return nil, fmt.Errorf("find attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.Filename, &a.MimeType, &a.Size, &a.SHA256); err != nil {
			return nil, fmt.Errorf("find attachments: %w", err)
		}
		m.Attachments = append(m.Attachments, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	replies, err := s.db.QueryContext(ctx, `SELECT id FROM mailbox_messages WHERE in_reply_to = $1 ORDER BY id`, m.ID)
	if err != nil {
		return nil, fmt.Errorf("find replies: %w", err)
	}
	defer replies.Close()
	for replies.Next() {
		var id string
		if err := replies.Scan(&id); err != nil {
			return nil, fmt.Errorf("find replies: %w", err)
		}
		m.Replies = append(m.Replies, id)
	}
	return m, replies.Err()
}

// insertMessage stores m with its attachments in tx and, when it is
// delivered at once (own mailbox), records the delivery.
func (s *Service) insertMessage(ctx context.Context, tx *sqlstore.Tx, m *Message, atts []AttachmentData, idemKey, hash string) error {
	now := s.db.Now()
	m.CreatedAt = now
	var next any
	if m.Status == StatusPending {
		next = now
	} else {
		m.DeliveredAt = &now
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO mailbox_messages (id, tenant_id, client_id, citizen_id, postbox_ref, case_id,
		direction, in_reply_to, sender, title, body, body_format, reply_allowed, assurance_level, channel, status,
		next_attempt_at, idempotency_key, request_hash, created_at, delivered_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
		m.ID, m.TenantID, m.ClientID, m.CitizenID, nullable(m.PostboxRef), nullable(m.CaseID), m.Direction,
		nullable(m.InReplyTo), m.Sender, m.Title, m.Body, m.BodyFormat, m.ReplyAllowed, m.AssuranceLevel, m.Channel,
		m.Status, next, nullable(idemKey), hash, now, m.DeliveredAt)
	if err != nil {
		return fmt.Errorf("insert message: %w", err)
	}
	for i, a := range atts {
		h, err := s.putBlob(ctx, tx, m.TenantID, a.Content)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO mailbox_attachments (message_id, position, tenant_id, sha256, filename, mime_type, size)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, m.ID, i, m.TenantID, h, a.Filename, a.MimeType, len(a.Content)); err != nil {
			return fmt.Errorf("insert attachment: %w", err)
		}
		m.Attachments = append(m.Attachments, Attachment{Filename: a.Filename, MimeType: a.MimeType, Size: int64(len(a.Content)), SHA256: h})
	}
	if m.Status == StatusDelivered && m.Direction == ToCitizen {
		return s.record(ctx, tx, m, EventDelivered, "hub", nil)
	}
	return nil
}

// record appends a mailbox event to the message's case timeline, if it
// belongs to a case.
func (s *Service) record(ctx context.Context, tx *sqlstore.Tx, m *Message, typ, actor string, extra map[string]any) error {
	if m.CaseID == "" {
		return nil
	}
	data := map[string]any{"messageId": m.ID, "channel": m.Channel}
	for k, v := range extra {
		data[k] = v
	}
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode mailbox event: %w", err)
	}
	if err := s.cases.AppendEventTx(ctx, tx, &hub.Event{TenantID: m.TenantID, CaseID: m.CaseID, Type: typ, Actor: actor, Data: b}); err != nil {
		return fmt.Errorf("append mailbox event: %w", err)
	}
	return nil
}

// findByKey returns the message an earlier request with the same
// idempotency key created, nil if none, or EUNPROCESSABLE when the key was
// used for a different request.
func (s *Service) findByKey(ctx context.Context, tenantID, clientID, key, hash string) (*Message, error) {
	id, err := s.db.FindIdempotent(ctx, "mailbox_messages", tenantID, clientID, key, hash)
	if err != nil || id == "" {
		return nil, err
	}
	return s.findMessage(ctx, `id = $1`, id)
}

// channelOf returns how a citizen receives messages.
func channelOf(ctx context.Context, tx *sqlstore.Tx, tenantID, citizenID string) (string, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM mailbox_external WHERE tenant_id = $1 AND citizen_id = $2`,
		tenantID, citizenID).Scan(&n); err != nil {
		return "", fmt.Errorf("find postbox: %w", err)
	}
	if n > 0 {
		return ChannelExternal, nil
	}
	return ChannelOwn, nil
}
