package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/retention"
	"github.com/amthub/amthub/hub/sqlstore"
)

// newPrivacyCommand returns `amthub privacy`: the record of processing
// activities generated from the modules' declarations.
func newPrivacyCommand(stdout io.Writer, getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{Use: "privacy", Short: "Data protection documents generated from the modules' declarations"}
	var tenant, format string
	record := &cobra.Command{
		Use:   "record",
		Short: "Print the record of processing activities (GDPR Art. 30) as Markdown or HTML",
		Long: "Print the record of processing activities (Verzeichnis von Verarbeitungstätigkeiten) that\n" +
			"the modules declare: purpose, legal basis, data subjects and categories, recipients,\n" +
			"retention and where the data lies. With --tenant (needs AMTHUB_DATABASE_URL) the tenant\n" +
			"is the controller and its own retention periods are shown.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "markdown" && format != "html" {
				return fmt.Errorf("--format: want markdown or html, not %q", format)
			}
			decls := privacyDeclarations()
			rec := privacy.NewRecord(decls, "", nil, time.Now())
			if tenant != "" {
				db, err := openMigrated(cmd, getenv)
				if err != nil {
					return err
				}
				defer db.Close()
				t, err := sqlstore.NewTenantService(db).FindTenantBySlug(cmd.Context(), tenant)
				if err != nil {
					return fmt.Errorf("tenant %s: %w", tenant, err)
				}
				if rec, err = retention.NewPeriods(db, privacy.Defaults(decls)).Record(cmd.Context(), t.ID, t.Name, decls); err != nil {
					return err
				}
			}
			if format == "html" {
				return rec.WriteHTML(stdout)
			}
			return rec.WriteMarkdown(stdout)
		},
	}
	record.Flags().StringVar(&tenant, "tenant", "", "slug of the tenant whose record to print (its periods); default: the declared defaults")
	record.Flags().StringVar(&format, "format", "markdown", "markdown or html")
	cmd.AddCommand(record)
	return cmd
}
