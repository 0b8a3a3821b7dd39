package citizens_test

import (
	"context"
	"errors"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/citizens"
	"github.com/amthub/amthub/hub/hubtest"
)

// TestStore runs the account rules on both databases.
func TestStore(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			db := d.Open(t)
			tenant := hubtest.MustTenant(t, db)
			s := citizens.NewStore(db)
			ctx := context.Background()
			const password = "richtig-geheim-1"
			erika, err := s.Create(ctx, tenant, " Erika@Example.org ", password, "Erika Mustermann")
			if err != nil {
				t.Fatal(err)
			}
			if got, want := erika.Email, "erika@example.org"; got != want || !erika.Confirmed {
				t.Fatalf("created %q confirmed=%v, want %q confirmed", got, erika.Confirmed, want)
			}
			max, token, err := s.Register(ctx, tenant, "max@example.org", password, "Max Muster")
			if err != nil {
				t.Fatal(err)
			}
			if max.Confirmed || token == "" {
				t.Fatalf("registered account confirmed=%v token=%q, want unconfirmed with a token", max.Confirmed, token)
			}

			t.Run("Authenticate", func(t *testing.T) {
				for _, tc := range []struct {
					name, email, password string
					code, kind            string
				}{
					{"OK", "ERIKA@example.org", password, "", ""},
					{"ErrUnknownEmail", "niemand@example.org", password, hub.EUNAUTHORIZED, "login_failed"},
					{"ErrWrongPassword", "erika@example.org", "falsch-falsch-1", hub.EUNAUTHORIZED, "login_failed"},
					{"ErrUnconfirmedWrongPassword", "max@example.org", "falsch-falsch-1", hub.EUNAUTHORIZED, "login_failed"},
					{"ErrUnconfirmed", "max@example.org", password, hub.EFORBIDDEN, "email_unconfirmed"},
					{"ErrOtherTenant", "erika@example.org", password, hub.EUNAUTHORIZED, "login_failed"},
				} {
					t.Run(tc.name, func(t *testing.T) {
						tid := tenant
						if tc.name == "ErrOtherTenant" {
							tid = hubtest.MustTenant(t, db)
						}
						c, err := s.Authenticate(ctx, tid, tc.email, tc.password)
						if got := hub.ErrorCode(err); got != tc.code || (err != nil && hub.ErrorKind(err) != tc.kind) {
							t.Fatalf("error %v, want code %q kind %q", err, tc.code, tc.kind)
						}
						if err == nil && c.ID != erika.ID {
							t.Fatalf("logged in as %s, want %s", c.ID, erika.ID)
						}
						if tc.code == hub.EUNAUTHORIZED && hub.ErrorMessage(err) != citizens.LoginFailedMessage {
							t.Fatalf("message %q, want %q", hub.ErrorMessage(err), citizens.LoginFailedMessage)
						}
					})
				}
			})
			t.Run("Confirm", func(t *testing.T) {
				if err := s.Confirm(ctx, tenant, "unbekannt"); !hub.IsCode(err, hub.ENOTFOUND) {
					t.Fatalf("unknown token: %v, want ENOTFOUND", err)
				}
				if err := s.Confirm(ctx, tenant, token); err != nil {
					t.Fatal(err)
				}
				if err := s.Confirm(ctx, tenant, token); !hub.IsCode(err, hub.ENOTFOUND) {
					t.Fatalf("token used twice: %v, want ENOTFOUND", err)
				}
				if _, err := s.Authenticate(ctx, tenant, "max@example.org", password); err != nil {
					t.Fatalf("login after confirmation: %v", err)
				}
			})
			t.Run("ErrDuplicate", func(t *testing.T) {
				_, err := s.Create(ctx, tenant, "ERIKA@example.org", password, "Erika Zwei")
				var he *hub.Error
				if !errors.As(err, &he) || he.Code != hub.ECONFLICT || he.Field != "email" {
					t.Fatalf("duplicate: %v, want ECONFLICT on email", err)
				}
			})
			t.Run("ErrInvalid", func(t *testing.T) {
				for field, args := range map[string][3]string{
					"email":        {"keine-adresse", password, "X"},
					"password":     {"kurz@example.org", "kurz", "X"},
					"display_name": {"leer@example.org", password, ""},
				} {
					_, err := s.Create(ctx, tenant, args[0], args[1], args[2])
					var he *hub.Error
					if !errors.As(err, &he) || he.Code != hub.EINVALID || he.Field != field {
						t.Errorf("%s: %v, want EINVALID on it", field, err)
					}
				}
			})
			t.Run("Rename", func(t *testing.T) {
				if err := s.Rename(ctx, tenant, erika.ID, "Erika Gabler"); err != nil {
					t.Fatal(err)
				}
				c, err := s.Get(ctx, tenant, erika.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := c.DisplayName, "Erika Gabler"; got != want {
					t.Fatalf("name %q, want %q", got, want)
				}
			})
			t.Run("Delete", func(t *testing.T) {
				if err := s.Delete(ctx, tenant, max.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Get(ctx, tenant, max.ID); !hub.IsCode(err, hub.ENOTFOUND) {
					t.Fatalf("deleted account: %v, want ENOTFOUND", err)
				}
				if _, err := s.Authenticate(ctx, tenant, "max@example.org", password); hub.ErrorKind(err) != "login_failed" {
					t.Fatalf("login to deleted account: %v, want login_failed", err)
				}
			})
		})
	}
}
