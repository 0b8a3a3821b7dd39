package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/oauth/saml"
)

// newSAMLCommand returns `amthub saml`: registering a vendor's SAML
// service provider for a tenant by its metadata.
func newSAMLCommand(stdout io.Writer, getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{Use: "saml", Short: "Register SAML 2.0 service providers of a tenant (AMTHUB_DATABASE_URL)"}
	var name string
	reg := &cobra.Command{
		Use: "register TENANT METADATA.xml", Short: "Register a service provider by its SAML 2.0 metadata", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			md, err := os.ReadFile(args[1])
			if err != nil {
				return err
			}
			db, err := openMigrated(cmd, getenv)
			if err != nil {
				return err
			}
			defer db.Close()
			t, err := sqlstore.NewTenantService(db).FindTenantBySlug(cmd.Context(), args[0])
			if err != nil {
				return fmt.Errorf("tenant %s: %w", args[0], err)
			}
			sp, err := saml.NewServiceProviders(db).Register(cmd.Context(), t.ID, name, md)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "registered %s for %s; assertion consumer services: %v\n", sp.EntityID, args[0], sp.ACS)
			return nil
		},
	}
	reg.Flags().StringVar(&name, "name", "", "the service's name shown to citizens (required)")
	cmd.AddCommand(reg)
	return cmd
}
