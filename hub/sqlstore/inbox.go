package sqlstore

import (
	"context"
	"fmt"
)

// ClaimInbox records that consumer applies message id inside tx. It returns
// false when the message was applied before: the caller then changes
// nothing. Claim and effect commit together, so a redelivery after a crash
// is applied exactly once.
func ClaimInbox(ctx context.Context, tx *Tx, consumer, id, tenantID string) (bool, error) {
	res, err := tx.ExecContext(ctx, `
		INSERT INTO inbox (consumer, message_id, tenant_id, processed_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (consumer, message_id) DO NOTHING`,
		consumer, id, tenantID, tx.db.Now())
	if err != nil {
		return false, fmt.Errorf("claim inbox %s/%s: %w", consumer, id, Translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim inbox %s/%s: %w", consumer, id, err)
	}
	return n == 1, nil
}
