package registers

import (
	"context"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub/sqlstore"
)

// AuditLog is the audit log's retention: it needs the database only, so
// it runs whether registers are connected or not.
type AuditLog struct{ db *sqlstore.DB }

// NewAuditLog returns the audit log on db.
func NewAuditLog(db *sqlstore.DB) *AuditLog { return &AuditLog{db: db} }

// Purge deletes, inside tx, up to limit of tenantID's register audit
// records made before cutoff.
func (s *AuditLog) Purge(ctx context.Context, tx *sqlstore.Tx, tenantID string, cutoff time.Time, limit int) (int, error) {
	ids, err := sqlstore.DueIDs(ctx, tx, `SELECT id FROM register_audit WHERE tenant_id = $1 AND created_at < $2
		ORDER BY created_at, id LIMIT $3`, tenantID, cutoff, limit)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	list, in := sqlstore.InList(1, ids)
	if _, err := tx.ExecContext(ctx, `DELETE FROM register_audit WHERE id IN (`+list+`)`, in...); err != nil {
		return 0, fmt.Errorf("purge register audit: %w", err)
	}
	return len(ids), nil
}

// Due counts the audit records Purge would delete.
func (s *AuditLog) Due(ctx context.Context, tenantID string, cutoff time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM register_audit WHERE tenant_id = $1 AND created_at < $2`, tenantID, cutoff).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count register audit due: %w", err)
	}
	return n, nil
}
