package admin_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/admin"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/audit"
	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/logins"
	"github.com/amthub/amthub/hub/mail"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/hub/staff"
	"github.com/amthub/amthub/oauth"
)

// fixture is an AdminCenter on a fresh database with two tenants: A (a
// state) with the units amt → ordnung, and B. Each role has one person in
// A (unit roles granted on "amt", the root), the operator is platform
// staff, and "tenant-admin-b" administers B.
type fixture struct {
	db       *sqlstore.DB
	svc      *admin.Service
	center   *admin.Center
	router   chi.Router
	outbox   *mail.Outbox
	sessions *staff.DBSessions
	logins   *staff.Logins
	a, b     string
	tokens   map[string]string // role name → session token
	people   map[string]string // role name → person id
	ops      *opsFixture       // destinations and dead letters (ops_helpers_test.go)
}

const otherAdmin = "tenant-admin-b"

// actors are the callers of the route table: every role, a tenant admin
// of the other tenant, and nobody.
func actors() []string {
	out := []string{}
	for _, r := range access.Roles {
		out = append(out, string(r))
	}
	return append(out, otherAdmin, "anonymous")
}

func newFixture(t *testing.T, db *sqlstore.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, outbox: mail.NewOutbox(), tokens: map[string]string{}, people: map[string]string{}}
	tenants := sqlstore.NewTenantService(db)
	ta := &hub.Tenant{Slug: hubtest.Unique("a"), Name: "Freistaat A"}
	tb := &hub.Tenant{Slug: hubtest.Unique("b"), Name: "Freistaat B"}
	for _, tt := range []*hub.Tenant{ta, tb} {
		if err := tenants.CreateTenant(ctx, tt); err != nil {
			t.Fatal(err)
		}
	}
	f.a, f.b = ta.ID, tb.ID
	ops := newOpsFixture(t)
	editor := catalogue.NewEditor(catalogue.NewStore(db), ops.bus)
	for _, u := range []catalogue.OrgUnit{{ID: "amt", Name: "Amt"}, {ID: "ordnung", Name: "Ordnungsamt", ParentID: "amt"}} {
		if _, err := editor.CreateUnit(ctx, f.a, u); err != nil {
			t.Fatal(err)
		}
	}
	f.svc = &admin.Service{DB: db, Tenants: tenants, Staff: staff.NewStore(db), Grants: access.NewStore(db),
		Audit: audit.NewStore(db), Units: editor, Catalogue: editor, Mail: f.outbox}
	f.svc.Clients = oauthClients{oauth.NewClientService(db, "http://hub.test/api")}
	f.svc.Records = newRecords(db)
	f.ops = ops
	ops.wire(t, f, editor)
	f.sessions = staff.NewDBSessions(db)
	f.logins = &staff.Logins{Store: f.svc.Staff, Sessions: f.sessions, Guard: logins.NewGuard(cache.NewMemory(), "staff", logins.Policy{})}
	var err error
	f.center, err = admin.New(admin.Config{PublicURL: "http://hub.test", Dev: true, InsecureCookies: true}, f.svc, f.logins, f.outbox,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	f.router = chi.NewRouter()
	f.center.Routes(f.router)
	for _, role := range access.Roles {
		g := access.Grant{Role: role, TenantID: f.a, UnitID: "amt"}
		home := f.a
		switch role.Level() {
		case access.LevelPlatform:
			g.TenantID, g.UnitID, home = "", "", ""
		case access.LevelTenant:
			g.UnitID = ""
		}
		f.person(t, string(role), home, g)
	}
	f.person(t, otherAdmin, f.b, access.Grant{Role: access.TenantAdmin, TenantID: f.b})
	return f
}

// person makes an active person with one grant and a session.
func (f *fixture) person(t *testing.T, name, home string, g access.Grant) {
	t.Helper()
	ctx := context.Background()
	err := f.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		acct, err := f.svc.Staff.CreateActive(ctx, tx, home, name+"@amt.test", "Person "+name, "ein langes Passwort", "JBSWY3DPEHPK3PXP")
		if err != nil {
			return err
		}
		f.people[name] = acct.ID
		g.PersonID = acct.ID
		return f.svc.Grants.Add(ctx, tx, &g)
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	token, err := f.sessions.Create(ctx, &staff.Session{PersonID: f.people[name], Version: 1, Stage: staff.StageFull, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	f.tokens[name] = token
}

// invite makes an invited person in tenant A with a case-worker grant on
// "ordnung": a target for the staff routes. It returns the person, the
// grant and the invitation token.
func (f *fixture) invite(t *testing.T) (person, grant, token string) {
	t.Helper()
	ctx := context.Background()
	err := f.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		acct, tok, err := f.svc.Staff.Invite(ctx, tx, f.a, hubtest.Unique("ziel")+"@amt.test", "Ziel")
		if err != nil {
			return err
		}
		g := access.Grant{PersonID: acct.ID, Role: access.CaseWorker, TenantID: f.a, UnitID: "ordnung"}
		if err := f.svc.Grants.Add(ctx, tx, &g); err != nil {
			return err
		}
		person, grant, token = acct.ID, g.ID, tok
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return person, grant, token
}

// do sends a request as actor: pages with the session cookie, the API
// with the bearer token.
func (f *fixture) do(actor, method, path, body, contentType string) *httptest.ResponseRecorder {
	return f.serve(f.request(actor, method, path, body, contentType))
}

func (f *fixture) serve(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f.router.ServeHTTP(rec, req)
	return rec
}

func (f *fixture) request(actor, method, path, body, contentType string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if tok := f.tokens[actor]; tok != "" {
		if strings.HasPrefix(path, "/admin/v1/") {
			req.Header.Set("Authorization", "Bearer "+tok)
		} else {
			req.AddCookie(&http.Cookie{Name: "amthub_admin", Value: tok})
		}
	}
	return req
}

func (f *fixture) auditCount(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.db.QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// refresh gives actor a new session.
func (f *fixture) refresh(t *testing.T, actor string) { f.newSession(t, actor, 1) }

// refreshVersion gives actor a new session after one change of rights.
func (f *fixture) refreshVersion(t *testing.T, actor string) { f.newSession(t, actor, 2) }

func (f *fixture) newSession(t *testing.T, actor string, version int) {
	t.Helper()
	now := time.Now()
	token, err := f.sessions.Create(context.Background(), &staff.Session{PersonID: f.people[actor], Version: version, Stage: staff.StageFull, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	f.tokens[actor] = token
}
