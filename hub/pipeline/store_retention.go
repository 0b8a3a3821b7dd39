package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// contentDue selects the decided submissions of a tenant ($1) whose
// content is still there and whose decision came before the cutoff ($2).
const contentDue = `tenant_id = $1 AND content_deleted_at IS NULL AND decided_at < $2 AND state IN ($3, $4)`

// draftsDue selects the submissions of a tenant ($1) never submitted whose
// time to submit ended before the cutoff ($2).
const draftsDue = `tenant_id = $1 AND content_deleted_at IS NULL AND decided_at IS NULL AND expires_at < $2 AND state IN ($3, $4)`

func contentArgs(tenantID string, cutoff time.Time) []any {
	return []any{tenantID, cutoff, hub.StateAccepted.String(), hub.StateRejected.String()}
}

func draftArgs(tenantID string, cutoff time.Time) []any {
	return []any{tenantID, cutoff, hub.StateIncomplete.String(), hub.StateExpired.String()}
}

// PurgeContent deletes, inside tx, the content of up to limit submissions
// of tenantID that the Fachverfahren accepted or rejected before cutoff:
// their data, their attachments' content and file names, and any message
// for them still waiting in the outbox. Their metadata and the case
// timeline stay; the submission then reports when its content was deleted.
func (s *Store) PurgeContent(ctx context.Context, tx *sqlstore.Tx, tenantID string, cutoff time.Time, limit int) (int, error) {
	return s.purgeContent(ctx, tx, contentDue, contentArgs(tenantID, cutoff), limit)
}

// DueContent counts the submissions PurgeContent would purge.
func (s *Store) DueContent(ctx context.Context, tenantID string, cutoff time.Time) (int, error) {
	return s.countDue(ctx, contentDue, contentArgs(tenantID, cutoff))
}

// PurgeDrafts deletes, inside tx, the content of up to limit submissions of
// tenantID never submitted whose time to submit ended before cutoff, as
// PurgeContent does.
func (s *Store) PurgeDrafts(ctx context.Context, tx *sqlstore.Tx, tenantID string, cutoff time.Time, limit int) (int, error) {
	return s.purgeContent(ctx, tx, draftsDue, draftArgs(tenantID, cutoff), limit)
}

// DueDrafts counts the submissions PurgeDrafts would purge.
func (s *Store) DueDrafts(ctx context.Context, tenantID string, cutoff time.Time) (int, error) {
	return s.countDue(ctx, draftsDue, draftArgs(tenantID, cutoff))
}

func (s *Store) countDue(ctx context.Context, where string, args []any) (int, error) {
	return sqlstore.CountRows(ctx, s.db, `SELECT count(*) FROM submissions WHERE `+where, args...)
}

// purgeContent picks up to limit submissions by where (skipping those
// another transaction holds) and deletes their content.
func (s *Store) purgeContent(ctx context.Context, tx *sqlstore.Tx, where string, args []any, limit int) (int, error) {
	tenantID := args[0].(string)
	ids, err := sqlstore.DueIDs(ctx, tx, `SELECT id FROM submissions WHERE `+where+` ORDER BY id LIMIT $5`, append(args, limit)...)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	list, in := sqlstore.InList(2, ids)
	if _, err := tx.ExecContext(ctx, `UPDATE submissions SET data = NULL, content_deleted_at = $1 WHERE id IN (`+list+`)`,
		append([]any{s.db.Now()}, in...)...); err != nil {
		return 0, fmt.Errorf("delete submissions' data: %w", err)
	}
	list, in = sqlstore.InList(1, ids)
	if _, err := tx.ExecContext(ctx, `UPDATE attachments SET content = NULL, filename = NULL WHERE submission_id IN (`+list+`)`, in...); err != nil {
		return 0, fmt.Errorf("delete attachments' content: %w", err)
	}
	if _, err := sqlstore.DeleteOutboxByHeader(ctx, tx, tenantID, hub.HeaderSubmission, ids); err != nil {
		return 0, err
	}
	return len(ids), nil
}
