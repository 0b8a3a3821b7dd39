package sqlstore

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"testing/fstest"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migration is the state of one schema migration.
type Migration struct {
	Version   int64
	Source    string
	Applied   bool
	AppliedAt time.Time
}

func (db *DB) provider(logger *slog.Logger) (*goose.Provider, error) {
	fsys, err := dialectFS(db.Dialect)
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectPostgres
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if db.Dialect == SQLite {
		dialect = goose.DialectSQLite3
	} else {
		// Hub processes starting together migrate one at a time.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	if logger != nil {
		opts = append(opts, goose.WithSlog(logger), goose.WithVerbose(true))
	}
	return goose.NewProvider(dialect, db.DB, fsys, opts...)
}

// dialectFS returns the embedded migrations translated for d.
func dialectFS(d Dialect) (fs.FS, error) {
	out := fstest.MapFS{}
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	for _, e := range entries {
		b, err := fs.ReadFile(migrations, "migrations/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		out[e.Name()] = &fstest.MapFile{Data: TranslateDDL(d, b), Mode: 0o444}
	}
	return out, nil
}

// Migrate applies every pending migration. It is safe to call on every
// start-up.
func (db *DB) Migrate(ctx context.Context, logger *slog.Logger) error {
	p, err := db.provider(logger)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// MigrationStatus lists every known migration and whether it is applied.
func (db *DB) MigrationStatus(ctx context.Context) ([]Migration, error) {
	p, err := db.provider(nil)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]Migration, 0, len(st))
	for _, s := range st {
		out = append(out, Migration{
			Version:   s.Source.Version,
			Source:    s.Source.Path,
			Applied:   s.State == goose.StateApplied,
			AppliedAt: s.AppliedAt,
		})
	}
	return out, nil
}

// The translation is deliberately tiny: three PostgreSQL type names that
// SQLite would give the wrong affinity, and blocks that only one dialect
// runs, marked "-- postgres-only" or "-- sqlite-only" up to "-- end", for
// the few places where the dialects must differ (full-text search).
var sqliteTypes = []struct {
	re   *regexp.Regexp
	with []byte
}{
	{regexp.MustCompile(`\bTIMESTAMPTZ\b`), []byte("TIMESTAMP")},
	{regexp.MustCompile(`\bJSONB\b`), []byte("TEXT")},
	{regexp.MustCompile(`\bBYTEA\b`), []byte("BLOB")},
}

var onlyBlock = map[Dialect]*regexp.Regexp{
	Postgres: regexp.MustCompile(`(?ms)^-- postgres-only\n.*?^-- end\n`),
	SQLite:   regexp.MustCompile(`(?ms)^-- sqlite-only\n.*?^-- end\n`),
}

// TranslateDDL turns a migration written for PostgreSQL into its form for d.
func TranslateDDL(d Dialect, b []byte) []byte {
	b = bytes.Clone(b)
	for other, re := range onlyBlock {
		if other != d {
			b = re.ReplaceAll(b, nil)
		}
	}
	if d == SQLite {
		for _, t := range sqliteTypes {
			b = t.re.ReplaceAll(b, t.with)
		}
	}
	return b
}
