// Package admin is the AdminCenter: the authorities' web front (pages on
// KERN UX, the design system of German administrations, server-rendered,
// usable without JavaScript) and the /admin/v1 API, for tenants,
// organisational units, staff, their roles and the audit log. Pages, API
// and the CLI call one Service, which asks the one policy function
// (hub/access.Allowed) and records every change in the audit log
// (hub/audit).
//
// Forms are protected against cross-site requests by Go's
// http.CrossOriginProtection: browsers say where a request comes from
// (Sec-Fetch-Site, Origin), so no form token has to travel through every
// form, nothing needs JavaScript, and no library is added.
package admin

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub/mail"
	"github.com/amthub/amthub/hub/staff"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config configures the AdminCenter.
type Config struct {
	// PublicURL is the hub's external base URL, for links in e-mails.
	PublicURL string
	// Dev shows the development outbox (`amthub dev`).
	Dev bool
	// InsecureCookies drops the Secure flag of the session cookie, for
	// tests over plain HTTP only.
	InsecureCookies bool
}

// Center is the AdminCenter.
type Center struct {
	cfg     Config
	svc     *Service
	logins  *staff.Logins
	outbox  *mail.Outbox // dev only
	logger  *slog.Logger
	pages   map[string]*pageTemplate
	protect *http.CrossOriginProtection
}

// New returns the AdminCenter on svc; outbox is the development outbox,
// nil in serve.
func New(cfg Config, svc *Service, logins *staff.Logins, outbox *mail.Outbox, logger *slog.Logger) (*Center, error) {
	c := &Center{cfg: cfg, svc: svc, logins: logins, outbox: outbox, logger: logger, protect: http.NewCrossOriginProtection()}
	if svc.InviteURL == nil {
		svc.InviteURL = func(token string) string { return cfg.PublicURL + "/admin/einladung/" + token }
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	c.pages = pages
	c.protect.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.errorPage(w, r, http.StatusForbidden, "Anfrage abgelehnt", "Die Anfrage kam nicht von einer Seite des AdminCenters und wurde deshalb abgelehnt.")
	}))
	return c, nil
}

// Routes mounts the pages under /admin/ and the API under /admin/v1/ on
// r, beside the /admin/v1 routes other modules mount there (OAuth
// clients, mappings).
func (c *Center) Routes(r chi.Router) {
	static, _ := fs.Sub(staticFS, "static")
	r.Get("/admin/static/*", http.StripPrefix("/admin/static/", cacheStatic(http.FileServerFS(static))).ServeHTTP)
	r.Group(c.apiRoutes)
	r.Group(func(r chi.Router) {
		r.Use(c.protect.Handler, securityHeaders)
		c.pageRoutes(r)
	})
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
