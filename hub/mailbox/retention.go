package mailbox

import (
	"context"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub/sqlstore"
)

// PurgeMessages deletes, inside tx, up to limit of tenantID's messages
// received before cutoff, with their attachments; an attachment's content
// goes with the last message that holds it. A reply to a deleted message
// stays and no longer points to it.
func (s *Service) PurgeMessages(ctx context.Context, tx *sqlstore.Tx, tenantID string, cutoff time.Time, limit int) (int, error) {
	ids, err := sqlstore.DueIDs(ctx, tx, `SELECT id FROM mailbox_messages WHERE tenant_id = $1 AND created_at < $2
		ORDER BY created_at, id LIMIT $3`, tenantID, cutoff, limit)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	list, in := sqlstore.InList(1, ids)
	hashes, err := sqlstore.Strings(ctx, tx, `SELECT DISTINCT sha256 FROM mailbox_attachments WHERE message_id IN (`+list+`)`, in...)
	if err != nil {
		return 0, err
	}
	for _, stmt := range []string{
		`UPDATE mailbox_messages SET in_reply_to = NULL WHERE in_reply_to IN (` + list + `)`,
		`DELETE FROM mailbox_attachments WHERE message_id IN (` + list + `)`,
		`DELETE FROM mailbox_messages WHERE id IN (` + list + `)`,
	} {
		if _, err := tx.ExecContext(ctx, stmt, in...); err != nil {
			return 0, fmt.Errorf("purge mailbox messages: %w", err)
		}
	}
	// Blobs are shared by content within a tenant: drop those no
	// attachment holds any more.
	if len(hashes) > 0 {
		hlist, hin := sqlstore.InList(2, hashes)
		if _, err := tx.ExecContext(ctx, `DELETE FROM mailbox_blobs WHERE tenant_id = $1 AND sha256 IN (`+hlist+`) AND NOT EXISTS (
			SELECT 1 FROM mailbox_attachments a WHERE a.tenant_id = mailbox_blobs.tenant_id AND a.sha256 = mailbox_blobs.sha256)`,
			append([]any{tenantID}, hin...)...); err != nil {
			return 0, fmt.Errorf("purge mailbox blobs: %w", err)
		}
	}
	return len(ids), nil
}

// DueMessages counts the messages PurgeMessages would delete.
func (s *Service) DueMessages(ctx context.Context, tenantID string, cutoff time.Time) (int, error) {
	return sqlstore.CountRows(ctx, s.db, `SELECT count(*) FROM mailbox_messages WHERE tenant_id = $1 AND created_at < $2`, tenantID, cutoff)
}

// CaseReferenceSQL is the condition on cases.id under which a message
// still belongs to the case: its timeline stays until the message is gone.
func (s *Service) CaseReferenceSQL() string {
	return `EXISTS (SELECT 1 FROM mailbox_messages m WHERE m.case_id = cases.id)`
}
