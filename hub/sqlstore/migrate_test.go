package sqlstore_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
)

func sqlFile(body string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte("-- +goose Up\n" + body + "\n-- +goose Down\nSELECT 1;\n")}
}

// emptyDatabases opens a database of each dialect without any schema.
func emptyDatabases(t *testing.T) map[string]*sqlstore.DB {
	t.Helper()
	out := map[string]*sqlstore.DB{}
	for name, url := range map[string]string{
		"sqlite":   "sqlite:" + filepath.Join(t.TempDir(), "amthub.db"),
		"postgres": hubtest.NewPostgresURL(t),
	} {
		db, err := sqlstore.Open(context.Background(), url, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		out[name] = db
	}
	return out
}

// TestMigrateMergesModules runs the migrations of several modules as one
// run ordered by version, whatever the order of the sources, and refuses
// two modules that claim one version.
func TestMigrateMergesModules(t *testing.T) {
	ctx := context.Background()
	late := sqlstore.Migrations{Module: "late", FS: fstest.MapFS{
		"00900_late.sql": sqlFile("CREATE TABLE late_things (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants (id));"),
	}}
	early := sqlstore.Migrations{Module: "early", FS: fstest.MapFS{
		"00050_early.sql":  sqlFile("CREATE TABLE early_things (id TEXT PRIMARY KEY);"),
		"00051_early2.sql": sqlFile("CREATE INDEX early_things_id ON early_things (id);"),
		"README.md":        &fstest.MapFile{Data: []byte("not a migration")},
	}}
	clash := sqlstore.Migrations{Module: "clash", FS: fstest.MapFS{
		"00050_clash.sql": sqlFile("CREATE TABLE clash_things (id TEXT PRIMARY KEY);"),
	}}
	for name, db := range emptyDatabases(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("ErrNoSources", func(t *testing.T) {
				if err := db.Migrate(ctx, nil); err == nil {
					t.Fatal("migrating with no sources succeeded")
				}
			})
			t.Run("ErrDuplicateVersion", func(t *testing.T) {
				err := db.Migrate(ctx, nil, sqlstore.Foundation(), early, clash)
				if err == nil {
					t.Fatal("two modules with version 50 were accepted")
				}
				for _, want := range []string{"50", "early/00050_early.sql", "clash/00050_clash.sql"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not name %q", err, want)
					}
				}
				if _, err := db.ExecContext(ctx, `SELECT 1 FROM tenants`); err == nil {
					t.Error("a refused run applied migrations")
				}
			})
			t.Run("OK", func(t *testing.T) {
				sources := []sqlstore.Migrations{late, sqlstore.Foundation(), early}
				if err := db.Migrate(ctx, nil, sources...); err != nil {
					t.Fatal(err)
				}
				st, err := db.MigrationStatus(ctx, sources...)
				if err != nil {
					t.Fatal(err)
				}
				want := []struct {
					version int64
					module  string
				}{{1, "sqlstore"}, {50, "early"}, {51, "early"}, {900, "late"}}
				if got, want := len(st), len(want); got != want {
					t.Fatalf("%d migrations known, want %d: %+v", got, want, st)
				}
				for i, w := range want {
					if st[i].Version != w.version || st[i].Module != w.module || !st[i].Applied {
						t.Errorf("migration %d = %+v, want version %d of %s, applied", i, st[i], w.version, w.module)
					}
				}
				if _, err := db.ExecContext(ctx, `SELECT id FROM late_things`); err != nil {
					t.Errorf("late module's table: %v", err)
				}
			})
		})
	}
}
