package portal

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/oauth"
)

// Profile is a citizen's master data (Stammdaten), offered to vendors only
// with the citizen's consent.
type Profile struct {
	Email      string
	GivenName  string
	FamilyName string
	BirthName  string
	BirthDate  string // YYYY-MM-DD
	BirthPlace string
	Street     string
	Postcode   string
	City       string
	Phone      string
	Confirmed  bool
}

// Mail is a message the portal sent; in dev it stays in the outbox.
type Mail struct {
	ID, Recipient, Subject, Body string
	CreatedAt                    time.Time
}

// Accounts manages the portal's side of citizens' service accounts on top
// of the OAuth module's accounts: master data, e-mail confirmation,
// deletion, and the outbox of e-mails.
type Accounts struct {
	db       *sqlstore.DB
	citizens *oauth.CitizenStore
}

// NewAccounts returns Accounts on db and the OAuth module's citizens.
func NewAccounts(db *sqlstore.DB, citizens *oauth.CitizenStore) *Accounts {
	return &Accounts{db: db, citizens: citizens}
}

var (
	birthDateRe = regexp.MustCompile(`^(19|20)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$`)
	phoneRe     = regexp.MustCompile(`^\+?[0-9 ()/-]{3,30}$`)
)

// Register creates an unconfirmed account and mails the confirmation link
// (built by link from the token) to the citizen.
func (a *Accounts) Register(ctx context.Context, tenantID, email, password, given, family string, link func(token string) string) (*oauth.Citizen, error) {
	p := Profile{GivenName: strings.TrimSpace(given), FamilyName: strings.TrimSpace(family)}
	if err := p.validate(); err != nil {
		return nil, err
	}
	c, err := a.citizens.Create(ctx, tenantID, email, password, p.GivenName+" "+p.FamilyName)
	if err != nil {
		return nil, err
	}
	token := newToken()
	err = a.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO portal_profiles (tenant_id, citizen_id, given_name, family_name, birth_name,
			birth_date, birth_place, street, postcode, city, phone, confirm_token, updated_at)
			VALUES ($1, $2, $3, $4, '', '', '', '', '', '', '', $5, $6)`, tenantID, c.ID, p.GivenName, p.FamilyName, tokenHash(token), a.db.Now())
		if err != nil {
			return fmt.Errorf("create profile: %w", err)
		}
		return a.mail(ctx, tx, tenantID, c.Email, "Bitte bestätigen Sie Ihre E-Mail-Adresse",
			"Guten Tag "+p.GivenName+" "+p.FamilyName+",\n\nbitte bestätigen Sie Ihr Servicekonto mit diesem Link:\n"+link(token)+"\n")
	})
	if err != nil {
		_, _ = a.db.ExecContext(ctx, `DELETE FROM citizen_accounts WHERE tenant_id = $1 AND id = $2`, tenantID, c.ID)
		return nil, err
	}
	return c, nil
}

// Confirm marks the account of a confirmation token as confirmed.
func (a *Accounts) Confirm(ctx context.Context, tenantID, token string) error {
	res, err := a.db.ExecContext(ctx, `UPDATE portal_profiles SET confirmed_at = $1, confirm_token = ''
		WHERE tenant_id = $2 AND confirm_token = $3 AND confirm_token <> ''`, a.db.Now(), tenantID, tokenHash(token))
	if err != nil {
		return fmt.Errorf("confirm account: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &hub.Error{Code: hub.ENOTFOUND, Kind: "confirmation_unknown", Message: "Dieser Bestätigungslink ist ungültig oder wurde schon benutzt."}
	}
	return nil
}

// Login checks e-mail and password and that the account is confirmed.
func (a *Accounts) Login(ctx context.Context, tenantID, email, password string) (*oauth.Citizen, error) {
	c, err := a.citizens.Authenticate(ctx, tenantID, email, password)
	if err != nil {
		return nil, err
	}
	p, err := a.Profile(ctx, tenantID, c.ID)
	if err != nil {
		return nil, err
	}
	if !p.Confirmed {
		return nil, &hub.Error{Code: hub.EFORBIDDEN, Kind: "email_unconfirmed",
			Message: "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse über den Link in unserer E-Mail."}
	}
	return c, nil
}

// Profile returns a citizen's master data.
func (a *Accounts) Profile(ctx context.Context, tenantID, citizenID string) (*Profile, error) {
	p := &Profile{}
	var confirmed sql.NullTime
	err := a.db.QueryRowContext(ctx, `SELECT c.email, p.given_name, p.family_name, p.birth_name, p.birth_date, p.birth_place,
		p.street, p.postcode, p.city, p.phone, p.confirmed_at
		FROM portal_profiles p JOIN citizen_accounts c ON c.tenant_id = p.tenant_id AND c.id = p.citizen_id
		WHERE p.tenant_id = $1 AND p.citizen_id = $2`, tenantID, citizenID).Scan(&p.Email, &p.GivenName, &p.FamilyName,
		&p.BirthName, &p.BirthDate, &p.BirthPlace, &p.Street, &p.Postcode, &p.City, &p.Phone, &confirmed)
	if sqlstore.ErrNoRows(err) {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "account_not_found", Message: "Dieses Konto gibt es nicht."}
	}
	if err != nil {
		return nil, fmt.Errorf("find profile: %w", err)
	}
	p.Confirmed = confirmed.Valid
	return p, nil
}

// UpdateProfile replaces a citizen's master data (not the e-mail address).
func (a *Accounts) UpdateProfile(ctx context.Context, tenantID, citizenID string, p *Profile) error {
	if err := p.validate(); err != nil {
		return err
	}
	res, err := a.db.ExecContext(ctx, `UPDATE portal_profiles SET given_name = $1, family_name = $2, birth_name = $3,
		birth_date = $4, birth_place = $5, street = $6, postcode = $7, city = $8, phone = $9, updated_at = $10
		WHERE tenant_id = $11 AND citizen_id = $12`, p.GivenName, p.FamilyName, p.BirthName, p.BirthDate, p.BirthPlace,
		p.Street, p.Postcode, p.City, p.Phone, a.db.Now(), tenantID, citizenID)
	if err != nil {
		return fmt.Errorf("update profile: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &hub.Error{Code: hub.ENOTFOUND, Kind: "account_not_found", Message: "Dieses Konto gibt es nicht."}
	}
	return nil
}

// Delete removes a citizen's account, master data, document safe and
// postbox references, in one transaction. The cases a vendor made for the
// citizen stay with the vendor and the authority, unlinked from the
// account. (The portal's handler revokes the OAuth grants first.)
func (a *Accounts) Delete(ctx context.Context, tenantID, citizenID string) error {
	return a.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := deleteAllDocuments(ctx, tx, tenantID, citizenID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM portal_profiles WHERE tenant_id = $1 AND citizen_id = $2`, tenantID, citizenID); err != nil {
			return fmt.Errorf("delete profile: %w", err)
		}
		// The vendors' cases stay (they are the authorities' records) but
		// point to no account any more; postbox references die, so nothing
		// can be delivered to the deleted account.
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET citizen_id = NULL WHERE tenant_id = $1 AND citizen_id = $2`, tenantID, citizenID); err != nil {
			return fmt.Errorf("unlink cases: %w", err)
		}
		for _, table := range []string{"mailbox_postboxes", "mailbox_external"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE tenant_id = $1 AND citizen_id = $2`, tenantID, citizenID); err != nil {
				return fmt.Errorf("delete %s: %w", table, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM citizen_accounts WHERE tenant_id = $1 AND id = $2`, tenantID, citizenID); err != nil {
			return fmt.Errorf("delete account: %w", err)
		}
		return nil
	})
}

func (p *Profile) validate() error {
	for _, f := range []struct {
		name, value string
		required    bool
	}{
		{"given_name", p.GivenName, true}, {"family_name", p.FamilyName, true}, {"birth_name", p.BirthName, false},
		{"birth_place", p.BirthPlace, false}, {"street", p.Street, false}, {"city", p.City, false},
	} {
		n := utf8.RuneCountInString(f.value)
		if f.required && strings.TrimSpace(f.value) == "" {
			return hub.FieldError(f.name, "Bitte ausfüllen.")
		}
		if n > 100 || !utf8.ValidString(f.value) || strings.ContainsAny(f.value, "\x00\r\n") {
			return hub.FieldError(f.name, "Höchstens 100 Zeichen in einer Zeile.")
		}
	}
	switch {
	case p.BirthDate != "" && !birthDateRe.MatchString(p.BirthDate):
		return hub.FieldError("birth_date", "Bitte als Datum angeben (TT.MM.JJJJ).")
	case p.Postcode != "" && !postcodeRe.MatchString(p.Postcode):
		return hub.FieldError("postcode", "Die Postleitzahl hat fünf Ziffern.")
	case p.Phone != "" && !phoneRe.MatchString(p.Phone):
		return hub.FieldError("phone", "Bitte eine Telefonnummer aus Ziffern angeben.")
	}
	return nil
}

func (a *Accounts) mail(ctx context.Context, tx *sqlstore.Tx, tenantID, to, subject, body string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO portal_outbox (id, tenant_id, recipient, subject, body, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, hub.NewID(), tenantID, to, subject, body, a.db.Now())
	if err != nil {
		return fmt.Errorf("queue e-mail: %w", err)
	}
	return nil
}

// Outbox returns the newest e-mails the portal sent (dev only shows them).
func (a *Accounts) Outbox(ctx context.Context, tenantID string, limit int) ([]Mail, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT id, recipient, subject, body, created_at FROM portal_outbox
		WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, tenantID, limit)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	defer rows.Close()
	var out []Mail
	for rows.Next() {
		var m Mail
		if err := rows.Scan(&m.ID, &m.Recipient, &m.Subject, &m.Body, &m.CreatedAt); err != nil {
			return nil, fmt.Errorf("list outbox: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
