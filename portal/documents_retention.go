package portal

import (
	"context"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub/sqlstore"
)

// Purge deletes, inside tx, up to limit of tenantID's documents stored
// before cutoff and frees their bytes (a tenant that sets a period for the
// document safe; by default documents are kept).
func (d *DocumentStore) Purge(ctx context.Context, tx *sqlstore.Tx, tenantID string, cutoff time.Time, limit int) (int, error) {
	ids, err := sqlstore.DueIDs(ctx, tx, `SELECT id FROM portal_documents WHERE tenant_id = $1 AND created_at < $2
		ORDER BY created_at, id LIMIT $3`, tenantID, cutoff, limit)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	list, in := sqlstore.InList(1, ids)
	rows, err := tx.QueryContext(ctx, `DELETE FROM portal_documents WHERE id IN (`+list+`) RETURNING citizen_id, size`, in...)
	if err != nil {
		return 0, fmt.Errorf("purge documents: %w", err)
	}
	freed := map[string]int64{}
	for rows.Next() {
		var citizen string
		var size int64
		if err := rows.Scan(&citizen, &size); err != nil {
			rows.Close()
			return 0, fmt.Errorf("purge documents: %w", err)
		}
		freed[citizen] += size
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("purge documents: %w", err)
	}
	for citizen, size := range freed {
		if _, err := tx.ExecContext(ctx, `UPDATE portal_document_usage SET bytes = bytes - $3 WHERE tenant_id = $1 AND citizen_id = $2`,
			tenantID, citizen, size); err != nil {
			return 0, fmt.Errorf("free usage: %w", err)
		}
	}
	return len(ids), nil
}

// Due counts the documents Purge would delete.
func (d *DocumentStore) Due(ctx context.Context, tenantID string, cutoff time.Time) (int, error) {
	return sqlstore.CountRows(ctx, d.db, `SELECT count(*) FROM portal_documents WHERE tenant_id = $1 AND created_at < $2`, tenantID, cutoff)
}
