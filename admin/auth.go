package admin

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/httpserver"
	"github.com/amthub/amthub/hub/staff"
)

// Cookie names: the login, and the half login waiting for the code.
const (
	sessionCookie = "amthub_admin"
	pendingCookie = "amthub_admin_pending"
)

type actorKey struct{}

func actorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

func (c *Center) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/admin", MaxAge: maxAge,
		HttpOnly: true, Secure: !c.cfg.InsecureCookies, SameSite: http.SameSiteLaxMode})
}

func cookie(r *http.Request, name string) string {
	if ck, err := r.Cookie(name); err == nil {
		return ck.Value
	}
	return ""
}

// clientAddr is the address login throttling counts by.
func clientAddr(r *http.Request) string { return httpserver.ClientAddr(r) }

// actor returns the person logged in with token, with their grants.
func (c *Center) actor(ctx context.Context, token string) (*Actor, error) {
	acct, err := c.logins.Authenticate(ctx, token)
	if err != nil {
		return nil, err
	}
	return c.svc.ActorOf(ctx, acct)
}

// ActorOf returns the actor of a staff account, with its grants.
func (s *Service) ActorOf(ctx context.Context, acct *staff.Account) (*Actor, error) {
	gs, err := s.Grants.Of(ctx, acct.ID)
	if err != nil {
		return nil, err
	}
	return &Actor{ID: acct.ID, Name: acct.DisplayName, TenantID: acct.TenantID, Grants: gs}, nil
}

// requirePage lets logged-in staff through and sends everyone else to the
// login page.
func (c *Center) requirePage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := c.actor(r.Context(), cookie(r, sessionCookie))
		if hub.IsCode(err, hub.EUNAUTHORIZED) {
			c.setCookie(w, sessionCookie, "", -1)
			http.Redirect(w, r, "/admin/anmelden", http.StatusSeeOther)
			return
		}
		if err != nil {
			c.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, a)))
	})
}

// requireAPI lets requests with a staff session token as bearer token
// through (POST /admin/v1/login issues one).
func (c *Center) requireAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			writeAPIError(w, r, &hub.Error{Code: hub.EUNAUTHORIZED, Kind: "token_missing", Message: "A bearer token is required."})
			return
		}
		a, err := c.actor(r.Context(), strings.TrimSpace(token))
		if err != nil {
			writeAPIError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, a)))
	})
}

// pathTenant returns the acting person and the tenant named in the path,
// which they may see; otherwise it answers with the error page (404 for
// another tenant) and returns ok false.
func (c *Center) pathTenant(w http.ResponseWriter, r *http.Request) (*Actor, *hub.Tenant, bool) {
	a := actorFrom(r.Context())
	t, err := c.svc.Tenant(r.Context(), a, chi.URLParam(r, "tenant"))
	if err != nil {
		c.fail(w, r, err)
		return nil, nil, false
	}
	return a, t, true
}
