package staff_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/logins"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/hub/staff"
)

type env struct {
	db     *sqlstore.DB
	store  *staff.Store
	logins *staff.Logins
	clock  *time.Time
	tenant string
}

func newEnv(t *testing.T, db *sqlstore.DB, sessions func(*sqlstore.DB) staff.SessionStore) *env {
	now := time.Now().UTC()
	e := &env{db: db, clock: &now, tenant: hubtest.MustTenant(t, db)}
	db.Now = func() time.Time { return *e.clock }
	e.store = staff.NewStore(db)
	e.logins = &staff.Logins{Store: e.store, Sessions: sessions(db), Guard: logins.NewGuard(cache.NewMemory(), "staff", logins.Policy{})}
	return e
}

func (e *env) code(t *testing.T, secret string) string {
	t.Helper()
	c, err := staff.TOTPCode(secret, *e.clock)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// invite invites a person and accepts the invitation; it returns the
// account and its TOTP secret.
func (e *env) invite(t *testing.T, email string) (*staff.Account, string) {
	t.Helper()
	ctx := context.Background()
	var token string
	err := e.db.InTx(ctx, func(tx *sqlstore.Tx) (err error) {
		_, token, err = e.store.Invite(ctx, tx, e.tenant, email, "Erika Beispiel")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	en, err := e.store.Invitation(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	var a *staff.Account
	err = e.db.InTx(ctx, func(tx *sqlstore.Tx) (err error) {
		a, err = e.store.AcceptInvitation(ctx, tx, token, "ein langes Passwort", "ein langes Passwort", e.code(t, en.Secret))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	*e.clock = e.clock.Add(30 * time.Second) // the enrolment code's step is used
	return a, en.Secret
}

func (e *env) login(t *testing.T, email, secret string) (string, error) {
	t.Helper()
	ctx := context.Background()
	pending, err := e.logins.Password(ctx, email, "ein langes Passwort", "192.0.2.1")
	if err != nil {
		return "", err
	}
	return e.logins.Code(ctx, pending, e.code(t, secret), "192.0.2.1")
}

func sessionStores(t *testing.T) map[string]func(*sqlstore.DB) staff.SessionStore {
	redis, err := cache.NewRedis(context.Background(), hubtest.RedisURL(t), hubtest.Unique("staff-test-")+":")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { redis.Close() })
	return map[string]func(*sqlstore.DB) staff.SessionStore{
		"db":    func(db *sqlstore.DB) staff.SessionStore { return staff.NewDBSessions(db) },
		"redis": func(*sqlstore.DB) staff.SessionStore { return staff.NewRedisSessions(redis.Client(), redis.Prefix()) },
	}
}

// TestLogin runs invitation, enrolment, the two-step login and the end of
// sessions on both databases and both session stores.
func TestLogin(t *testing.T) {
	ctx := context.Background()
	for _, d := range hubtest.Databases() {
		for sname, sessions := range sessionStores(t) {
			t.Run(d.Name+"/"+sname, func(t *testing.T) {
				e := newEnv(t, d.Open(t), sessions)
				a, secret := e.invite(t, "Erika@Amt.example")
				if a.Status != staff.Active || a.Email != "erika@amt.example" {
					t.Fatalf("account after acceptance: %+v", a)
				}
				token, err := e.login(t, "erika@amt.example", secret)
				if err != nil {
					t.Fatal(err)
				}
				got, err := e.logins.Authenticate(ctx, token)
				if err != nil || got.ID != a.ID {
					t.Fatalf("Authenticate = %v, %v", got, err)
				}

				t.Run("ErrCodeOnceOnly", func(t *testing.T) {
					pending, err := e.logins.Password(ctx, "erika@amt.example", "ein langes Passwort", "192.0.2.1")
					if err != nil {
						t.Fatal(err)
					}
					// The same step's code again (the login above used it).
					if _, err := e.logins.Code(ctx, pending, e.code(t, secret), "192.0.2.1"); !hub.IsCode(err, hub.EUNAUTHORIZED) {
						t.Fatalf("a used code: %v, want unauthorized", err)
					}
					*e.clock = e.clock.Add(30 * time.Second)
					if _, err := e.logins.Code(ctx, pending, e.code(t, secret), "192.0.2.1"); err != nil {
						t.Fatalf("next step's code: %v", err)
					}
				})
				t.Run("ErrPendingIsNoLogin", func(t *testing.T) {
					pending, err := e.logins.Password(ctx, "erika@amt.example", "ein langes Passwort", "192.0.2.1")
					if err != nil {
						t.Fatal(err)
					}
					if _, err := e.logins.Authenticate(ctx, pending); !hub.IsCode(err, hub.EUNAUTHORIZED) {
						t.Fatalf("half a login authenticated: %v", err)
					}
				})
				t.Run("ErrSameAnswer", func(t *testing.T) {
					_, err1 := e.logins.Password(ctx, "erika@amt.example", "falsches Passwort!", "192.0.2.9")
					_, err2 := e.logins.Password(ctx, "niemand@amt.example", "falsches Passwort!", "192.0.2.9")
					if hub.ErrorMessage(err1) != staff.LoginFailedMessage || hub.ErrorMessage(err2) != staff.LoginFailedMessage {
						t.Fatalf("answers differ: %v / %v", err1, err2)
					}
				})
				t.Run("ErrRightsChanged", func(t *testing.T) {
					*e.clock = e.clock.Add(30 * time.Second)
					token, err := e.login(t, "erika@amt.example", secret)
					if err != nil {
						t.Fatal(err)
					}
					if err := e.db.InTx(ctx, func(tx *sqlstore.Tx) error { return e.store.EndSessions(ctx, tx, a.ID) }); err != nil {
						t.Fatal(err)
					}
					if _, err := e.logins.Authenticate(ctx, token); !hub.IsCode(err, hub.EUNAUTHORIZED) {
						t.Fatalf("session after a change of rights: %v, want unauthorized", err)
					}
				})
				t.Run("ErrRemoved", func(t *testing.T) {
					*e.clock = e.clock.Add(30 * time.Second)
					token, err := e.login(t, "erika@amt.example", secret)
					if err != nil {
						t.Fatal(err)
					}
					err = e.db.InTx(ctx, func(tx *sqlstore.Tx) error {
						_, err := e.store.Remove(ctx, tx, a.ID)
						return err
					})
					if err != nil {
						t.Fatal(err)
					}
					if _, err := e.logins.Authenticate(ctx, token); !hub.IsCode(err, hub.EUNAUTHORIZED) {
						t.Fatalf("session of a removed person: %v, want unauthorized", err)
					}
					if _, err := e.login(t, "erika@amt.example", secret); !hub.IsCode(err, hub.EUNAUTHORIZED) {
						t.Fatalf("login of a removed person: %v", err)
					}
					// The address is free for a new invitation.
					e.invite(t, "erika@amt.example")
				})
			})
		}
	}
}

// TestBruteForce locks the account after the policy's failures: the right
// password is refused then too, with the lock's answer.
func TestBruteForce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hubtest.NewSQLite(t), func(db *sqlstore.DB) staff.SessionStore { return staff.NewDBSessions(db) })
	_, secret := e.invite(t, "anna@amt.example")
	burst := logins.DefaultPolicy().PerAccount.Burst
	for i := range burst + 1 {
		_, err := e.logins.Password(ctx, "anna@amt.example", "geraten "+strings.Repeat("x", i), "192.0.2.1")
		// The burst's guesses are checked; the one after them is not.
		if want := hub.EUNAUTHORIZED; i == burst && !hub.IsCode(err, hub.ERATELIMITED) || i < burst && !hub.IsCode(err, want) {
			t.Fatalf("guess %d: %v", i+1, err)
		}
	}
	_, err := e.login(t, "anna@amt.example", secret)
	if !hub.IsCode(err, hub.ERATELIMITED) || hub.ErrorMessage(err) != logins.LockedMessage {
		t.Fatalf("right password after %d guesses: %v, want locked", burst, err)
	}
}

// TestInvitation covers bad input and expiry: nothing is written in part.
func TestInvitation(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hubtest.NewSQLite(t), func(db *sqlstore.DB) staff.SessionStore { return staff.NewDBSessions(db) })
	var token string
	err := e.db.InTx(ctx, func(tx *sqlstore.Tx) (err error) {
		_, token, err = e.store.Invite(ctx, tx, e.tenant, "neu@amt.example", "Neu")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	en, err := e.store.Invitation(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(en.URL)
	if err != nil || u.Scheme != "otpauth" || u.Query().Get("secret") != en.Secret {
		t.Fatalf("otpauth URL %q", en.URL)
	}
	again, _ := e.store.Invitation(ctx, token)
	if again.Secret != en.Secret {
		t.Error("a second visit made a new secret")
	}
	for _, tc := range []struct {
		name, pw, pw2, code, field string
	}{
		{"ErrShortPassword", "kurz", "kurz", e.code(t, en.Secret), "password"},
		{"ErrPasswordsDiffer", "ein langes Passwort", "ein anderes Passwort", e.code(t, en.Secret), "password2"},
		{"ErrCode", "ein langes Passwort", "ein langes Passwort", "000000", "code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := e.db.InTx(ctx, func(tx *sqlstore.Tx) error {
				_, err := e.store.AcceptInvitation(ctx, tx, token, tc.pw, tc.pw2, tc.code)
				return err
			})
			var he *hub.Error
			if !errors.As(err, &he) || he.Code != hub.EINVALID || he.Field != tc.field {
				t.Fatalf("AcceptInvitation = %v, want invalid %s", err, tc.field)
			}
			if _, err := e.store.Invitation(ctx, token); err != nil {
				t.Fatalf("the invitation was used up by a refused attempt: %v", err)
			}
		})
	}
	t.Run("ErrDuplicate", func(t *testing.T) {
		err := e.db.InTx(ctx, func(tx *sqlstore.Tx) error {
			_, _, err := e.store.Invite(ctx, tx, e.tenant, "NEU@amt.example", "Doppelt")
			return err
		})
		if !hub.IsCode(err, hub.ECONFLICT) {
			t.Fatalf("inviting an address twice: %v", err)
		}
	})
	t.Run("ErrExpired", func(t *testing.T) {
		*e.clock = e.clock.Add(8 * 24 * time.Hour)
		if _, err := e.store.Invitation(ctx, token); !hub.IsCode(err, hub.ENOTFOUND) {
			t.Fatalf("expired invitation: %v", err)
		}
	})
}
