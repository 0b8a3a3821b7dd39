package portal

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/citizens"
	"github.com/amthub/amthub/hub/sqlstore"
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
// of the accounts of hub/citizens (e-mail, password, confirmation): master
// data, registration with its e-mail, deletion, and the outbox of e-mails.
type Accounts struct {
	db       *sqlstore.DB
	citizens *citizens.Store
	cases    CaseLinks
	// forget are the modules' parts of a citizen's data (CitizenData),
	// deleted with the account; the portal's own part comes last.
	forget []CitizenData
}

// CaseLinks is what deleting an account needs of the pipeline's cases:
// unlink them from the account, inside the deletion's transaction.
type CaseLinks interface {
	UnlinkCitizen(ctx context.Context, tx *sqlstore.Tx, tenantID, citizenID string) error
}

// NewAccounts returns Accounts on db, the citizens' accounts and the
// pipeline's cases.
func NewAccounts(db *sqlstore.DB, citizens *citizens.Store, cases CaseLinks) *Accounts {
	return &Accounts{db: db, citizens: citizens, cases: cases}
}

// Accounts returns the portal's side of the citizens' accounts.
func (p *Portal) Accounts() *Accounts { return p.accounts }

var (
	birthDateRe = regexp.MustCompile(`^(19|20)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$`)
	phoneRe     = regexp.MustCompile(`^\+?[0-9 ()/-]{3,30}$`)
)

// Register creates an unconfirmed account and mails the confirmation link
// (built by link from the token) to the citizen.
func (a *Accounts) Register(ctx context.Context, tenantID, email, password, given, family string, link func(token string) string) (*citizens.Citizen, error) {
	p := Profile{GivenName: strings.TrimSpace(given), FamilyName: strings.TrimSpace(family)}
	if err := p.validate(); err != nil {
		return nil, err
	}
	c, token, err := a.citizens.Register(ctx, tenantID, email, password, p.GivenName+" "+p.FamilyName)
	if err != nil {
		return nil, err
	}
	err = a.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := a.putProfile(ctx, tx, tenantID, c.ID, &p); err != nil {
			return err
		}
		return a.mail(ctx, tx, tenantID, c.Email, "Bitte bestätigen Sie Ihre E-Mail-Adresse",
			"Guten Tag "+p.GivenName+" "+p.FamilyName+",\n\nbitte bestätigen Sie Ihr Servicekonto mit diesem Link:\n"+link(token)+"\n")
	})
	if err != nil {
		_ = a.citizens.Delete(ctx, tenantID, c.ID)
		return nil, err
	}
	return c, nil
}

// Confirm marks the account of a confirmation token as confirmed.
func (a *Accounts) Confirm(ctx context.Context, tenantID, token string) error {
	return a.citizens.Confirm(ctx, tenantID, token)
}

// Login checks e-mail and password and that the account is confirmed, as
// the OAuth login does: both ask hub/citizens.
func (a *Accounts) Login(ctx context.Context, tenantID, email, password string) (*citizens.Citizen, error) {
	return a.citizens.Authenticate(ctx, tenantID, email, password)
}

// Profile returns a citizen's master data. An account that has none yet
// (made by an operator or `amthub dev`, not registered on the portal) has
// an empty profile.
func (a *Accounts) Profile(ctx context.Context, tenantID, citizenID string) (*Profile, error) {
	c, err := a.citizens.Get(ctx, tenantID, citizenID)
	if err != nil {
		return nil, err
	}
	p := &Profile{Email: c.Email, Confirmed: c.Confirmed}
	err = a.db.QueryRowContext(ctx, `SELECT given_name, family_name, birth_name, birth_date, birth_place,
		street, postcode, city, phone FROM portal_profiles WHERE tenant_id = $1 AND citizen_id = $2`, tenantID, citizenID).
		Scan(&p.GivenName, &p.FamilyName, &p.BirthName, &p.BirthDate, &p.BirthPlace, &p.Street, &p.Postcode, &p.City, &p.Phone)
	if err != nil && !sqlstore.ErrNoRows(err) {
		return nil, fmt.Errorf("find profile: %w", err)
	}
	return p, nil
}

// UpdateProfile replaces a citizen's master data (not the e-mail address)
// and names the account after it.
func (a *Accounts) UpdateProfile(ctx context.Context, tenantID, citizenID string, p *Profile) error {
	if err := p.validate(); err != nil {
		return err
	}
	if _, err := a.citizens.Get(ctx, tenantID, citizenID); err != nil {
		return err
	}
	if err := a.db.InTx(ctx, func(tx *sqlstore.Tx) error { return a.putProfile(ctx, tx, tenantID, citizenID, p) }); err != nil {
		return err
	}
	return a.citizens.Rename(ctx, tenantID, citizenID, p.GivenName+" "+p.FamilyName)
}

// SeedProfile gives an account master data if it has none yet (the demo
// citizen of `amthub dev`); existing master data stays as it is.
func (a *Accounts) SeedProfile(ctx context.Context, tenantID, citizenID string, p Profile) error {
	if err := p.validate(); err != nil {
		return err
	}
	if _, err := a.citizens.Get(ctx, tenantID, citizenID); err != nil {
		return err
	}
	_, err := a.db.ExecContext(ctx, `INSERT INTO portal_profiles (tenant_id, citizen_id, given_name, family_name, birth_name,
		birth_date, birth_place, street, postcode, city, phone, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (tenant_id, citizen_id) DO NOTHING`,
		tenantID, citizenID, p.GivenName, p.FamilyName, p.BirthName, p.BirthDate, p.BirthPlace, p.Street, p.Postcode,
		p.City, p.Phone, a.db.Now())
	if err != nil {
		return fmt.Errorf("seed profile: %w", err)
	}
	return nil
}

// putProfile writes a citizen's master data, whether there was any or not.
func (a *Accounts) putProfile(ctx context.Context, tx *sqlstore.Tx, tenantID, citizenID string, p *Profile) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO portal_profiles (tenant_id, citizen_id, given_name, family_name, birth_name,
		birth_date, birth_place, street, postcode, city, phone, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (tenant_id, citizen_id) DO UPDATE SET given_name = excluded.given_name, family_name = excluded.family_name,
		birth_name = excluded.birth_name, birth_date = excluded.birth_date, birth_place = excluded.birth_place,
		street = excluded.street, postcode = excluded.postcode, city = excluded.city, phone = excluded.phone,
		updated_at = excluded.updated_at`, tenantID, citizenID, p.GivenName, p.FamilyName, p.BirthName, p.BirthDate,
		p.BirthPlace, p.Street, p.Postcode, p.City, p.Phone, a.db.Now())
	if err != nil {
		return fmt.Errorf("write profile: %w", err)
	}
	return nil
}

// Delete removes a citizen's account and everything the modules hold of
// the citizen (each module's ForgetCitizen: master data, document safe,
// e-mails, mailbox, grants, …) in one transaction. The cases a vendor made
// for the citizen stay with the vendor and the authority, unlinked from
// the account, as do the register queries made for them. (The portal's
// handler revokes the OAuth grants first and ends the sessions after.)
func (a *Accounts) Delete(ctx context.Context, tenantID, citizenID string) error {
	return a.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		for _, part := range a.forget {
			if err := part.ForgetCitizen(ctx, tx, tenantID, citizenID); err != nil {
				return err
			}
		}
		if err := a.cases.UnlinkCitizen(ctx, tx, tenantID, citizenID); err != nil {
			return err
		}
		return a.citizens.DeleteTx(ctx, tx, tenantID, citizenID)
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
