package staff

import (
	"context"
	"time"

	"github.com/amthub/amthub/hub"
)

// Guard is the login policy (hub/logins.Guard).
type Guard interface {
	Check(ctx context.Context, account, addr string) error
	Fail(ctx context.Context, account, addr string) error
}

// Logins runs the two-step login (password, then TOTP code) and checks
// sessions on every request.
type Logins struct {
	Store    *Store
	Sessions SessionStore
	Guard    Guard
	// SessionTTL bounds a login; default 8 hours. The code must follow the
	// password within CodeTTL, default 5 minutes.
	SessionTTL, CodeTTL time.Duration
}

func (l *Logins) ttl() (session, code time.Duration) {
	session, code = l.SessionTTL, l.CodeTTL
	if session <= 0 {
		session = 8 * time.Hour
	}
	if code <= 0 {
		code = 5 * time.Minute
	}
	return session, code
}

// Password checks the first step from the client at addr and returns the
// token of a session that waits for the code.
func (l *Logins) Password(ctx context.Context, email, password, addr string) (string, error) {
	if err := l.Guard.Check(ctx, email, addr); err != nil {
		return "", err
	}
	a, err := l.Store.checkPassword(ctx, email, password)
	if hub.IsCode(err, hub.EUNAUTHORIZED) {
		if ferr := l.Guard.Fail(ctx, email, addr); ferr != nil {
			return "", ferr
		}
	}
	if err != nil {
		return "", err
	}
	_, codeTTL := l.ttl()
	now := l.Store.db.Now()
	return l.Sessions.Create(ctx, &Session{PersonID: a.ID, Version: a.sessionVersion, Stage: StagePassword, CreatedAt: now, ExpiresAt: now.Add(codeTTL)})
}

// Code checks the second step, the TOTP code, for the session of the first
// step, and returns the token of the full session; the first step's token
// is used up.
func (l *Logins) Code(ctx context.Context, pending, code, addr string) (string, error) {
	s, err := l.Sessions.Get(ctx, pending)
	if err != nil || s.Stage != StagePassword {
		return "", &hub.Error{Code: hub.EUNAUTHORIZED, Kind: "login_expired", Message: "Die Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an."}
	}
	a, err := l.Store.Get(ctx, s.PersonID)
	if err != nil || a.Status != Active || a.sessionVersion != s.Version {
		return "", loginFailed()
	}
	if err := l.Guard.Check(ctx, a.Email, addr); err != nil {
		return "", err
	}
	if err := l.Store.useCode(ctx, a.ID, code); err != nil {
		if hub.IsCode(err, hub.EUNAUTHORIZED) {
			if ferr := l.Guard.Fail(ctx, a.Email, addr); ferr != nil {
				return "", ferr
			}
		}
		return "", err
	}
	if err := l.Sessions.Delete(ctx, pending); err != nil {
		return "", err
	}
	sessionTTL, _ := l.ttl()
	now := l.Store.db.Now()
	return l.Sessions.Create(ctx, &Session{PersonID: a.ID, Version: a.sessionVersion, Stage: StageFull, CreatedAt: now, ExpiresAt: now.Add(sessionTTL)})
}

// Authenticate returns the person logged in with token. A session of a
// removed person, or one older than a change of the person's rights, is
// refused (EUNAUTHORIZED).
func (l *Logins) Authenticate(ctx context.Context, token string) (*Account, error) {
	refused := &hub.Error{Code: hub.EUNAUTHORIZED, Kind: "session_invalid", Message: "Bitte melden Sie sich an."}
	if token == "" {
		return nil, refused
	}
	s, err := l.Sessions.Get(ctx, token)
	if hub.IsCode(err, hub.ENOTFOUND) || err == nil && s.Stage != StageFull {
		return nil, refused
	}
	if err != nil {
		return nil, err
	}
	a, err := l.Store.Get(ctx, s.PersonID)
	if hub.IsCode(err, hub.ENOTFOUND) {
		return nil, refused
	}
	if err != nil {
		return nil, err
	}
	if a.Status != Active || a.sessionVersion != s.Version {
		_ = l.Sessions.Delete(ctx, token)
		return nil, refused
	}
	return a, nil
}

// Logout ends the session of token.
func (l *Logins) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return l.Sessions.Delete(ctx, token)
}
