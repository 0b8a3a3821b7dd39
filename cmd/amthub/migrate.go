package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/amthub/amthub/cmd/amthub/schema"
	"github.com/amthub/amthub/hub/sqlstore"
)

// requireDatabaseURL reads AMTHUB_DATABASE_URL for the operator commands;
// a sqlite: URL is accepted there too, to manage a dev data directory.
func requireDatabaseURL(getenv func(string) string) (string, error) {
	if v := getenv("AMTHUB_DATABASE_URL"); len(v) > 7 && v[:7] == "sqlite:" {
		return v, nil
	}
	return requireURL(getenv, "AMTHUB_DATABASE_URL", "postgres", "postgresql")
}

func openDB(ctx context.Context, url string) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(ctx, url, sqlstore.Options{MaxOpenConns: 4})
	if err != nil {
		return nil, &configError{"AMTHUB_DATABASE_URL", err.Error()}
	}
	return db, nil
}

func printMigrations(ctx context.Context, w io.Writer, db *sqlstore.DB) error {
	st, err := db.MigrationStatus(ctx, schema.All()...)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tMODULE\tSTATE\tAPPLIED AT\tFILE")
	for _, m := range st {
		state, at := "pending", "-"
		if m.Applied {
			state, at = "applied", m.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", m.Version, m.Module, state, at, m.Source)
	}
	return tw.Flush()
}
