package sqlstore

import (
	"context"
	"fmt"

	"github.com/amthub/amthub/hub"
)

// FindIdempotent looks up the row of table that a client created with an
// Idempotency-Key, for the API's replay rule: the same key with the same
// request (hash) answers the earlier object again; with another request it
// is refused with idempotency_key_reused. It returns the earlier row's id,
// or "" when the key is new. table must have the columns id, tenant_id,
// client_id, idempotency_key and request_hash; it is one of ours, never
// input.
func (db *DB) FindIdempotent(ctx context.Context, table, tenantID, clientID, key, hash string) (string, error) {
	var id, prev string
	err := db.QueryRowContext(ctx, `SELECT id, request_hash FROM `+table+`
		WHERE tenant_id = $1 AND client_id = $2 AND idempotency_key = $3`, tenantID, clientID, key).Scan(&id, &prev)
	if ErrNoRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look up idempotency key: %w", err)
	}
	if prev != hash {
		return "", &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "idempotency_key_reused", Field: "Idempotency-Key",
			Message: "This Idempotency-Key was used before for a different request."}
	}
	return id, nil
}
