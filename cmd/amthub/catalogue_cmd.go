package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/amthub/amthub/portal"
)

func newCatalogueCommand(stdout io.Writer, getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{Use: "catalogue", Short: "Manage a tenant's catalogue of services and authorities (AMTHUB_DATABASE_URL)"}
	var tenant string
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a catalogue file (portal/FORMAT.md); all or nothing, idempotent, prints what changed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			db, err := openMigrated(cmd, getenv)
			if err != nil {
				return err
			}
			defer db.Close()
			t, err := findTenant(cmd, db, tenant)
			if err != nil {
				return err
			}
			report, err := portal.NewCatalogueStore(db).Import(cmd.Context(), t.ID, f)
			if err != nil {
				return fmt.Errorf("import %s: %w", args[0], err)
			}
			return printJSON(stdout, report)
		},
	}
	imp.Flags().StringVar(&tenant, "tenant", "", "tenant slug or id (required)")
	_ = imp.MarkFlagRequired("tenant")
	cmd.AddCommand(imp)
	return cmd
}
