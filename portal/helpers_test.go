package portal_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/citizens"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/portal"
)

// env is a running portal on a seeded database.
type env struct {
	db     *sqlstore.DB
	tenant string
	portal *portal.Portal
	srv    *httptest.Server
}

// newEnv starts the portal over TLS (so Secure cookies flow) or plain
// HTTP on a seeded database; sessions default to the database.
func newEnv(t testing.TB, db *sqlstore.DB, tenant string, sessions portal.SessionStore, tls bool) *env {
	t.Helper()
	if sessions == nil {
		sessions = portal.NewDBSessions(db)
	}
	p, err := portal.New(portal.Config{TenantID: tenant, DevOutbox: true}, db, citizens.NewStore(db),
		pipeline.NewStore(db), sessions, cache.NewMemory(), nil, portal.Services{})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	p.Routes(r)
	e := &env{db: db, tenant: tenant, portal: p}
	if tls {
		e.srv = httptest.NewTLSServer(r)
	} else {
		e.srv = httptest.NewServer(r)
	}
	t.Cleanup(e.srv.Close)
	return e
}

// seededPostgres returns a fresh PostgreSQL database with a tenant and the
// seed catalogue.
func seededPostgres(t testing.TB) (*sqlstore.DB, string) {
	t.Helper()
	db := hubtest.NewPostgres(t)
	tenant := hubtest.MustTenant(t, db)
	if _, err := portal.NewCatalogueStore(db).SeedDemo(context.Background(), tenant); err != nil {
		t.Fatal(err)
	}
	return db, tenant
}

// seedTemplate is a seeded SQLite file made once per test binary; tests
// get copies, because seeding under the race detector takes seconds.
var seedTemplate struct {
	once        sync.Once
	dir, tenant string
	err         error
}

// seededSQLite returns a copy of the seeded SQLite database and its tenant.
func seededSQLite(t testing.TB) (*sqlstore.DB, string) {
	t.Helper()
	seedTemplate.once.Do(func() { seedTemplate.err = makeSeedTemplate() })
	if seedTemplate.err != nil {
		t.Fatal(seedTemplate.err)
	}
	b, err := os.ReadFile(filepath.Join(seedTemplate.dir, "amthub.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "amthub.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(context.Background(), "sqlite:"+path, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, seedTemplate.tenant
}

func makeSeedTemplate() error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "amthub-portal-seed-")
	if err != nil {
		return err
	}
	seedTemplate.dir, seedTemplate.tenant = dir, hubtest.Unique("t")
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(dir, "amthub.db"), sqlstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := hubtest.Migrate(ctx, db); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO tenants (id, slug, name, created_at) VALUES ($1, $1, $1, $2)`,
		seedTemplate.tenant, db.Now()); err != nil {
		return err
	}
	if _, err := portal.NewCatalogueStore(db).SeedDemo(ctx, seedTemplate.tenant); err != nil {
		return err
	}
	// Everything into the main file, so one file is the whole database.
	_, err = db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// client is a browser-like client with cookies that does not follow
// redirects on its own.
type client struct {
	t   testing.TB
	e   *env
	hc  *http.Client
	tok string // the last form token seen
}

func (e *env) client(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	hc := e.srv.Client()
	hc.Jar = jar
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{t: t, e: e, hc: hc}
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	resp, err := c.hc.Get(c.e.srv.URL + path)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.read(resp)
}

func (c *client) read(resp *http.Response) (int, string) {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRe.FindSubmatch(b); m != nil {
		c.tok = string(m[1])
	}
	if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode/100 == 3 {
		return resp.StatusCode, loc
	}
	return resp.StatusCode, string(b)
}

// post sends a form with the last seen form token (unless the form sets
// csrf_token itself).
func (c *client) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	if _, ok := form["csrf_token"]; !ok {
		form.Set("csrf_token", c.tok)
	}
	resp, err := c.hc.PostForm(c.e.srv.URL+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.read(resp)
}

var linkRe = regexp.MustCompile(`href="(/konto/bestaetigen\?token=[^"]+)"`)

// registerAndConfirm makes a confirmed account through the pages.
func (c *client) registerAndConfirm(email, password string) {
	c.t.Helper()
	c.get("/konto/registrieren")
	if code, body := c.post("/konto/registrieren", url.Values{"given_name": {"Erika"}, "family_name": {"Mustermann"},
		"email": {email}, "password": {password}}); code != 200 {
		c.t.Fatalf("register: %d %s", code, body)
	}
	_, box := c.get("/dev/postausgang")
	box = strings.ReplaceAll(box, c.e.srv.URL, "")
	m := linkRe.FindStringSubmatch(strings.ReplaceAll(box, "&amp;", "&"))
	if m == nil {
		c.t.Fatalf("no confirmation link in outbox: %s", box)
	}
	if code, body := c.get(m[1]); code != 200 {
		c.t.Fatalf("confirm: %d %s", code, body)
	}
}

// createCase files an application for the citizen with email, as a vendor
// would through the API, and returns it.
func (e *env) createCase(t testing.TB, email string) *hub.Submission {
	t.Helper()
	ctx := context.Background()
	c, err := citizens.NewStore(e.db).FindByEmail(ctx, e.tenant, email)
	if err != nil {
		t.Fatal(err)
	}
	store := pipeline.NewStore(e.db)
	dest := &hub.Destination{TenantID: e.tenant, Name: "Gewerbeamt Chemnitz", Contact: hub.Contact{Email: "gewerbe@example.org"},
		Services: []hub.DestinationService{{LeikaKey: "99050012104000", Name: "Gewerbeanmeldung", SchemaURI: "urn:test", Schema: json.RawMessage(`{}`)}}}
	if err := catalogue.NewStore(e.db).CreateDestination(ctx, dest); err != nil {
		t.Fatal(err)
	}
	sub := &hub.Submission{TenantID: e.tenant, ClientID: "vendor-a", CitizenID: c.ID, DestinationID: dest.ID,
		ServiceType: hub.ServiceType{Identifier: "99050012104000", Name: "Gewerbeanmeldung"}, AnnouncedAttachments: []string{},
		ExpiresAt: e.db.Now().Add(time.Hour)}
	if _, err := store.CreateSubmission(ctx, sub, "", "h"); err != nil {
		t.Fatal(err)
	}
	return sub
}
