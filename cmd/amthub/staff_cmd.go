package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/amthub/amthub/admin"
	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/audit"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/mail"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/hub/staff"
)

// cliMail prints what the CLI would mail: the operator hands the link on.
type cliMail struct{ w io.Writer }

func (m cliMail) Send(_ context.Context, msg mail.Message) error {
	_, err := fmt.Fprintf(m.w, "E-Mail an %s: %s\n\n%s\n", msg.To, msg.Subject, msg.Body)
	return err
}

// cliService opens the database and the AdminCenter's operations on it,
// acting as the command line (a platform operator's rights; every change
// is in the audit log as "cli").
func cliService(cmd *cobra.Command, getenv func(string) string, stdout io.Writer) (*admin.Service, *sqlstore.DB, error) {
	db, err := openMigrated(cmd, getenv)
	if err != nil {
		return nil, nil, err
	}
	editor := catalogue.NewEditor(catalogue.NewStore(db), nil)
	svc := newAdminService(db, editor, cliMail{stdout})
	svc.Catalogue = editor
	svc.InviteURL = func(token string) string { return publicURL(getenv) + "/admin/einladung/" + token }
	return svc, db, nil
}

// cliTenant is cliService for a command on one tenant, named by its slug.
func cliTenant(cmd *cobra.Command, getenv func(string) string, stdout io.Writer, slug string) (*admin.Service, *sqlstore.DB, string, error) {
	svc, db, err := cliService(cmd, getenv, stdout)
	if err != nil {
		return nil, nil, "", err
	}
	t, err := svc.Tenants.FindTenantBySlug(cmd.Context(), slug)
	if err != nil {
		db.Close()
		return nil, nil, "", fmt.Errorf("--tenant %q: %w", slug, err)
	}
	return svc, db, t.ID, nil
}

func publicURL(getenv func(string) string) string {
	if u := getenv("AMTHUB_PUBLIC_URL"); u != "" {
		return u
	}
	return "http://localhost:8080"
}

func newStaffCommand(stdout io.Writer, getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{Use: "staff", Short: "Manage the AdminCenter's staff and their roles (AMTHUB_DATABASE_URL)"}
	var tenant, email, name, role, unit string
	invite := &cobra.Command{
		Use: "invite", Short: "Invite a person to a tenant; prints the invitation mail with its link", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, db, tenantID, err := cliTenant(cmd, getenv, stdout, tenant)
			if err != nil {
				return err
			}
			defer db.Close()
			inv, err := svc.InviteStaff(cmd.Context(), admin.CLI(), tenantID, email, name)
			if err != nil {
				return err
			}
			if role != "" {
				if _, err := svc.AddGrant(cmd.Context(), admin.CLI(), inv.Person.ID, access.Grant{Role: access.Role(role), UnitID: unit}); err != nil {
					return err
				}
			}
			return printJSON(stdout, inv.Person)
		},
	}
	invite.Flags().StringVar(&tenant, "tenant", "", "the tenant's slug")
	invite.Flags().StringVar(&email, "email", "", "the person's e-mail address")
	invite.Flags().StringVar(&name, "name", "", "the person's name")
	invite.Flags().StringVar(&role, "role", "", "a role to grant at once (tenant-admin, catalogue-editor, …)")
	invite.Flags().StringVar(&unit, "unit", "", "with --role: the organisational unit (default: the whole tenant)")
	operator := &cobra.Command{
		Use: "operator", Short: "Create a platform operator (password on standard input); prints the TOTP secret for the authenticator app", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, db, err := cliService(cmd, getenv, stdout)
			if err != nil {
				return err
			}
			defer db.Close()
			line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
			if err != nil && line == "" {
				return fmt.Errorf("read the password from standard input: %w", err)
			}
			password := strings.TrimRight(line, "\r\n")
			secret, err := staff.NewTOTPSecret(email)
			if err != nil {
				return err
			}
			var acct *staff.Account
			err = db.InTx(cmd.Context(), func(tx *sqlstore.Tx) error {
				if acct, err = svc.Staff.CreateActive(cmd.Context(), tx, "", email, name, password, secret); err != nil {
					return err
				}
				g := access.Grant{PersonID: acct.ID, Role: access.PlatformOperator}
				if err := svc.Grants.Add(cmd.Context(), tx, &g); err != nil {
					return err
				}
				return audit.Record(cmd.Context(), tx, audit.Entry{ActorID: "cli", ActorName: "Kommandozeile", Action: "staff.created",
					ResourceKind: "staff", ResourceID: acct.ID, After: acct})
			})
			if err != nil {
				return err
			}
			return printJSON(stdout, map[string]string{"id": acct.ID, "email": acct.Email, "totpSecret": secret})
		},
	}
	operator.Flags().StringVar(&email, "email", "", "the operator's e-mail address")
	operator.Flags().StringVar(&name, "name", "Plattformbetrieb", "the operator's name")
	list := &cobra.Command{
		Use: "list", Short: "List a tenant's staff with their roles", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, db, tenantID, err := cliTenant(cmd, getenv, stdout, tenant)
			if err != nil {
				return err
			}
			defer db.Close()
			people, err := svc.ListStaff(cmd.Context(), admin.CLI(), tenantID)
			if err != nil {
				return err
			}
			return printJSON(stdout, people)
		},
	}
	list.Flags().StringVar(&tenant, "tenant", "", "the tenant's slug")
	var person string
	remove := &cobra.Command{
		Use: "remove", Short: "Remove a person: roles withdrawn, sessions ended at once", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, db, err := cliService(cmd, getenv, stdout)
			if err != nil {
				return err
			}
			defer db.Close()
			return svc.RemoveStaff(cmd.Context(), admin.CLI(), person)
		},
	}
	remove.Flags().StringVar(&person, "id", "", "the person's id")
	cmd.AddCommand(invite, operator, list, remove)
	return cmd
}

func newAuditCommand(stdout io.Writer, getenv func(string) string) *cobra.Command {
	var action, tenant string
	var limit int
	cmd := &cobra.Command{
		Use: "audit", Short: "Export the audit log as CSV (AMTHUB_DATABASE_URL)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, db, err := cliService(cmd, getenv, stdout)
			if err != nil {
				return err
			}
			defer db.Close()
			entries, err := svc.ListAudit(cmd.Context(), admin.CLI(), admin.AuditQuery{TenantID: tenant, Action: action, Limit: limit})
			if err != nil {
				return err
			}
			return audit.WriteCSV(stdout, entries)
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "only this tenant (its id)")
	cmd.Flags().StringVar(&action, "action", "", "only this action, or a prefix ending in a dot (staff.)")
	cmd.Flags().IntVar(&limit, "limit", 10000, "at most this many entries, newest first")
	return cmd
}
