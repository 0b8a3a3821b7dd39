package audit

import (
	"context"
	"time"

	"github.com/amthub/amthub/hub/sqlstore"
)

// purgeDue selects a tenant's ($1) entries written before the cutoff ($2);
// entries of the platform (no tenant) are kept.
const purgeDue = `tenant_id = $1 AND at < $2`

// Purge deletes, inside tx, up to limit of tenantID's audit entries
// written before cutoff.
func (s *Store) Purge(ctx context.Context, tx *sqlstore.Tx, tenantID string, cutoff time.Time, limit int) (int, error) {
	return sqlstore.PurgeRows(ctx, tx, "audit_log", purgeDue, "at, id", limit, tenantID, cutoff)
}

// Due counts the entries Purge would delete.
func (s *Store) Due(ctx context.Context, tenantID string, cutoff time.Time) (int, error) {
	return sqlstore.CountRows(ctx, s.db, `SELECT count(*) FROM audit_log WHERE `+purgeDue, tenantID, cutoff)
}
