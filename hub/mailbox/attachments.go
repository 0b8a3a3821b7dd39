package mailbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// checkAttachment checks an attachment's name, declared type (allowed, and
// matching what the bytes are) and size.
func (s *Service) checkAttachment(i int, a *AttachmentData) error {
	field := fmt.Sprintf("attachments/%d", i)
	name := strings.TrimSpace(a.Filename)
	if name == "" || utf8.RuneCountInString(name) > 200 || !utf8.ValidString(name) ||
		strings.ContainsAny(name, "/\\\x00") || path.Base(name) != name {
		return &hub.Error{Code: hub.EINVALID, Kind: "attachment_invalid", Field: field + "/filename",
			Message: "A plain file name of 1 to 200 characters is required."}
	}
	if int64(len(a.Content)) > s.cfg.MaxAttachmentSize {
		return &hub.Error{Code: hub.ETOOLARGE, Kind: "attachment_too_large", Field: field + "/content",
			Message: fmt.Sprintf("An attachment may have at most %d bytes.", s.cfg.MaxAttachmentSize)}
	}
	if len(a.Content) == 0 {
		return &hub.Error{Code: hub.EINVALID, Kind: "attachment_invalid", Field: field + "/content", Message: "The attachment is empty."}
	}
	declared, _, err := mime.ParseMediaType(a.MimeType)
	if err != nil || !slices.Contains(s.cfg.AllowedTypes, declared) {
		return &hub.Error{Code: hub.EINVALID, Kind: "attachment_type_forbidden", Field: field + "/mimeType",
			Message: "Allowed types: " + strings.Join(s.cfg.AllowedTypes, ", ") + "."}
	}
	if sniffed := Sniff(a.Content); sniffed != declared {
		return &hub.Error{Code: hub.EINVALID, Kind: "attachment_type_forbidden", Field: field + "/content",
			Message: fmt.Sprintf("The content is %s, not %s.", sniffed, declared)}
	}
	a.MimeType, a.Filename = declared, name
	return nil
}

// Sniff returns the media type of content by its signature, not by what
// it claims: PDF, PNG, JPEG, UTF-8 text, else what net/http detects
// ("application/octet-stream" for text that is not UTF-8).
func Sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	}
	t, _, _ := mime.ParseMediaType(http.DetectContentType(b))
	if t == "text/plain" && utf8.Valid(b) {
		return t
	}
	if t == "text/plain" {
		return "application/octet-stream"
	}
	return t
}

// putBlob stores content once per tenant, encrypted, and returns its hash.
func (s *Service) putBlob(ctx context.Context, tx *sqlstore.Tx, tenantID string, content []byte) (string, error) {
	sum := sha256.Sum256(content)
	h := hex.EncodeToString(sum[:])
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM mailbox_blobs WHERE tenant_id = $1 AND sha256 = $2`, tenantID, h).Scan(&n); err != nil {
		return "", fmt.Errorf("find attachment content: %w", err)
	}
	if n > 0 {
		return h, nil // stored before: content-addressed, so once
	}
	ct, wrapped, keyID, err := s.cfg.Keys.encrypt(content, blobAAD(tenantID, h))
	if err != nil {
		return "", fmt.Errorf("encrypt attachment: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO mailbox_blobs (tenant_id, sha256, size, key_id, wrapped_key, ciphertext, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, sha256) DO NOTHING`,
		tenantID, h, len(content), keyID, wrapped, ct, s.db.Now()); err != nil {
		return "", fmt.Errorf("store attachment content: %w", err)
	}
	return h, nil
}

// blob reads and decrypts a stored content.
func (s *Service) blob(ctx context.Context, tenantID, h string) ([]byte, error) {
	var keyID string
	var wrapped, ct []byte
	if err := s.db.QueryRowContext(ctx, `SELECT key_id, wrapped_key, ciphertext FROM mailbox_blobs WHERE tenant_id = $1 AND sha256 = $2`,
		tenantID, h).Scan(&keyID, &wrapped, &ct); err != nil {
		return nil, fmt.Errorf("read attachment content: %w", err)
	}
	return s.cfg.Keys.decrypt(ct, wrapped, keyID, blobAAD(tenantID, h))
}

func blobAAD(tenantID, h string) []byte {
	return []byte("amthub-mailbox-blob\x00" + tenantID + "\x00" + h)
}

// RewrapKeys re-wraps up to limit data keys that are wrapped with another
// key than the active one, and returns how many it did; run it until it
// returns 0 after adding a new active key (see Keyring).
func (s *Service) RewrapKeys(ctx context.Context, limit int) (int, error) {
	n := 0
	err := s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT tenant_id, sha256, key_id, wrapped_key FROM mailbox_blobs
			WHERE key_id <> $1 LIMIT $2`+s.db.Dialect.SkipLocked(), s.cfg.Keys.Active, limit)
		if err != nil {
			return fmt.Errorf("find blobs to rewrap: %w", err)
		}
		type blob struct {
			tenant, h, keyID string
			wrapped          []byte
		}
		var todo []blob
		for rows.Next() {
			var b blob
			if err := rows.Scan(&b.tenant, &b.h, &b.keyID, &b.wrapped); err != nil {
				rows.Close()
				return fmt.Errorf("find blobs to rewrap: %w", err)
			}
			todo = append(todo, b)
		}
		rows.Close()
		for _, b := range todo {
			w, err := s.cfg.Keys.rewrap(b.wrapped, b.keyID, blobAAD(b.tenant, b.h))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE mailbox_blobs SET key_id = $3, wrapped_key = $4 WHERE tenant_id = $1 AND sha256 = $2`,
				b.tenant, b.h, s.cfg.Keys.Active, w); err != nil {
				return fmt.Errorf("rewrap blob: %w", err)
			}
		}
		n = len(todo)
		return nil
	})
	return n, err
}
