package mailbox

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/sqlstore"
)

// The citizen's archive (docs/citizen-archive.md) and account deletion:
// the postbox references, the link to an external postbox, the messages
// to and from the citizen and their attachments.

type postboxItem struct {
	Ref       string    `json:"ref"`
	ClientID  string    `json:"clientId"`
	CreatedAt time.Time `json:"createdAt"`
}

type externalItem struct {
	MailboxUUID string    `json:"mailboxUuid"`
	CreatedAt   time.Time `json:"createdAt"`
}

type messageItem struct {
	ID             string     `json:"id"`
	ClientID       string     `json:"clientId"`
	CaseID         string     `json:"caseId,omitempty"`
	Direction      string     `json:"direction"`
	InReplyTo      string     `json:"inReplyTo,omitempty"`
	Sender         string     `json:"sender"`
	Title          string     `json:"title"`
	Body           string     `json:"body"`
	BodyFormat     string     `json:"bodyFormat"`
	AssuranceLevel string     `json:"assuranceLevel"`
	Channel        string     `json:"channel"`
	Status         string     `json:"status"`
	CreatedAt      time.Time  `json:"createdAt"`
	DeliveredAt    *time.Time `json:"deliveredAt,omitempty"`
	ReadAt         *time.Time `json:"readAt,omitempty"`
	RepliedAt      *time.Time `json:"repliedAt,omitempty"`
}

type messageAttachmentItem struct {
	MessageID string `json:"messageId"`
	Position  int    `json:"position"`
	Filename  string `json:"filename"`
	MimeType  string `json:"mimeType"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	File      string `json:"file"`
}

// ExportCitizen writes the sections "postboxReferences", "externalPostbox",
// "messages" and "messageAttachments" (with their files, decrypted).
func (s *Service) ExportCitizen(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := privacy.Steps(ctx, tenantID, citizenID, a, s.exportPostboxes, s.exportMessages, s.exportAttachments); err != nil {
		return fmt.Errorf("export mailbox: %w", err)
	}
	return nil
}

func (s *Service) exportPostboxes(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := a.Section("postboxReferences"); err != nil {
		return err
	}
	err := sqlstore.EachRow(ctx, s.db, func(rows *sql.Rows) error {
		var it postboxItem
		if err := rows.Scan(&it.Ref, &it.ClientID, &it.CreatedAt); err != nil {
			return err
		}
		return a.Add(it)
	}, `SELECT ref, client_id, created_at FROM mailbox_postboxes WHERE tenant_id = $1 AND citizen_id = $2
		ORDER BY created_at, ref`, tenantID, citizenID)
	if err != nil {
		return err
	}
	if err := a.Section("externalPostbox"); err != nil {
		return err
	}
	return sqlstore.EachRow(ctx, s.db, func(rows *sql.Rows) error {
		var it externalItem
		if err := rows.Scan(&it.MailboxUUID, &it.CreatedAt); err != nil {
			return err
		}
		return a.Add(it)
	}, `SELECT mailbox_uuid, created_at FROM mailbox_external WHERE tenant_id = $1 AND citizen_id = $2`, tenantID, citizenID)
}

func (s *Service) exportMessages(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := a.Section("messages"); err != nil {
		return err
	}
	return sqlstore.EachRow(ctx, s.db, func(rows *sql.Rows) error {
		m, err := scanMessage(rows)
		if err != nil {
			return err
		}
		return a.Add(messageItem{ID: m.ID, ClientID: m.ClientID, CaseID: m.CaseID, Direction: m.Direction, InReplyTo: m.InReplyTo,
			Sender: m.Sender, Title: m.Title, Body: m.Body, BodyFormat: m.BodyFormat, AssuranceLevel: m.AssuranceLevel,
			Channel: m.Channel, Status: m.Status, CreatedAt: m.CreatedAt, DeliveredAt: m.DeliveredAt, ReadAt: m.ReadAt,
			RepliedAt: m.RepliedAt})
	}, `SELECT `+messageColumns+` FROM mailbox_messages WHERE tenant_id = $1 AND citizen_id = $2 ORDER BY created_at, id`,
		tenantID, citizenID)
}

func (s *Service) exportAttachments(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := a.Section("messageAttachments"); err != nil {
		return err
	}
	return sqlstore.EachRow(ctx, s.db, func(rows *sql.Rows) error {
		var it messageAttachmentItem
		if err := rows.Scan(&it.MessageID, &it.Position, &it.Filename, &it.MimeType, &it.Size, &it.SHA256); err != nil {
			return err
		}
		h := it.SHA256
		it.File = a.File("postfach/"+it.MessageID, it.Filename, func(ctx context.Context) ([]byte, error) {
			return s.blob(ctx, tenantID, h)
		})
		return a.Add(it)
	}, `SELECT a.message_id, a.position, a.filename, a.mime_type, a.size, a.sha256 FROM mailbox_attachments a
		JOIN mailbox_messages m ON m.id = a.message_id
		WHERE m.tenant_id = $1 AND m.citizen_id = $2 ORDER BY m.created_at, a.message_id, a.position`, tenantID, citizenID)
}

// ForgetCitizen deletes, inside tx, everything the mailbox holds of a
// citizen whose account is deleted: the postbox references and the link
// to an external postbox (nothing can be delivered to the account any
// more), the messages to and from the citizen with their attachments, and
// the attachments' contents no other message shares. The cases' timelines
// keep their mailbox events, which hold no content.
func (s *Service) ForgetCitizen(ctx context.Context, tx *sqlstore.Tx, tenantID, citizenID string) error {
	return ForgetCitizen(ctx, tx, tenantID, citizenID)
}

// ForgetCitizen is (*Service).ForgetCitizen for callers without a
// mailbox service (the mailbox may be off while messages remain).
func ForgetCitizen(ctx context.Context, tx *sqlstore.Tx, tenantID, citizenID string) error {
	const mine = `SELECT id FROM mailbox_messages WHERE tenant_id = $1 AND citizen_id = $2`
	var blobs []string
	err := sqlstore.EachRow(ctx, tx, func(rows *sql.Rows) error {
		var h string
		if err := rows.Scan(&h); err != nil {
			return err
		}
		blobs = append(blobs, h)
		return nil
	}, `SELECT DISTINCT sha256 FROM mailbox_attachments WHERE message_id IN (`+mine+`)`, tenantID, citizenID)
	if err != nil {
		return fmt.Errorf("forget citizen: find attachments: %w", err)
	}
	for _, stmt := range []struct{ what, sql string }{
		{"postbox references", `DELETE FROM mailbox_postboxes WHERE tenant_id = $1 AND citizen_id = $2`},
		{"external postbox", `DELETE FROM mailbox_external WHERE tenant_id = $1 AND citizen_id = $2`},
		{"attachments", `DELETE FROM mailbox_attachments WHERE message_id IN (` + mine + `)`},
		// Replies point to the messages they answer: untie them first.
		{"replies", `UPDATE mailbox_messages SET in_reply_to = NULL WHERE tenant_id = $1 AND citizen_id = $2`},
		{"messages", `DELETE FROM mailbox_messages WHERE tenant_id = $1 AND citizen_id = $2`},
	} {
		if _, err := tx.ExecContext(ctx, stmt.sql, tenantID, citizenID); err != nil {
			return fmt.Errorf("forget citizen: delete %s: %w", stmt.what, err)
		}
	}
	for _, h := range blobs {
		if _, err := tx.ExecContext(ctx, `DELETE FROM mailbox_blobs WHERE tenant_id = $1 AND sha256 = $2
			AND NOT EXISTS (SELECT 1 FROM mailbox_attachments a WHERE a.tenant_id = $1 AND a.sha256 = $2)`, tenantID, h); err != nil {
			return fmt.Errorf("forget citizen: delete attachment content: %w", err)
		}
	}
	return nil
}
