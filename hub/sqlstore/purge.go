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

// PurgeRows deletes, inside tx, up to limit rows of table (with an id
// column) that where selects, in the order of order, and returns how many
// it deleted; args number from $1, limit follows them.
func PurgeRows(ctx context.Context, tx *Tx, table, where, order string, limit int, args ...any) (int, error) {
	ids, err := DueIDs(ctx, tx, `SELECT id FROM `+table+` WHERE `+where+` ORDER BY `+order+` LIMIT `+Placeholders(len(args)+1, 1),
		append(args, limit)...)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	list, in := InList(1, ids)
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE id IN (`+list+`)`, in...); err != nil {
		return 0, fmt.Errorf("purge %s: %w", table, err)
	}
	return len(ids), nil
}

// CountRows runs a `SELECT count(*) …` query.
func CountRows(ctx context.Context, q Querier, query string, args ...any) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count rows due: %w", err)
	}
	return n, nil
}
