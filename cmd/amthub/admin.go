package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"

	"github.com/amthub/amthub/admin"
	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/audit"
	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/logins"
	"github.com/amthub/amthub/hub/mail"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/retention"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/hub/staff"
	"github.com/amthub/amthub/portal"
)

// noMail refuses to send: serve without AMTHUB_SMTP_ADDR.
type noMail struct{}

func (noMail) Send(context.Context, mail.Message) error {
	return errors.New("no mail server: set AMTHUB_SMTP_ADDR")
}

// newAdminService builds the AdminCenter's operations on db, for the
// server and the CLI alike.
func newAdminService(db *sqlstore.DB, units admin.Units, sender mail.Sender) *admin.Service {
	return &admin.Service{DB: db, Tenants: sqlstore.NewTenantService(db), Staff: staff.NewStore(db),
		Grants: access.NewStore(db), Audit: audit.NewStore(db), Units: units, Mail: sender}
}

// mountAdmin serves the AdminCenter at /admin/ and /admin/v1/. Sessions
// live in the database in dev and in Redis in serve; logins are throttled
// on the hub's cache; invitations go to the dev outbox or by SMTP.
func (a *App) mountAdmin() error {
	var sender mail.Sender = noMail{}
	var outbox *mail.Outbox
	switch {
	case a.Config.Dev:
		outbox = mail.NewOutbox()
		sender = outbox
	case a.Config.SMTPAddr != "":
		sender = mail.NewSMTP(mail.SMTPConfig{Addr: a.Config.SMTPAddr, From: a.Config.SMTPFrom,
			Username: a.Config.SMTPUsername, Password: a.Config.SMTPPassword})
	}
	var sessions staff.SessionStore = staff.NewDBSessions(a.DB)
	if r, ok := a.Cache.(*cache.Redis); ok {
		sessions = staff.NewRedisSessions(r.Client(), r.Prefix())
	}
	editor := catalogue.NewEditor(a.Catalogue, a.Bus)
	a.Admin = newAdminService(a.DB, editor, sender)
	a.Admin.Catalogue = editor
	a.Admin.DeadLetters = pipeline.NewDeadLetters(a.Bus, a.Catalogue, a.Logger, a.Registry)
	a.Admin.StateTexts = stateTexts{store: portal.NewCatalogueStore(a.DB)}
	a.Admin.Clients = adminClients{a.OAuth.Clients}
	decls := privacyDeclarations()
	a.Admin.Records = privacyRecords{periods: retention.NewPeriods(a.DB, privacy.Defaults(decls)), decls: decls}
	lg := &staff.Logins{Store: a.Admin.Staff, Sessions: sessions, Guard: logins.NewGuard(a.Cache, "staff", logins.Policy{})}
	center, err := admin.New(admin.Config{PublicURL: a.PublicURL, Dev: a.Config.Dev}, a.Admin, lg, outbox, a.Logger)
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	center.Routes(a.Router)
	return nil
}

// DemoStaff is one seeded staff login of `amthub dev`.
type DemoStaff struct {
	Login      string `json:"login"`
	Password   string `json:"password"`
	TOTPSecret string `json:"totpSecret"`
	Role       string `json:"role"`
}

// seedDemoStaff makes a platform operator and one person per role in the
// demo tenant, on first start. Passwords and TOTP secrets derive from the
// data directory's key, so demo.json lists the same ones on every start.
func seedDemoStaff(ctx context.Context, app *App, tenantID string) ([]DemoStaff, error) {
	kek, err := app.keyEncryptionKey()
	if err != nil {
		return nil, err
	}
	existing, err := app.Admin.Staff.List(ctx, true, nil)
	if err != nil {
		return nil, err
	}
	var out []DemoStaff
	for _, role := range access.Roles {
		d := DemoStaff{Login: string(role) + "@demo.amthub.invalid", Role: string(role)}
		d.Password = "demo-" + secretOf(kek, "staff password "+d.Login)[:16]
		d.TOTPSecret = secretOf(kek, "staff totp "+d.Login)
		out = append(out, d)
		if hasLogin(existing, d.Login) {
			continue
		}
		home, g := tenantID, access.Grant{Role: role, TenantID: tenantID}
		if role == access.PlatformOperator {
			home, g.TenantID = "", ""
		}
		err = app.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
			acct, err := app.Admin.Staff.CreateActive(ctx, tx, home, d.Login, role.Label()+" (Demo)", d.Password, d.TOTPSecret)
			if err != nil {
				return err
			}
			g.PersonID = acct.ID
			if err := app.Admin.Grants.Add(ctx, tx, &g); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Entry{TenantID: home, ActorID: "cli", ActorName: "amthub dev", Action: "staff.seeded",
				ResourceKind: "staff", ResourceID: acct.ID, After: acct})
		})
		if err != nil {
			return nil, fmt.Errorf("demo staff %s: %w", d.Login, err)
		}
	}
	return out, nil
}

func hasLogin(accts []*staff.Account, login string) bool {
	for _, a := range accts {
		if a.Email == login {
			return true
		}
	}
	return false
}

// secretOf derives a base32 secret (160 bits, as TOTP apps take it) for a
// purpose from the key-encryption key.
func secretOf(kek []byte, purpose string) string {
	m := hmac.New(sha256.New, derive(kek, "amthub demo staff v1"))
	m.Write([]byte(purpose))
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(m.Sum(nil)[:20])
}
