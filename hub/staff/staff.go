// Package staff holds the accounts of the people who work in the
// AdminCenter (staff of the authorities and of the platform; not
// citizens): invitation by a one-time link, a password (argon2id, the
// helper of hub/citizens), a mandatory second factor (TOTP, RFC 6238, each
// code accepted once), sessions that end at once when the person is
// removed or their rights change, and a login throttled by hub/logins.
//
// The package owns the tables staff_accounts and staff_sessions.
package staff

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/citizens"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Status is where an account stands.
type Status string

// The statuses of an account.
const (
	Invited Status = "invited" // the invitation is not accepted yet
	Active  Status = "active"
	Removed Status = "removed" // kept for the audit log; cannot log in
)

// Account is a staff person's account.
type Account struct {
	ID string `json:"id"`
	// TenantID is the person's home tenant; empty for the platform's own
	// staff.
	TenantID    string    `json:"tenant,omitempty"`
	Email       string    `json:"email"`
	DisplayName string    `json:"displayName"`
	Status      Status    `json:"status"`
	CreatedAt   time.Time `json:"createdAt"`

	sessionVersion int
}

// LoginFailedMessage is the one answer to a wrong e-mail address, a wrong
// password or a wrong code: it does not tell which was wrong.
const LoginFailedMessage = "Anmeldung fehlgeschlagen: E-Mail-Adresse, Passwort oder Code ist falsch."

func loginFailed() error {
	return &hub.Error{Code: hub.EUNAUTHORIZED, Kind: "login_failed", Message: LoginFailedMessage}
}

// MinPasswordLength is the shortest password a staff person may choose.
const MinPasswordLength = 12

// Store keeps the accounts.
type Store struct {
	db *sqlstore.DB
	// InvitationTTL is how long an invitation link works; default 7 days.
	InvitationTTL time.Duration
	dummyHash     string
}

// NewStore returns a Store on db (migrated).
func NewStore(db *sqlstore.DB) *Store {
	return &Store{db: db, InvitationTTL: 7 * 24 * time.Hour, dummyHash: citizens.HashPassword(hub.NewToken())}
}

// DB returns the store's database, for callers that write an account and
// an audit entry in one transaction.
func (s *Store) DB() *sqlstore.DB { return s.db }

func normalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

func validate(email, name string) error {
	if at := strings.IndexByte(email, '@'); at < 1 || at == len(email)-1 || len(email) > 254 || strings.ContainsAny(email, " \r\n<>,;") {
		return hub.FieldError("email", "Bitte geben Sie eine gültige E-Mail-Adresse an.")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(name)); n < 1 || n > 200 {
		return hub.FieldError("displayName", "Bitte geben Sie einen Namen mit 1 bis 200 Zeichen an.")
	}
	return nil
}

// Invite makes an invited account in tx and returns it with the token of
// its invitation link (only the token's hash is stored).
func (s *Store) Invite(ctx context.Context, tx *sqlstore.Tx, tenantID, email, displayName string) (*Account, string, error) {
	email = normalizeEmail(email)
	if err := validate(email, displayName); err != nil {
		return nil, "", err
	}
	token := hub.NewToken()
	now := s.db.Now()
	a := &Account{ID: hub.NewID(), TenantID: tenantID, Email: email, DisplayName: strings.TrimSpace(displayName), Status: Invited, CreatedAt: now}
	_, err := tx.ExecContext(ctx, `INSERT INTO staff_accounts (id, tenant_id, email, display_name, status, invite_hash,
		invite_expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, 'invited', $5, $6, $7, $7)`,
		a.ID, sqlstore.NullString(tenantID), email, a.DisplayName, hub.TokenHash(token), now.Add(s.InvitationTTL), now)
	if err = sqlstore.Translate(err); hub.IsCode(err, hub.ECONFLICT) {
		return nil, "", &hub.Error{Code: hub.ECONFLICT, Field: "email", Message: "Für diese E-Mail-Adresse gibt es schon ein Konto.", Err: err}
	}
	if err != nil {
		return nil, "", fmt.Errorf("invite staff: %w", err)
	}
	return a, token, nil
}

// CreateActive makes an active account with a password and a TOTP secret
// in tx, for `amthub dev` and the first platform operator of `amthub
// staff create`.
func (s *Store) CreateActive(ctx context.Context, tx *sqlstore.Tx, tenantID, email, displayName, password, totpSecret string) (*Account, error) {
	email = normalizeEmail(email)
	if err := validate(email, displayName); err != nil {
		return nil, err
	}
	if err := checkPasswordRule(password); err != nil {
		return nil, err
	}
	now := s.db.Now()
	a := &Account{ID: hub.NewID(), TenantID: tenantID, Email: email, DisplayName: strings.TrimSpace(displayName), Status: Active, CreatedAt: now}
	_, err := tx.ExecContext(ctx, `INSERT INTO staff_accounts (id, tenant_id, email, display_name, status, password_hash,
		totp_secret, created_at, updated_at) VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $7)`,
		a.ID, sqlstore.NullString(tenantID), email, a.DisplayName, citizens.HashPassword(password), totpSecret, now)
	if err = sqlstore.Translate(err); hub.IsCode(err, hub.ECONFLICT) {
		return nil, &hub.Error{Code: hub.ECONFLICT, Field: "email", Message: "Für diese E-Mail-Adresse gibt es schon ein Konto.", Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("create staff: %w", err)
	}
	return a, nil
}

func checkPasswordRule(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLength || len(pw) > 1024 {
		return hub.FieldError("password", "Das Passwort muss mindestens %d Zeichen lang sein.", MinPasswordLength)
	}
	return nil
}

const accountColumns = `id, COALESCE(tenant_id, ''), email, display_name, status, created_at, session_version`

func notFound() error { return hub.Errorf(hub.ENOTFOUND, "Staff account not found.") }

// Get returns the account id, removed ones included.
func (s *Store) Get(ctx context.Context, id string) (*Account, error) {
	return s.get(ctx, s.db, id)
}

func (s *Store) get(ctx context.Context, q sqlstore.Querier, id string) (*Account, error) {
	a, err := scanAccountWith(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM staff_accounts WHERE id = $1`, id))
	if sqlstore.ErrNoRows(err) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("find staff account: %w", err)
	}
	return a, nil
}

// List returns the accounts that are not removed, of the given tenants
// (all true: of every tenant and of the platform), by name.
func (s *Store) List(ctx context.Context, all bool, tenantIDs []string) ([]*Account, error) {
	q := `SELECT ` + accountColumns + ` FROM staff_accounts WHERE status <> 'removed'`
	var args []any
	if !all {
		if len(tenantIDs) == 0 {
			return nil, nil
		}
		q += ` AND tenant_id IN (` + sqlstore.Placeholders(1, len(tenantIDs)) + `)`
		for _, t := range tenantIDs {
			args = append(args, t)
		}
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY display_name, email`, args...)
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	defer rows.Close()
	var out []*Account
	for rows.Next() {
		a, err := scanAccountWith(rows)
		if err != nil {
			return nil, fmt.Errorf("list staff: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Remove marks the account removed in tx, clears its credentials and ends
// its sessions. It returns the account as it was.
func (s *Store) Remove(ctx context.Context, tx *sqlstore.Tx, id string) (*Account, error) {
	a, err := s.get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if a.Status == Removed {
		return nil, notFound()
	}
	_, err = tx.ExecContext(ctx, `UPDATE staff_accounts SET status = 'removed', password_hash = '', totp_secret = '',
		invite_hash = '', session_version = session_version + 1, updated_at = $2 WHERE id = $1`, id, s.db.Now())
	if err != nil {
		return nil, fmt.Errorf("remove staff account: %w", err)
	}
	return a, nil
}

// EndSessions ends every session of the person in tx (their rights
// changed): the next request with one of them is refused.
func (s *Store) EndSessions(ctx context.Context, tx *sqlstore.Tx, id string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE staff_accounts SET session_version = session_version + 1 WHERE id = $1`, id); err != nil {
		return fmt.Errorf("end staff sessions: %w", err)
	}
	return nil
}
