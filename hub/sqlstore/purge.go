package sqlstore

import (
	"context"
	"fmt"
)

// DueIDs runs query, which selects one text column (ids) of rows a purge
// will change, inside tx. On PostgreSQL the rows are locked and rows that
// another transaction holds are skipped, so purges on several processes
// take disjoint batches; SQLite's transaction is the single writer.
func DueIDs(ctx context.Context, tx *Tx, query string, args ...any) ([]string, error) {
	return Strings(ctx, tx, query+tx.db.Dialect.SkipLocked(), args...)
}

// Strings runs query, which selects one text column, and returns its
// values.
func Strings(ctx context.Context, q Querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("select rows due for deletion: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("select rows due for deletion: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// InList returns the placeholders of ids from $start on ("$3, $4") and
// ids as arguments, for `… IN (…)`.
func InList(start int, ids []string) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return Placeholders(start, len(ids)), args
}
