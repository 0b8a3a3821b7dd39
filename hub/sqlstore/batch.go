package sqlstore

import (
	"context"
	"fmt"
	"strings"
)

// InsertRows writes rows into table with multi-row INSERTs of a bounded
// number of parameters (both databases limit them; SQLite looks "$n" names
// up linearly, so its statements stay smaller). suffix follows each
// statement, e.g. an ON CONFLICT clause (see UpsertClause).
func (tx *Tx) InsertRows(ctx context.Context, table string, cols []string, suffix string, rows [][]any) error {
	params := 4000
	if tx.db.Dialect == SQLite {
		params = 300
	}
	per := max(1, params/len(cols))
	for start := 0; start < len(rows); start += per {
		batch := rows[start:min(start+per, len(rows))]
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args := make([]any, 0, len(batch)*len(cols))
		for i, r := range batch {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(" + Placeholders(len(args)+1, len(r)) + ")")
			args = append(args, r...)
		}
		sb.WriteString(suffix)
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// UpsertClause returns the ON CONFLICT clause that replaces every column
// of cols outside the conflict key ("tenant_id, id").
func UpsertClause(conflict string, cols []string) string {
	keys := map[string]bool{}
	for _, k := range strings.Split(conflict, ",") {
		keys[strings.TrimSpace(k)] = true
	}
	var set []string
	for _, c := range cols {
		if !keys[c] {
			set = append(set, c+" = excluded."+c)
		}
	}
	return " ON CONFLICT (" + conflict + ") DO UPDATE SET " + strings.Join(set, ", ")
}
