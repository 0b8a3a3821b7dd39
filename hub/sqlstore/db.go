// Package sqlstore is amthub's storage layer: one set of SQL statements,
// written in the PostgreSQL dialect, that runs on PostgreSQL (pgx) and on
// SQLite (the pure-Go modernc driver). The few places where the dialects
// must differ are named methods of Dialect.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"go.opentelemetry.io/otel/trace"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/amthub/amthub/hub"
)

// Dialect names the SQL database behind a DB.
type Dialect string

// The supported dialects.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// DB is a handle on the hub's database. It is safe for concurrent use.
type DB struct {
	*sql.DB
	Dialect Dialect
	// Now returns the current time; tests replace it.
	Now hub.Clock

	url  string
	wake chan struct{} // outbox wake-ups from local commits and LISTEN

	notifying, notifyPending atomic.Bool // see notifyPeers
	// instance tags this process's NOTIFYs, so that its own listener
	// ignores them: its relays were woken locally already.
	instance string
}

// Options tune a DB.
type Options struct {
	// MaxOpenConns bounds the connection pool (PostgreSQL); default 20.
	MaxOpenConns int
	// Tracer, if set, makes a span of each statement and transaction run
	// under a span already in the context (see telemetry.ChildrenOnly).
	// Nil: the driver is not wrapped at all.
	Tracer trace.TracerProvider
}

// Open opens the database named by rawURL: "postgres://…" or
// "postgresql://…" for PostgreSQL, "sqlite:PATH" or "file:PATH" for SQLite.
// It pings the database before it returns.
func Open(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	db := &DB{url: rawURL, Now: func() time.Time { return time.Now().UTC() }, wake: make(chan struct{}, 1), instance: hub.NewID()}
	var err error
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		db.Dialect = Postgres
		db.DB, err = openPostgres(rawURL, opts.Tracer)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		n := opts.MaxOpenConns
		if n <= 0 {
			n = 20
		}
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
		db.SetConnMaxIdleTime(5 * time.Minute)
	case strings.HasPrefix(rawURL, "sqlite:"), strings.HasPrefix(rawURL, "file:"):
		db.Dialect = SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "file:")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
		db.DB, err = openSQLite(sqliteDSN(path), opts.Tracer)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		// One writer at a time is SQLite's rule; BEGIN IMMEDIATE plus the
		// busy timeout queue writers instead of failing them.
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	default:
		return nil, fmt.Errorf("unsupported database URL scheme (want postgres:// or sqlite:)")
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", db.Dialect, err)
	}
	return db, nil
}

// sqliteDSN returns the driver DSN for a database file: WAL, full fsync (a
// 2xx means durable, also in dev), foreign keys, immediate write locks, UTC
// timestamps in a sortable text format.
func sqliteDSN(path string) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(FULL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	q.Set("_timezone", "UTC")
	return "file:" + path + "?" + q.Encode()
}

// Tx is a database transaction of the hub.
type Tx struct {
	*sql.Tx
	db       *DB
	enqueued bool
}

// DB returns the database the transaction belongs to.
func (tx *Tx) DB() *DB { return tx.db }

// InTx runs fn in a transaction and commits it when fn returns nil. Errors
// from fn are returned unchanged; database errors are translated to
// *hub.Error where they mean something to the caller.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	stx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return Translate(fmt.Errorf("begin transaction: %w", err))
	}
	tx := &Tx{Tx: stx, db: db}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = stx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return Translate(err)
	}
	if err = stx.Commit(); err != nil {
		return Translate(fmt.Errorf("commit: %w", err))
	}
	if tx.enqueued {
		db.signalOutbox()
		if db.Dialect == Postgres {
			db.notifyPeers()
		}
	}
	return nil
}

// Ready reports whether the database answers.
func (db *DB) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var one int
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	return nil
}

// SkipLocked returns the locking clause that lets several outbox relays
// claim disjoint rows. SQLite has a single writer and needs none.
func (d Dialect) SkipLocked() string {
	if d == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// ForUpdate returns the clause that locks the rows a transaction reads
// before it changes them, so that concurrent transitions of one object
// (a relay's "forwarded", a consumer's "accepted") serialise. SQLite's
// single writer already does.
func (d Dialect) ForUpdate() string {
	if d == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// EachRow runs query on q and calls fn for each row, then reports the
// rows' error; an error from fn stops it and is returned unchanged.
func EachRow(ctx context.Context, q Querier, fn func(*sql.Rows) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ErrNoRows reports whether err is sql.ErrNoRows.
func ErrNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Querier is what both *DB and *Tx offer for reads.
type Querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Placeholders returns n parameter placeholders from $start, "$1, $2, $3",
// for an IN list or a VALUES row written once for both dialects.
func Placeholders(start, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", start+i)
	}
	return b.String()
}

// ValueRows returns the rows of a multi-row VALUES list, n rows of cols
// parameters each from $start: "($1, $2), ($3, $4)".
func ValueRows(start, n, cols int) string {
	var b strings.Builder
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + Placeholders(start+r*cols, cols) + ")")
	}
	return b.String()
}
