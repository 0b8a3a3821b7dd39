package registers

import (
	"context"
	"time"

	"github.com/amthub/amthub/hub/sqlstore"
)

// AuditLog is the audit log's retention: it needs the database only, so
// it runs whether registers are connected or not.
type AuditLog struct{ db *sqlstore.DB }

// NewAuditLog returns the audit log on db.
func NewAuditLog(db *sqlstore.DB) *AuditLog { return &AuditLog{db: db} }

const auditDue = `tenant_id = $1 AND created_at < $2`

// Purge deletes, inside tx, up to limit of tenantID's register audit
// records made before cutoff.
func (s *AuditLog) Purge(ctx context.Context, tx *sqlstore.Tx, tenantID string, cutoff time.Time, limit int) (int, error) {
	return sqlstore.PurgeRows(ctx, tx, "register_audit", auditDue, "created_at, id", limit, tenantID, cutoff)
}

// Due counts the audit records Purge would delete.
func (s *AuditLog) Due(ctx context.Context, tenantID string, cutoff time.Time) (int, error) {
	return sqlstore.CountRows(ctx, s.db, `SELECT count(*) FROM register_audit WHERE `+auditDue, tenantID, cutoff)
}
