// Package citizens is the one place of a citizen's service account
// (Servicekonto): the e-mail address, the password (argon2id) and whether
// the address is confirmed. The portal and the OAuth server both log
// citizens in through it, with one rule and one answer, and build their own
// data (master data, consents, grants) on its account id.
//
// The package owns the table citizen_accounts. It was created by the OAuth
// module's shipped migration 00100; its later migrations are in
// hub/citizens/migrations.
package citizens

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Citizen is a citizen's service account of one tenant.
type Citizen struct {
	ID          string
	TenantID    string
	Email       string
	DisplayName string
	// Confirmed tells whether the citizen confirmed the e-mail address; an
	// unconfirmed account cannot log in.
	Confirmed bool
	CreatedAt time.Time
}

// LoginFailedMessage is the one answer to a login with an unknown e-mail
// address or a wrong password, on every login form: it must not tell
// which of the two was wrong.
const LoginFailedMessage = "E-Mail-Adresse oder Passwort ist falsch."

// UnconfirmedMessage answers a login with the right password to an account
// whose e-mail address is not confirmed yet.
const UnconfirmedMessage = "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse über den Link in unserer E-Mail."

func loginFailed() error {
	return &hub.Error{Code: hub.EUNAUTHORIZED, Kind: "login_failed", Message: LoginFailedMessage}
}

// Store keeps the accounts in the table citizen_accounts.
type Store struct{ db *sqlstore.DB }

// NewStore returns a Store on db (migrated).
func NewStore(db *sqlstore.DB) *Store { return &Store{db: db} }

func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Create makes an account whose e-mail address counts as confirmed: for
// accounts an operator or `amthub dev` sets up. The e-mail address is
// unique per tenant. Field errors name email, password or display_name.
func (s *Store) Create(ctx context.Context, tenantID, email, password, displayName string) (*Citizen, error) {
	return s.insert(ctx, tenantID, email, password, displayName, "")
}

// Register makes an unconfirmed account, as a citizen does on the portal,
// and returns it with the token that Confirm takes (mailed to the
// citizen as a link; only its hash is stored).
func (s *Store) Register(ctx context.Context, tenantID, email, password, displayName string) (*Citizen, string, error) {
	token := hub.NewToken()
	c, err := s.insert(ctx, tenantID, email, password, displayName, token)
	if err != nil {
		return nil, "", err
	}
	return c, token, nil
}

func (s *Store) insert(ctx context.Context, tenantID, email, password, displayName, token string) (*Citizen, error) {
	email = normalizeEmail(email)
	if !strings.Contains(email, "@") || len(email) > 254 {
		return nil, hub.FieldError("email", "must be an e-mail address")
	}
	if len(password) < 10 || len(password) > 1024 {
		return nil, hub.FieldError("password", "must be 10–1024 characters")
	}
	if err := validName(displayName); err != nil {
		return nil, err
	}
	now := s.db.Now()
	c := &Citizen{ID: hub.NewID(), TenantID: tenantID, Email: email, DisplayName: displayName, Confirmed: token == "", CreatedAt: now}
	var confirmedAt sql.NullTime
	hash := ""
	if token == "" {
		confirmedAt = sql.NullTime{Time: now, Valid: true}
	} else {
		hash = hub.TokenHash(token)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO citizen_accounts (id, tenant_id, email, password_hash, display_name,
		confirmed_at, confirm_token, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.ID, tenantID, email, HashPassword(password), displayName, confirmedAt, hash, now)
	if err = sqlstore.Translate(err); hub.IsCode(err, hub.ECONFLICT) {
		return nil, &hub.Error{Code: hub.ECONFLICT, Field: "email", Message: "An account with this e-mail address exists already.", Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("create citizen account: %w", err)
	}
	return c, nil
}

// Confirm marks the account of a confirmation token as confirmed; a token
// works once.
func (s *Store) Confirm(ctx context.Context, tenantID, token string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE citizen_accounts SET confirmed_at = $1, confirm_token = ''
		WHERE tenant_id = $2 AND confirm_token = $3 AND confirm_token <> ''`, s.db.Now(), tenantID, hub.TokenHash(token))
	if err != nil {
		return fmt.Errorf("confirm citizen account: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &hub.Error{Code: hub.ENOTFOUND, Kind: "confirmation_unknown", Message: "Dieser Bestätigungslink ist ungültig oder wurde schon benutzt."}
	}
	return nil
}

// Authenticate checks e-mail address and password in tenantID. An unknown
// address and a wrong password get the same EUNAUTHORIZED error
// (LoginFailedMessage) after the same work: a password hash is checked in
// both cases. Only with the right password does an unconfirmed account get
// EFORBIDDEN (kind email_unconfirmed).
func (s *Store) Authenticate(ctx context.Context, tenantID, email, password string) (*Citizen, error) {
	c, hash, err := s.find(ctx, `tenant_id = $1 AND email = $2`, tenantID, normalizeEmail(email))
	if hub.IsCode(err, hub.ENOTFOUND) {
		CheckPassword(dummyHash, password)
		return nil, loginFailed()
	}
	if err != nil {
		return nil, err
	}
	if !CheckPassword(hash, password) {
		return nil, loginFailed()
	}
	if !c.Confirmed {
		return nil, &hub.Error{Code: hub.EFORBIDDEN, Kind: "email_unconfirmed", Message: UnconfirmedMessage}
	}
	return c, nil
}

// FindByEmail returns the account with email in tenantID.
func (s *Store) FindByEmail(ctx context.Context, tenantID, email string) (*Citizen, error) {
	c, _, err := s.find(ctx, `tenant_id = $1 AND email = $2`, tenantID, normalizeEmail(email))
	return c, err
}

// Get returns the account id of tenantID.
func (s *Store) Get(ctx context.Context, tenantID, id string) (*Citizen, error) {
	c, _, err := s.find(ctx, `tenant_id = $1 AND id = $2`, tenantID, id)
	return c, err
}

func (s *Store) find(ctx context.Context, where string, args ...any) (*Citizen, string, error) {
	c := &Citizen{}
	var hash string
	var confirmed sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT id, tenant_id, email, display_name, confirmed_at, created_at, password_hash
		FROM citizen_accounts WHERE `+where, args...).
		Scan(&c.ID, &c.TenantID, &c.Email, &c.DisplayName, &confirmed, &c.CreatedAt, &hash)
	if sqlstore.ErrNoRows(err) {
		return nil, "", &hub.Error{Code: hub.ENOTFOUND, Kind: "account_not_found", Message: "Dieses Konto gibt es nicht."}
	}
	if err != nil {
		return nil, "", fmt.Errorf("find citizen account: %w", err)
	}
	c.Confirmed = confirmed.Valid
	return c, hash, nil
}

// Rename sets the name the account shows (on the OAuth consent page, in
// ID tokens): the portal keeps it in step with the citizen's master data.
func (s *Store) Rename(ctx context.Context, tenantID, id, displayName string) error {
	if err := validName(displayName); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE citizen_accounts SET display_name = $1 WHERE tenant_id = $2 AND id = $3`,
		displayName, tenantID, id)
	if err != nil {
		return fmt.Errorf("rename citizen account: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &hub.Error{Code: hub.ENOTFOUND, Kind: "account_not_found", Message: "Dieses Konto gibt es nicht."}
	}
	return nil
}

// Delete removes the account id of tenantID; an unknown one is no error.
func (s *Store) Delete(ctx context.Context, tenantID, id string) error {
	return s.db.InTx(ctx, func(tx *sqlstore.Tx) error { return s.DeleteTx(ctx, tx, tenantID, id) })
}

// DeleteTx removes the account in tx, so that a module can delete its own
// data of the citizen and the account in one transaction.
func (s *Store) DeleteTx(ctx context.Context, tx *sqlstore.Tx, tenantID, id string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM citizen_accounts WHERE tenant_id = $1 AND id = $2`, tenantID, id); err != nil {
		return fmt.Errorf("delete citizen account: %w", err)
	}
	return nil
}

// validName accepts a display name of 1–250 characters: room for the
// portal's given and family name of up to 100 characters each.
func validName(name string) error {
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 250 {
		return hub.FieldError("display_name", "must be 1–250 characters")
	}
	return nil
}
