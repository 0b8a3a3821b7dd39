package staff

import (
	"context"
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/citizens"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Issuer names the hub in authenticator apps.
const Issuer = "amthub AdminCenter"

// totpOpts are RFC 6238's defaults, which every authenticator app reads.
var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewTOTPSecret returns a fresh TOTP secret (base32, 160 bits) for email.
func NewTOTPSecret(email string) (string, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: Issuer, AccountName: email})
	if err != nil {
		return "", fmt.Errorf("generate totp secret: %w", err)
	}
	return k.Secret(), nil
}

// TOTPCode returns the code of secret at t: for `amthub dev` users and tests.
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// Enrolment is what a person needs to add the account to an authenticator
// app.
type Enrolment struct {
	Account *Account
	Secret  string
	// URL is the otpauth:// URL (Key URI Format) an app reads from a QR
	// code.
	URL string
}

// Invitation returns the invited account of an invitation token and its
// TOTP secret, made on the first visit and kept until the invitation is
// accepted. An unknown, used or expired token is ENOTFOUND.
func (s *Store) Invitation(ctx context.Context, token string) (*Enrolment, error) {
	var e *Enrolment
	err := s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		var id, secret string
		err := tx.QueryRowContext(ctx, `SELECT id, totp_secret FROM staff_accounts WHERE invite_hash = $1 AND status = 'invited'
			AND invite_expires_at > $2`, hub.TokenHash(token), s.db.Now()).Scan(&id, &secret)
		if sqlstore.ErrNoRows(err) {
			return &hub.Error{Code: hub.ENOTFOUND, Kind: "invitation_not_found", Message: "Die Einladung ist ungültig oder abgelaufen."}
		}
		if err != nil {
			return fmt.Errorf("find invitation: %w", err)
		}
		a, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if secret == "" {
			if secret, err = NewTOTPSecret(a.Email); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE staff_accounts SET totp_secret = $1 WHERE id = $2`, secret, id); err != nil {
				return fmt.Errorf("store totp secret: %w", err)
			}
		}
		e = &Enrolment{Account: a, Secret: secret, URL: keyURL(a.Email, secret)}
		return nil
	})
	return e, err
}

func keyURL(email, secret string) string {
	k, _ := otp.NewKeyFromURL("otpauth://totp/" + Issuer + ":" + email + "?secret=" + secret + "&issuer=" + Issuer)
	if k == nil {
		return ""
	}
	return k.URL()
}

// AcceptInvitation sets the password of the invited account, checks the
// first code of its authenticator app, and activates it, in tx. Field
// errors name password, password2 or code.
func (s *Store) AcceptInvitation(ctx context.Context, tx *sqlstore.Tx, token, password, password2, code string) (*Account, error) {
	if err := checkPasswordRule(password); err != nil {
		return nil, err
	}
	if password != password2 {
		return nil, hub.FieldError("password2", "Die Passwörter stimmen nicht überein.")
	}
	var id, secret string
	var last int64
	err := tx.QueryRowContext(ctx, `SELECT id, totp_secret, totp_last_step FROM staff_accounts WHERE invite_hash = $1
		AND status = 'invited' AND invite_expires_at > $2`, hub.TokenHash(token), s.db.Now()).Scan(&id, &secret, &last)
	if sqlstore.ErrNoRows(err) || err == nil && secret == "" {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "invitation_not_found", Message: "Die Einladung ist ungültig oder abgelaufen."}
	}
	if err != nil {
		return nil, fmt.Errorf("find invitation: %w", err)
	}
	step, ok := matchStep(secret, code, s.db.Now())
	if !ok || step <= last {
		return nil, hub.FieldError("code", "Der Code stimmt nicht. Bitte geben Sie den aktuellen Code Ihrer App ein.")
	}
	_, err = tx.ExecContext(ctx, `UPDATE staff_accounts SET status = 'active', password_hash = $2, totp_last_step = $3,
		invite_hash = '', invite_expires_at = NULL, updated_at = $4 WHERE id = $1`, id, citizens.HashPassword(password), step, s.db.Now())
	if err != nil {
		return nil, fmt.Errorf("accept invitation: %w", err)
	}
	return s.get(ctx, tx, id)
}

// matchStep returns the time step whose code is code, allowing one step of
// clock drift either way.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	for _, skew := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(skew*30) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return t.Unix() / 30, true
		}
	}
	return 0, false
}

// checkPassword returns the active account of email if password is its
// password. A wrong password and an unknown address take the same time and
// get the same answer.
func (s *Store) checkPassword(ctx context.Context, email, password string) (*Account, error) {
	var hash string
	a, err := scanAccountWith(s.db.QueryRowContext(ctx, `SELECT `+accountColumns+`, password_hash FROM staff_accounts
		WHERE email = $1 AND status = 'active'`, normalizeEmail(email)), &hash)
	if sqlstore.ErrNoRows(err) {
		citizens.CheckPassword(s.dummyHash, password)
		return nil, loginFailed()
	}
	if err != nil {
		return nil, fmt.Errorf("find staff account: %w", err)
	}
	if !citizens.CheckPassword(hash, password) {
		return nil, loginFailed()
	}
	return a, nil
}

func scanAccountWith(row interface{ Scan(...any) error }, extra ...any) (*Account, error) {
	a := &Account{}
	dest := append([]any{&a.ID, &a.TenantID, &a.Email, &a.DisplayName, (*string)(&a.Status), &a.CreatedAt, &a.sessionVersion}, extra...)
	return a, row.Scan(dest...)
}

// useCode accepts code for the active account id once: the code's time
// step is stored, and a code of that step or an earlier one is refused
// from then on, also when two requests race.
func (s *Store) useCode(ctx context.Context, id, code string) error {
	var secret string
	var last int64
	err := s.db.QueryRowContext(ctx, `SELECT totp_secret, totp_last_step FROM staff_accounts WHERE id = $1 AND status = 'active'`, id).
		Scan(&secret, &last)
	if sqlstore.ErrNoRows(err) {
		return loginFailed()
	}
	if err != nil {
		return fmt.Errorf("find staff account: %w", err)
	}
	step, ok := matchStep(secret, code, s.db.Now())
	if !ok || step <= last {
		return loginFailed()
	}
	res, err := s.db.ExecContext(ctx, `UPDATE staff_accounts SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, step, id)
	if err != nil {
		return fmt.Errorf("use totp code: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return loginFailed()
	}
	return nil
}
