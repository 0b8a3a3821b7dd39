package hubtest

import (
	"context"
	"database/sql"
	"testing"
)

// RowQuerier is what *sql.DB, *sqlstore.DB and their transactions offer
// for a one-row read.
type RowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Count runs a `SELECT count(*) …` query and returns its number; a query
// that fails fails the test instead of reading as zero.
func Count(t testing.TB, db RowQuerier, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("count %q: %v", query, err)
	}
	return n
}
