package sqlstore

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"testing/fstest"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/amthub/amthub/hub/sqlstore/migrations"
)

// Migrations is one module's share of the schema: goose SQL files at the
// root of FS, named with versions unique across all modules.
type Migrations struct {
	Module string // the owning module, named in errors and in the status
	FS     fs.FS
}

// Foundation returns the migrations of the shared storage layer: tenants,
// the outbox and the inbox. Every schema starts with it.
func Foundation() Migrations {
	return Migrations{Module: "sqlstore", FS: migrations.FS}
}

// Migration is the state of one schema migration.
type Migration struct {
	Version   int64
	Module    string
	Source    string
	Applied   bool
	AppliedAt time.Time
}

func (db *DB) provider(logger *slog.Logger, fsys fs.FS) (*goose.Provider, error) {
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

// mergeMigrations puts the migrations of every source into one flat file
// system, translated for d, and returns it with the owning module of each
// file. Two files with the same version are an error naming both modules:
// goose orders one run by version, so versions must be unique across
// modules.
func mergeMigrations(d Dialect, sources []Migrations) (fs.FS, map[string]string, error) {
	if len(sources) == 0 {
		return nil, nil, fmt.Errorf("no migrations given")
	}
	out := fstest.MapFS{}
	owner := map[string]string{}    // file name → module
	byVersion := map[int64]string{} // version → "module/file"
	for _, src := range sources {
		if src.FS == nil {
			return nil, nil, fmt.Errorf("migrations of module %q: no file system", src.Module)
		}
		names, err := fs.Glob(src.FS, "*.sql")
		if err != nil {
			return nil, nil, fmt.Errorf("read migrations of module %s: %w", src.Module, err)
		}
		for _, name := range names {
			v, err := goose.NumericComponent(name)
			if err != nil {
				return nil, nil, fmt.Errorf("migration %s/%s: %w", src.Module, name, err)
			}
			if prev, ok := byVersion[v]; ok {
				return nil, nil, fmt.Errorf("migration version %d twice: %s and %s/%s", v, prev, src.Module, name)
			}
			byVersion[v] = src.Module + "/" + name
			b, err := fs.ReadFile(src.FS, name)
			if err != nil {
				return nil, nil, fmt.Errorf("read migration %s/%s: %w", src.Module, name, err)
			}
			out[name] = &fstest.MapFile{Data: TranslateDDL(d, b), Mode: 0o444}
			owner[name] = src.Module
		}
	}
	return out, owner, nil
}

// Migrate applies every pending migration of sources, all modules in one
// run ordered by version. It is safe to call on every start-up.
func (db *DB) Migrate(ctx context.Context, logger *slog.Logger, sources ...Migrations) error {
	fsys, _, err := mergeMigrations(db.Dialect, sources)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	p, err := db.provider(logger, fsys)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// MigrationStatus lists every migration of sources and whether it is
// applied.
func (db *DB) MigrationStatus(ctx context.Context, sources ...Migrations) ([]Migration, error) {
	fsys, owner, err := mergeMigrations(db.Dialect, sources)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	p, err := db.provider(nil, fsys)
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
			Module:    owner[s.Source.Path],
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
