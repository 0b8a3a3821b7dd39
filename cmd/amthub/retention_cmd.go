package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/retention"
	"github.com/amthub/amthub/hub/sqlstore"
)

// newRetentionCommand returns `amthub retention`: a tenant's retention
// periods per data kind, and the log of what the deletion job deleted.
func newRetentionCommand(stdout io.Writer, getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{Use: "retention", Short: "Show and set a tenant's retention periods; read the deletion log (AMTHUB_DATABASE_URL)"}
	// withTenant opens the database and finds the tenant by slug.
	withTenant := func(cmd *cobra.Command, slug string, fn func(ctx context.Context, p *retention.Periods, tenantID string) error) error {
		db, err := openMigrated(cmd, getenv)
		if err != nil {
			return err
		}
		defer db.Close()
		t, err := sqlstore.NewTenantService(db).FindTenantBySlug(cmd.Context(), slug)
		if err != nil {
			return fmt.Errorf("tenant %s: %w", slug, err)
		}
		return fn(cmd.Context(), retention.NewPeriods(db, privacy.Defaults(privacyDeclarations())), t.ID)
	}
	show := func(ctx context.Context, p *retention.Periods, tenantID string) error {
		ps, err := p.List(ctx, tenantID)
		if err != nil {
			return err
		}
		for _, x := range ps {
			src := "set"
			if x.Default {
				src = "default"
			}
			fmt.Fprintf(stdout, "%-20s %-10s %s\n", x.Kind, x, src)
		}
		return nil
	}
	var limit int
	logCmd := &cobra.Command{
		Use: "log TENANT", Short: "Print what the deletion job deleted in the tenant (counts per kind, newest first)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withTenant(cmd, args[0], func(ctx context.Context, p *retention.Periods, tenantID string) error {
				entries, err := p.Log(ctx, tenantID, limit)
				for _, e := range entries {
					fmt.Fprintln(stdout, e)
				}
				return err
			})
		},
	}
	logCmd.Flags().IntVar(&limit, "limit", 50, "most entries to print")
	cmd.AddCommand(&cobra.Command{
		Use: "show TENANT", Short: "Print the tenant's retention period of every data kind", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return withTenant(cmd, args[0], show) },
	}, &cobra.Command{
		Use:   "set TENANT KIND PERIOD",
		Short: "Set a data kind's retention period in the tenant: days (30d), a duration (36h), keep, or default",
		Long: "Set how long data of KIND is kept in the tenant before the deletion job deletes it.\n" +
			"PERIOD is whole days (30d), a duration (36h), keep (never deleted by period) or default\n" +
			"(the period the module declares). Kinds: submission_content (from the Fachverfahren's\n" +
			"decision), drafts (from expiry), timeline (from the case's last event), mailbox_messages,\n" +
			"documents, payments, register_audit, staff_audit.",
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, err := retention.ParseKind(args[1])
			if err != nil {
				return err
			}
			return withTenant(cmd, args[0], func(ctx context.Context, p *retention.Periods, tenantID string) error {
				if args[2] == "default" {
					err = p.Reset(ctx, tenantID, kind)
				} else {
					d, keep, perr := retention.ParsePeriod(args[2])
					if perr != nil {
						return perr
					}
					err = p.Set(ctx, tenantID, kind, d, keep)
				}
				if err != nil {
					return err
				}
				return show(ctx, p, tenantID)
			})
		},
	}, logCmd)
	return cmd
}
