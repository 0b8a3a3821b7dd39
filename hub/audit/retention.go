package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub/sqlstore"
)

// Purge deletes, inside tx, up to limit of tenantID's audit entries
// written before cutoff. Entries of the platform (no tenant) are kept.
func (s *Store) Purge(ctx context.Context, tx *sqlstore.Tx, tenantID string, cutoff time.Time, limit int) (int, error) {
	ids, err := sqlstore.DueIDs(ctx, tx, `SELECT id FROM audit_log WHERE tenant_id = $1 AND at < $2 ORDER BY at, id LIMIT $3`,
		tenantID, cutoff, limit)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	list, in := sqlstore.InList(1, ids)
	if _, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE id IN (`+list+`)`, in...); err != nil {
		return 0, fmt.Errorf("purge audit log: %w", err)
	}
	return len(ids), nil
}

// Due counts the entries Purge would delete.
func (s *Store) Due(ctx context.Context, tenantID string, cutoff time.Time) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND at < $2`, tenantID, cutoff).Scan(&n); err != nil {
		return 0, fmt.Errorf("count audit entries due: %w", err)
	}
	return n, nil
}
