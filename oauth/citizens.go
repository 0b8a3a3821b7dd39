package oauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Citizen is a citizen's service account (Servicekonto) of one tenant.
type Citizen struct {
	ID          string
	TenantID    string
	Email       string
	DisplayName string
	CreatedAt   time.Time
}

// CitizenAccounts is what the login pages need from the accounts. The
// portal's account store can replace CitizenStore by implementing it.
type CitizenAccounts interface {
	// Authenticate returns the account for email and password in tenantID,
	// or an EUNAUTHORIZED error that does not tell which one was wrong.
	Authenticate(ctx context.Context, tenantID, email, password string) (*Citizen, error)
	// FindByEmail returns the account with email in tenantID (test eID).
	FindByEmail(ctx context.Context, tenantID, email string) (*Citizen, error)
}

// CitizenStore keeps citizens' accounts in the table citizen_accounts,
// with passwords hashed by argon2id in PHC string form.
type CitizenStore struct{ db *sqlstore.DB }

var _ CitizenAccounts = (*CitizenStore)(nil)

// NewCitizenStore returns a CitizenStore on db.
func NewCitizenStore(db *sqlstore.DB) *CitizenStore { return &CitizenStore{db: db} }

// argon2id parameters: OWASP's baseline (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns the argon2id hash of password in PHC string form.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key))
}

// CheckPassword reports whether password matches a PHC argon2id hash.
func CheckPassword(phc, password string) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 256*1024 || t > 10 || p == 0 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is compared against when no account matches, so that unknown
// and wrong logins take the same time.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$MS8kNG0cy7mZh5PHrxtJqFkOyY8kmnwlKXAeLtw8Y7E"

func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Create makes an account. The email is unique per tenant.
func (s *CitizenStore) Create(ctx context.Context, tenantID, email, password, displayName string) (*Citizen, error) {
	email = normalizeEmail(email)
	if !strings.Contains(email, "@") || len(email) > 254 {
		return nil, hub.FieldError("email", "must be an e-mail address")
	}
	if len(password) < 10 || len(password) > 1024 {
		return nil, hub.FieldError("password", "must be 10–1024 characters")
	}
	if displayName == "" || len(displayName) > 200 {
		return nil, hub.FieldError("display_name", "must be 1–200 characters")
	}
	c := &Citizen{ID: hub.NewID(), TenantID: tenantID, Email: email, DisplayName: displayName, CreatedAt: s.db.Now()}
	_, err := s.db.ExecContext(ctx, `INSERT INTO citizen_accounts (id, tenant_id, email, password_hash, display_name, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, c.ID, tenantID, email, HashPassword(password), displayName, c.CreatedAt)
	if err = sqlstore.Translate(err); hub.IsCode(err, hub.ECONFLICT) {
		return nil, &hub.Error{Code: hub.ECONFLICT, Field: "email", Message: "An account with this e-mail address exists already.", Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("create citizen account: %w", err)
	}
	return c, nil
}

// Authenticate checks email and password in tenantID.
func (s *CitizenStore) Authenticate(ctx context.Context, tenantID, email, password string) (*Citizen, error) {
	c, hash, err := s.find(ctx, tenantID, normalizeEmail(email))
	if hub.IsCode(err, hub.ENOTFOUND) {
		CheckPassword(dummyHash, password)
		return nil, hub.Errorf(hub.EUNAUTHORIZED, "E-mail address or password is wrong.")
	}
	if err != nil {
		return nil, err
	}
	if !CheckPassword(hash, password) {
		return nil, hub.Errorf(hub.EUNAUTHORIZED, "E-mail address or password is wrong.")
	}
	return c, nil
}

// FindByEmail returns the account with email in tenantID.
func (s *CitizenStore) FindByEmail(ctx context.Context, tenantID, email string) (*Citizen, error) {
	c, _, err := s.find(ctx, tenantID, normalizeEmail(email))
	return c, err
}

func (s *CitizenStore) find(ctx context.Context, tenantID, email string) (*Citizen, string, error) {
	c := &Citizen{}
	var hash string
	err := s.db.QueryRowContext(ctx, `SELECT id, tenant_id, email, display_name, created_at, password_hash
		FROM citizen_accounts WHERE tenant_id = $1 AND email = $2`, tenantID, email).
		Scan(&c.ID, &c.TenantID, &c.Email, &c.DisplayName, &c.CreatedAt, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", hub.Errorf(hub.ENOTFOUND, "Account not found.")
	}
	if err != nil {
		return nil, "", fmt.Errorf("find citizen account: %w", err)
	}
	return c, hash, nil
}
