package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/amthub/amthub/cmd/amthub/schema"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/oauth"
)

// operator commands work on the database named by AMTHUB_DATABASE_URL
// (a sqlite: URL reaches a dev data directory) and print JSON.

func newTenantCommand(stdout io.Writer, getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{Use: "tenant", Short: "Manage tenants (AMTHUB_DATABASE_URL)"}
	var name string
	create := &cobra.Command{
		Use: "create SLUG", Short: "Create a tenant", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := openMigrated(cmd, getenv)
			if err != nil {
				return err
			}
			defer db.Close()
			t := &hub.Tenant{Slug: args[0], Name: name}
			if t.Name == "" {
				t.Name = args[0]
			}
			if err := sqlstore.NewTenantService(db).CreateTenant(cmd.Context(), t); err != nil {
				return err
			}
			return printJSON(stdout, t)
		},
	}
	create.Flags().StringVar(&name, "name", "", "display name")
	list := &cobra.Command{
		Use: "list", Short: "List tenants", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := openMigrated(cmd, getenv)
			if err != nil {
				return err
			}
			defer db.Close()
			ts, err := sqlstore.NewTenantService(db).ListTenants(cmd.Context())
			if err != nil {
				return err
			}
			return printJSON(stdout, ts)
		},
	}
	cmd.AddCommand(create, list)
	return cmd
}

func newClientCommand(stdout io.Writer, getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{Use: "client", Short: "Manage OAuth clients of a tenant (AMTHUB_DATABASE_URL, AMTHUB_PUBLIC_URL)"}
	var tenant string
	cmd.PersistentFlags().StringVar(&tenant, "tenant", "", "tenant slug or id (required)")
	_ = cmd.MarkPersistentFlagRequired("tenant")
	var spec oauth.ClientSpec
	var scopes, grants, redirects string
	with := func(run func(cmd *cobra.Command, args []string, clients *oauth.ClientService, tenantID string) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			db, err := openMigrated(cmd, getenv)
			if err != nil {
				return err
			}
			defer db.Close()
			t, err := findTenant(cmd, db, tenant)
			if err != nil {
				return err
			}
			base := strings.TrimSuffix(getenv("AMTHUB_PUBLIC_URL"), "/")
			if base == "" {
				base = "http://localhost:8080"
			}
			return run(cmd, args, oauth.NewClientService(db, base+"/api"), t.ID)
		}
	}
	create := &cobra.Command{
		Use: "create", Short: "Register a client; its secret is printed once", Args: cobra.NoArgs,
		RunE: with(func(cmd *cobra.Command, _ []string, clients *oauth.ClientService, tenantID string) error {
			spec.Scopes, spec.GrantTypes, spec.RedirectURIs = fields(scopes), fields(grants), fields(redirects)
			c, secret, err := clients.Create(cmd.Context(), tenantID, spec)
			if err != nil {
				return err
			}
			v := c.View()
			v.Secret = secret
			return printJSON(stdout, v)
		}),
	}
	f := create.Flags()
	f.StringVar(&spec.Name, "name", "", "display name (required)")
	f.StringVar(&scopes, "scopes", "routes:read submissions:write submissions:read events:read", "space-separated scopes")
	f.StringVar(&grants, "grant-types", "", "space-separated grant types (default client_credentials)")
	f.StringVar(&redirects, "redirect-uris", "", "space-separated redirect URIs (authorization code clients)")
	f.StringVar(&spec.Region, "region", "", "ARS prefix the client is restricted to")
	f.StringVar(&spec.MinACR, "min-acr", "", "minimum assurance level of citizens' logins")
	f.StringVar(&spec.AuthMethod, "auth-method", "", "token endpoint authentication: client_secret_basic (default), client_secret_post (FIT-Connect clients), private_key_jwt, none")
	list := &cobra.Command{
		Use: "list", Short: "List clients", Args: cobra.NoArgs,
		RunE: with(func(cmd *cobra.Command, _ []string, clients *oauth.ClientService, tenantID string) error {
			cs, err := clients.List(cmd.Context(), tenantID)
			if err != nil {
				return err
			}
			views := make([]oauth.ClientView, 0, len(cs))
			for _, c := range cs {
				views = append(views, c.View())
			}
			return printJSON(stdout, views)
		}),
	}
	rotate := &cobra.Command{
		Use: "rotate-secret CLIENT_ID", Short: "Replace a client's secret; the new one is printed once", Args: cobra.ExactArgs(1),
		RunE: with(func(cmd *cobra.Command, args []string, clients *oauth.ClientService, tenantID string) error {
			secret, err := clients.RotateSecret(cmd.Context(), tenantID, args[0])
			if err != nil {
				return err
			}
			return printJSON(stdout, map[string]string{"id": args[0], "secret": secret})
		}),
	}
	disable := &cobra.Command{
		Use: "disable CLIENT_ID", Short: "Disable a client; its tokens stop working", Args: cobra.ExactArgs(1),
		RunE: with(func(cmd *cobra.Command, args []string, clients *oauth.ClientService, tenantID string) error {
			if err := clients.Disable(cmd.Context(), tenantID, args[0]); err != nil {
				return err
			}
			return printJSON(stdout, map[string]any{"id": args[0], "disabled": true})
		}),
	}
	cmd.AddCommand(create, list, rotate, disable)
	return cmd
}

func openMigrated(cmd *cobra.Command, getenv func(string) string) (*sqlstore.DB, error) {
	url, err := requireDatabaseURL(getenv)
	if err != nil {
		return nil, err
	}
	db, err := openDB(cmd.Context(), url)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(cmd.Context(), nil, schema.All()...); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func findTenant(cmd *cobra.Command, db *sqlstore.DB, ref string) (*hub.Tenant, error) {
	ts := sqlstore.NewTenantService(db)
	if hub.ValidID(ref) {
		return ts.FindTenantByID(cmd.Context(), ref)
	}
	t, err := ts.FindTenantBySlug(cmd.Context(), ref)
	if err != nil {
		return nil, fmt.Errorf("tenant %q: %w", ref, err)
	}
	return t, nil
}

func fields(s string) []string { return strings.Fields(s) }

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
