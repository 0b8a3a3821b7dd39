package mailbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// The citizen's side, for the portal: p is the citizen's principal (its
// Subject is the citizen's account id, its ACR the login's level).

func citizenOf(p *hub.Principal) (string, error) {
	if p == nil || p.Subject == "" || p.Subject == p.ClientID {
		return "", hub.Errorf(hub.EUNAUTHORIZED, "The citizen must be logged in.")
	}
	return p.Subject, nil
}

// Inbox lists the citizen's messages, newest first, without bodies of
// messages their login level may not open.
func (s *Service) Inbox(ctx context.Context, p *hub.Principal, limit int) ([]*Message, error) {
	citizen, err := citizenOf(p)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+messageColumns+` FROM mailbox_messages
		WHERE tenant_id = $1 AND citizen_id = $2 AND direction = 'to_citizen' AND status <> 'pending'
		ORDER BY created_at DESC, id DESC LIMIT $3`, p.TenantID, citizen, limit)
	if err != nil {
		return nil, fmt.Errorf("list inbox: %w", err)
	}
	defer rows.Close()
	var out []*Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("list inbox: %w", err)
		}
		if !hub.ACRAtLeast(p.ACR, m.AssuranceLevel) {
			m.Body = ""
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Open returns one of the citizen's messages with its attachments' bytes
// and, the first time, records that it was read. The login must meet the
// message's assurance level.
func (s *Service) Open(ctx context.Context, p *hub.Principal, id string) (*Message, error) {
	m, err := s.citizenMessage(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if m.Status == StatusDelivered {
		err := s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE mailbox_messages SET status = 'read', read_at = $2 WHERE id = $1 AND status = 'delivered'`,
				m.ID, s.db.Now())
			if err != nil {
				return fmt.Errorf("mark read: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			return s.record(ctx, tx, m, EventRead, "citizen", nil)
		})
		if err != nil {
			return nil, err
		}
		now := s.db.Now()
		m.Status, m.ReadAt = StatusRead, &now
	}
	for i := range m.Attachments {
		if m.Attachments[i].Content, err = s.blob(ctx, m.TenantID, m.Attachments[i].SHA256); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// citizenMessage finds a message to the citizen and checks the login level.
func (s *Service) citizenMessage(ctx context.Context, p *hub.Principal, id string) (*Message, error) {
	m, err := s.findCitizenMessage(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !hub.ACRAtLeast(p.ACR, m.AssuranceLevel) {
		return nil, levelTooLow(m.AssuranceLevel)
	}
	return m, nil
}

func levelTooLow(level string) error {
	return &hub.Error{Code: hub.EFORBIDDEN, Kind: "assurance_level_too_low",
		Message: "This message needs a login with assurance level " + level + "."}
}

// findCitizenMessage finds a message to the citizen, whatever the login
// level.
func (s *Service) findCitizenMessage(ctx context.Context, p *hub.Principal, id string) (*Message, error) {
	citizen, err := citizenOf(p)
	if err != nil {
		return nil, err
	}
	if !hub.ValidID(id) {
		return nil, errNotFound
	}
	return s.findMessage(ctx, `tenant_id = $1 AND citizen_id = $2 AND id = $3 AND direction = 'to_citizen' AND status <> 'pending'`,
		p.TenantID, citizen, id)
}

// Preview returns one of the citizen's messages as Inbox lists it — when
// the login level is too low, without body and attachments, so the portal
// can ask for a stronger login — and does not mark it read.
func (s *Service) Preview(ctx context.Context, p *hub.Principal, id string) (*Message, error) {
	m, err := s.findCitizenMessage(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !hub.ACRAtLeast(p.ACR, m.AssuranceLevel) {
		m.Body, m.Attachments = "", nil
	}
	return m, nil
}

// Replies returns the citizen's replies to one of their messages, oldest
// first, with their attachments' descriptions.
func (s *Service) Replies(ctx context.Context, p *hub.Principal, id string) ([]*Message, error) {
	m, err := s.citizenMessage(ctx, p, id)
	if err != nil {
		return nil, err
	}
	out := make([]*Message, 0, len(m.Replies))
	for _, rid := range m.Replies {
		r, err := s.findMessage(ctx, `tenant_id = $1 AND citizen_id = $2 AND id = $3 AND direction = 'from_citizen'`,
			m.TenantID, m.CitizenID, rid)
		if hub.IsCode(err, hub.ENOTFOUND) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Attachment returns attachment n (from 0) of a message to the citizen,
// with its bytes, or of one of the citizen's own replies. Messages to the
// citizen need the login level they were sent with.
func (s *Service) Attachment(ctx context.Context, p *hub.Principal, id string, n int) (*Attachment, error) {
	citizen, err := citizenOf(p)
	if err != nil {
		return nil, err
	}
	if !hub.ValidID(id) || n < 0 {
		return nil, errNotFound
	}
	m, err := s.findMessage(ctx, `tenant_id = $1 AND citizen_id = $2 AND id = $3 AND (direction = 'from_citizen' OR status <> 'pending')`,
		p.TenantID, citizen, id)
	if err != nil {
		return nil, err
	}
	if m.Direction == ToCitizen && !hub.ACRAtLeast(p.ACR, m.AssuranceLevel) {
		return nil, levelTooLow(m.AssuranceLevel)
	}
	if n >= len(m.Attachments) {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "attachment_not_found", Message: "No such attachment."}
	}
	a := m.Attachments[n]
	if a.Content, err = s.blob(ctx, m.TenantID, a.SHA256); err != nil {
		return nil, err
	}
	return &a, nil
}

// Reply stores the citizen's answer to a message that allows replies, with
// optional attachments (checked like a sender's), and records it on the
// case timeline; the sender reads it with Get.
func (s *Service) Reply(ctx context.Context, p *hub.Principal, id, body string, atts ...AttachmentData) (*Message, error) {
	orig, err := s.citizenMessage(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !orig.ReplyAllowed {
		return nil, &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "reply_not_allowed", Message: "This message does not take replies."}
	}
	if err := checkText("body", body, 1, MaxBody, true); err != nil {
		return nil, err
	}
	if len(atts) > s.cfg.MaxAttachments {
		return nil, &hub.Error{Code: hub.EINVALID, Kind: "too_many_attachments", Field: "attachments",
			Message: fmt.Sprintf("A message has at most %d attachments.", s.cfg.MaxAttachments)}
	}
	h := sha256.New()
	h.Write([]byte(id + "\x00" + body))
	for i := range atts {
		if err := s.checkAttachment(i, &atts[i]); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(atts[i].Content)
		h.Write([]byte("\x00" + atts[i].Filename + "\x00" + hex.EncodeToString(sum[:])))
	}
	r := &Message{ID: hub.NewID(), TenantID: orig.TenantID, ClientID: orig.ClientID, CitizenID: orig.CitizenID,
		PostboxRef: orig.PostboxRef, CaseID: orig.CaseID, Direction: FromCitizen, InReplyTo: orig.ID, Sender: "citizen",
		Title: truncateRunes("Re: "+orig.Title, MaxTitle), Body: body, BodyFormat: FormatText, AssuranceLevel: hub.ACRNormal,
		Channel: orig.Channel, Status: StatusDelivered}
	err = s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := s.insertMessage(ctx, tx, r, atts, "", hex.EncodeToString(h.Sum(nil))); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mailbox_messages SET status = 'replied', replied_at = $2,
			read_at = COALESCE(read_at, $2) WHERE id = $1`, orig.ID, s.db.Now()); err != nil {
			return fmt.Errorf("mark replied: %w", err)
		}
		return s.record(ctx, tx, orig, EventReplied, "citizen", map[string]any{"replyId": r.ID})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// LinkExternal routes the citizen's future messages to an external
// postbox (the portal calls it when the citizen links, e.g., a BundID
// account).
func (s *Service) LinkExternal(ctx context.Context, tenantID, citizenID, mailboxUUID string) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO mailbox_external (tenant_id, citizen_id, mailbox_uuid, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, citizen_id) DO UPDATE SET mailbox_uuid = excluded.mailbox_uuid`,
		tenantID, citizenID, mailboxUUID, s.db.Now()); err != nil {
		return fmt.Errorf("link external postbox: %w", err)
	}
	return nil
}

// Encrypt seals content for storage at rest the way attachments are: a
// fresh data key (AES-256-GCM) wrapped with the active key-encryption key,
// whose id it returns. aad binds the ciphertext to its row; pass the same
// to Decrypt. The portal's document safe uses it with a keyring of its own.
func (k Keyring) Encrypt(content, aad []byte) (ciphertext, wrapped []byte, keyID string, err error) {
	if err := k.Validate(); err != nil {
		return nil, nil, "", err
	}
	return k.encrypt(content, aad)
}

// Decrypt opens what Encrypt sealed.
func (k Keyring) Decrypt(ciphertext, wrapped []byte, keyID string, aad []byte) ([]byte, error) {
	return k.decrypt(ciphertext, wrapped, keyID, aad)
}
