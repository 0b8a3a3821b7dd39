package portal

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/citizens"
	"github.com/amthub/amthub/hub/logins"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/sqlstore"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Config configures the portal. The zero value with a TenantID works for
// `amthub dev` behind HTTPS or on localhost.
type Config struct {
	// TenantID is the tenant whose catalogue and accounts the portal shows.
	TenantID string
	// PublicURL is the external base URL, for links in e-mails; default
	// the request's own host.
	PublicURL string
	// DevOutbox shows the e-mails the portal "sent" at /dev/postausgang
	// (`amthub dev` only: it shows confirmation links to anyone).
	DevOutbox bool
	// InsecureCookies drops the Secure flag and the __Host- prefix, for
	// plain-HTTP set-ups that are not localhost. Never in production.
	InsecureCookies bool
	// SessionTTL is how long a login lasts; default 8 hours.
	SessionTTL time.Duration
	// Featured are the LeiKa keys of the services the home page links to
	// (those in the catalogue); default some common ones of the seed.
	Featured []string
	// RegisterLimit bounds registrations per client address; default 5 per
	// minute. Logins follow hub/logins' policy.
	RegisterLimit cache.Limit
	// Documents configures the document safe (documents.go).
	Documents DocumentConfig
	// TestEID offers a simulated eID login (acr high) to logged-in
	// citizens, for the mailbox's assurance levels: `amthub dev` only.
	TestEID bool
}

// Limiter is the cache the portal counts in (hub/cache's Memory or Redis):
// registrations, and the failed logins of hub/logins' policy.
type Limiter interface {
	Allow(ctx context.Context, key string, limit cache.Limit) (cache.Result, error)
	SetNX(ctx context.Context, key string, ttl time.Duration) (bool, error)
	Exists(ctx context.Context, key string) (bool, error)
}

// Portal is the citizens' web front: pages, the JSON API and the service
// account.
type Portal struct {
	cfg       Config
	catalogue *CatalogueStore
	accounts  *Accounts
	cases     Cases
	sessions  SessionStore
	limiter   Limiter
	logins    *logins.Guard
	logger    *slog.Logger
	pages     map[string]*template.Template
	svc       Services
	export    []privacy.Exporter // the parts of the citizen's archive, in order
}

func exporters(parts []CitizenData) []privacy.Exporter {
	out := make([]privacy.Exporter, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out
}

// Cases is what "my applications" reads of the pipeline: a citizen's cases
// and a case's timeline.
type Cases interface {
	ListCitizenCases(ctx context.Context, tenantID, citizenID string) ([]pipeline.CaseSummary, error)
	ListCaseEventsForCitizen(ctx context.Context, tenantID, citizenID, caseID string) ([]hub.Event, error)
	CaseLinks
	privacy.Exporter // the cases, submissions and timelines in the citizen's archive
}

// Services are the hub's services behind the service account's pages:
// mailbox, payments and granted consents. A nil service hides its pages.
// The document safe is the portal's own and always present.
type Services struct {
	Mailbox  Mailbox  // mailbox.go
	Payments Payments // payments.go
	Consents Consents // consents.go
	// CitizenData are the further modules that hold data about citizens
	// (mailbox, payments, register audit, OAuth grants): each writes its
	// part of the citizen's archive ("Meine Daten", mydata.go) and deletes
	// it with the account. The account, the portal's own data and the cases
	// are always part of both.
	CitizenData []CitizenData
}

// New builds the portal on the hub's database, the citizens' accounts (the
// ones the OAuth server logs in too), the pipeline's cases (for "my
// applications"), a session store (NewDBSessions in dev, NewRedisSessions in
// serve) and a rate limiter.
func New(cfg Config, db *sqlstore.DB, citizens *citizens.Store, cases Cases,
	sessions SessionStore, limiter Limiter, logger *slog.Logger, svc Services) (*Portal, error) {
	if cfg.TenantID == "" {
		return nil, errors.New("portal: TenantID is required")
	}
	if db == nil || citizens == nil || cases == nil || sessions == nil || limiter == nil {
		return nil, errors.New("portal: database, citizens, cases, sessions and limiter are required")
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	if cfg.Featured == nil {
		cfg.Featured = defaultFeatured
	}
	if cfg.RegisterLimit.Rate <= 0 {
		cfg.RegisterLimit = cache.PerMinute(5)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	p := &Portal{cfg: cfg, catalogue: NewCatalogueStore(db), accounts: NewAccounts(db, citizens, cases), cases: cases,
		sessions: sessions, limiter: limiter, logins: logins.NewGuard(limiter, logins.Citizens, logins.Policy{}), logger: logger, pages: pages, svc: svc}
	own := &portalData{db: db, citizens: citizens, sessions: sessions, docs: p.Documents(), docsOn: p.documentsOn()}
	p.accounts.forget = append(slices.Clone(svc.CitizenData), own)
	p.export = append([]privacy.Exporter{citizens, own, cases}, exporters(svc.CitizenData)...)
	return p, nil
}

// Catalogue returns the portal's catalogue store (import, search, finder).
func (p *Portal) Catalogue() *CatalogueStore { return p.catalogue }

// SeedDemo imports Saxony's seed catalogue into tenantID (idempotent).
func (p *Portal) SeedDemo(ctx context.Context, tenantID string) (*ImportReport, error) {
	return p.catalogue.SeedDemo(ctx, tenantID)
}

// Routes mounts the portal's pages, JSON API and assets on r under "/".
func (p *Portal) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(p.secureHeaders, p.loadSession)
		r.Get("/", p.home)
		r.Get("/suche", p.searchPage)
		r.Get("/leistungen/{key}", p.servicePage)
		r.Get("/behoerden/{id}", p.authorityPage)
		r.Get("/api/suche", p.apiSearch)
		r.Get("/api/orte", p.apiPlaces)
		r.Get("/api/leistungen/{key}/zustaendigkeit", p.apiFinder)
		r.Get("/konto/registrieren", p.registerForm)
		r.Get("/konto/bestaetigen", p.confirm)
		r.Get("/konto/anmelden", p.loginForm)
		r.Get("/konto", p.accountPage)
		r.Get("/konto/antraege/{id}", p.casePage)
		r.Get("/konto/loeschen", p.deleteForm)
		if p.cfg.DevOutbox {
			r.Get("/dev/postausgang", p.outboxPage)
		}
		r.Group(func(r chi.Router) {
			r.Use(p.requireCSRF)
			r.Post("/konto/registrieren", p.register)
			r.Post("/konto/anmelden", p.login)
			r.Post("/konto/abmelden", p.logout)
			r.Post("/konto/stammdaten", p.saveProfile)
			r.Post("/konto/loeschen", p.deleteAccount)
		})
		// The account's further pages; each registers its GETs and, behind
		// p.requireCSRF, its POSTs.
		p.mailboxPages(r)
		p.documentPages(r)
		p.paymentPages(r)
		p.consentPages(r)
		p.myDataPages(r)
	})
	static, _ := fs.Sub(staticFiles, "static") // the embedded folder exists
	r.Handle("/assets/portal/*", http.StripPrefix("/assets/portal/", assetHandler(http.FileServer(http.FS(static)))))
}

func assetHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows only our own scripts, styles and forms.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func (p *Portal) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if !p.cfg.InsecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// baseURL is where links in e-mails point.
func (p *Portal) baseURL(r *http.Request) string {
	if p.cfg.PublicURL != "" {
		return strings.TrimSuffix(p.cfg.PublicURL, "/")
	}
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	return scheme + "://" + r.Host
}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{"paras": paragraphs, "levelName": levelName, "args": inputArgs,
		"sectionCount": sectionCount, "inc": func(i int) int { return i + 1 },
		"stateLabel": label(stateLabels), "eventLabel": label(eventLabels),
		"isLink": func(s string) bool { return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") }}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// paragraph is a block of a service text: plain lines or a list.
type paragraph struct {
	Lines []string
	List  bool
}

// paragraphs splits text at blank lines; a block whose lines start with
// "- " is a list.
func paragraphs(text string) []paragraph {
	var out []paragraph
	for _, block := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		if len(lines) == 0 || lines[0] == "" {
			continue
		}
		para := paragraph{List: strings.HasPrefix(lines[0], "- ")}
		for _, l := range lines {
			para.Lines = append(para.Lines, strings.TrimPrefix(strings.TrimSpace(l), "- "))
		}
		out = append(out, para)
	}
	return out
}

func levelName(level string) string {
	switch level {
	case "land":
		return "Land"
	case "kreis":
		return "Landkreis"
	}
	return "Gemeinde"
}

// input is one labelled form field of the master-data form.
type input struct {
	Name, Label, Type, Auto, Value string
	Invalid                        bool
}

func inputArgs(f formView, name, label, typ, auto string) input {
	return input{Name: name, Label: label, Type: typ, Auto: auto, Value: f.Values[name], Invalid: f.Field == name}
}
