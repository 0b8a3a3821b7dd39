package payments

import (
	"context"
	"time"

	"github.com/amthub/amthub/hub/sqlstore"
)

// purgeDue selects tenantID's ($1) payments made before the cutoff ($2)
// whose status is final: an open payment is still reconciled.
const purgeDue = `tenant_id = $1 AND created_at < $2 AND status IN ($3, $4, $5)`

func purgeArgs(tenantID string, cutoff time.Time) []any {
	return []any{tenantID, cutoff, StatusPayed, StatusFailed, StatusCanceled}
}

// Purge deletes, inside tx, up to limit of tenantID's final payments made
// before cutoff. Their events stay on the case timeline.
func (s *Store) Purge(ctx context.Context, tx *sqlstore.Tx, tenantID string, cutoff time.Time, limit int) (int, error) {
	return sqlstore.PurgeRows(ctx, tx, "payments", purgeDue, "created_at, id", limit, purgeArgs(tenantID, cutoff)...)
}

// Due counts the payments Purge would delete.
func (s *Store) Due(ctx context.Context, tenantID string, cutoff time.Time) (int, error) {
	return sqlstore.CountRows(ctx, s.db, `SELECT count(*) FROM payments WHERE `+purgeDue, purgeArgs(tenantID, cutoff)...)
}

// CaseReferenceSQL is the condition on cases.id under which a payment
// still belongs to the case: its timeline stays until the payment is gone.
func (s *Store) CaseReferenceSQL() string {
	return `EXISTS (SELECT 1 FROM payments p WHERE p.case_id = cases.id)`
}
