package payments

import (
	"context"
	"fmt"
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
	ids, err := sqlstore.DueIDs(ctx, tx, `SELECT id FROM payments WHERE `+purgeDue+` ORDER BY created_at, id LIMIT $6`,
		append(purgeArgs(tenantID, cutoff), limit)...)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	list, in := sqlstore.InList(1, ids)
	if _, err := tx.ExecContext(ctx, `DELETE FROM payments WHERE id IN (`+list+`)`, in...); err != nil {
		return 0, fmt.Errorf("purge payments: %w", err)
	}
	return len(ids), nil
}

// Due counts the payments Purge would delete.
func (s *Store) Due(ctx context.Context, tenantID string, cutoff time.Time) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM payments WHERE `+purgeDue, purgeArgs(tenantID, cutoff)...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count payments due: %w", err)
	}
	return n, nil
}

// CaseReferenceSQL is the condition on cases.id under which a payment
// still belongs to the case: its timeline stays until the payment is gone.
func (s *Store) CaseReferenceSQL() string {
	return `EXISTS (SELECT 1 FROM payments p WHERE p.case_id = cases.id)`
}
