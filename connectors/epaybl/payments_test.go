package epaybl_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/epaybl"
	"github.com/amthub/amthub/connectors/epaybl/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/casetest"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/payments"
	"github.com/amthub/amthub/hub/sqlstore"
)

type env struct {
	db      *sqlstore.DB
	clock   *hubtest.Clock
	cases   *casetest.Fixture
	sim     *sim.Sim
	svc     *payments.Service
	hub     *httptest.Server
	browser *http.Client // follows no redirects
	vendor  *hub.Principal
}

const vendorURL = "https://vendor.example/antrag/done"

func newEnv(t *testing.T, db *sqlstore.DB) *env {
	t.Helper()
	e := &env{db: db, clock: hubtest.NewClock(time.Now().UTC())}
	db.Now = e.clock.Now
	e.cases = casetest.New(t, db, hubtest.MustTenant(t, db))
	var err error
	if e.sim, err = sim.New(sim.Config{}); err != nil {
		t.Fatal(err)
	}
	provider := httptest.NewServer(e.sim)
	t.Cleanup(provider.Close)
	client, err := epaybl.NewClient(epaybl.Config{BaseURL: provider.URL, OriginatorID: "amthub", EndPointID: "gewerbe", Timeout: 2 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var handler http.Handler = http.NotFoundHandler()
	e.hub = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(e.hub.Close)
	e.svc, err = payments.NewService(payments.NewStore(db, e.cases.Store), client, slog.New(slog.DiscardHandler),
		payments.Config{PublicURL: e.hub.URL, TTL: time.Hour, Backoff: []time.Duration{time.Minute, 5 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	handler = e.svc.ReturnHandler()
	e.browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	e.vendor = &hub.Principal{TenantID: e.cases.TenantID, ClientID: "vendor-a", Subject: "vendor-a", Scopes: []string{hub.ScopePaymentsWrite}}
	return e
}

func request(caseID string) payments.CreateRequest {
	return payments.CreateRequest{CaseID: caseID, Amount: 3550, Purpose: "Gewerbeanmeldung 2026", Description: "Gebühr",
		ReturnURL: vendorURL, Items: []payments.Item{
			{Reference: "GEB-1", Description: "Verwaltungsgebühr", Quantity: 1, UnitAmount: 3000},
			{Reference: "AUS-1", Description: "Auslagen", Quantity: 1, UnitAmount: 550}}}
}

// pay uses the simulator's pay page like a browser: it opens the page,
// presses a button and, if back is set, follows the way back through the
// hub; it returns where the browser ends up.
func (e *env) pay(t *testing.T, p *payments.Payment, action string, back bool) string {
	t.Helper()
	resp, err := e.browser.Get(p.RedirectURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), `value="`+action+`"`) {
		t.Fatalf("pay page has no %s button: %s", action, page)
	}
	resp, err = e.browser.PostForm(p.RedirectURL, url.Values{"action": {action}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if got, want := loc, e.hub.URL+payments.ReturnPath+p.ID; got != want {
		t.Fatalf("pay page sends the browser to %q, want %q", got, want)
	}
	if !back {
		return loc
	}
	resp, err = e.browser.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("Location")
}

func (e *env) create(t *testing.T, caseID, key string) *payments.Payment {
	t.Helper()
	p, created, err := e.svc.Create(context.Background(), e.vendor, request(caseID), key)
	if err != nil || !created {
		t.Fatalf("create payment: created=%v err=%v", created, err)
	}
	return p
}

func (e *env) status(t *testing.T, id string) string {
	t.Helper()
	p, err := e.svc.Get(context.Background(), e.vendor, id)
	if err != nil {
		t.Fatal(err)
	}
	return p.Status
}

func TestPayments(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			t.Run("Paid", func(t *testing.T) {
				e := newEnv(t, d.Open(t))
				c := e.cases.Case(t, "vendor-a", "")
				p := e.create(t, c.CaseID, "k1")
				if p.Status != payments.StatusInitial || !strings.Contains(p.RedirectURL, "/pay/") {
					t.Fatalf("created payment: status %s, redirect %q", p.Status, p.RedirectURL)
				}
				end := e.pay(t, p, "pay", true)
				if want := vendorURL + "?paymentId=" + p.ID + "&status=PAYED"; end != want {
					t.Errorf("browser ends at %q, want %q", end, want)
				}
				if got := e.status(t, p.ID); got != payments.StatusPayed {
					t.Errorf("status %s, want PAYED", got)
				}
				want := []string{hub.EventSubmissionCreated, payments.EventCreated, payments.EventPayed}
				if got := e.cases.EventTypes(t, "vendor-a", c.CaseID); !slices.Equal(got, want) {
					t.Errorf("timeline %v, want %v", got, want)
				}
			})
			t.Run("Failed", func(t *testing.T) {
				e := newEnv(t, d.Open(t))
				c := e.cases.Case(t, "vendor-a", "")
				p := e.create(t, c.CaseID, "")
				if end := e.pay(t, p, "fail", true); !strings.HasSuffix(end, "status=FAILED") {
					t.Errorf("browser ends at %q", end)
				}
				want := []string{hub.EventSubmissionCreated, payments.EventCreated, payments.EventFailed}
				if got := e.cases.EventTypes(t, "vendor-a", c.CaseID); !slices.Equal(got, want) {
					t.Errorf("timeline %v, want %v", got, want)
				}
			})
			t.Run("AbandonedThenReconciled", func(t *testing.T) {
				e := newEnv(t, d.Open(t))
				c := e.cases.Case(t, "vendor-a", "")
				p := e.create(t, c.CaseID, "")
				e.pay(t, p, "pay", false) // the browser is closed on the way back
				ctx := context.Background()
				if n, err := e.svc.ReconcileOnce(ctx, 10); err != nil || n != 0 {
					t.Fatalf("reconciled %d before due (err %v)", n, err)
				}
				e.clock.Add(61 * time.Second)
				if n, err := e.svc.ReconcileOnce(ctx, 10); err != nil || n != 1 {
					t.Fatalf("reconciled %d, err %v", n, err)
				}
				if got := e.status(t, p.ID); got != payments.StatusPayed {
					t.Errorf("status %s after reconciling, want PAYED", got)
				}
				e.clock.Add(time.Hour)
				if n, _ := e.svc.ReconcileOnce(ctx, 10); n != 0 {
					t.Errorf("a final payment was checked again")
				}
			})
			t.Run("NeverPaidExpires", func(t *testing.T) {
				e := newEnv(t, d.Open(t))
				c := e.cases.Case(t, "vendor-a", "")
				p := e.create(t, c.CaseID, "")
				ctx := context.Background()
				e.sim.SetDown(true)
				e.clock.Add(61 * time.Second)
				if n, _ := e.svc.ReconcileOnce(ctx, 10); n != 1 {
					t.Fatalf("checked %d payments, want 1", n)
				}
				if got := e.status(t, p.ID); got != payments.StatusInitial {
					t.Fatalf("status %s while the provider is down, want INITIAL", got)
				}
				e.sim.SetDown(false)
				for i := 0; i < 20 && e.status(t, p.ID) == payments.StatusInitial; i++ {
					e.clock.Add(5 * time.Minute)
					if _, err := e.svc.ReconcileOnce(ctx, 10); err != nil {
						t.Fatal(err)
					}
				}
				got, _ := e.svc.Get(ctx, e.vendor, p.ID)
				if got.Status != payments.StatusCanceled || got.StatusDetail != "expired" {
					t.Errorf("status %s (%s), want CANCELED (expired)", got.Status, got.StatusDetail)
				}
			})
			t.Run("ProviderDownWritesNothing", func(t *testing.T) {
				e := newEnv(t, d.Open(t))
				c := e.cases.Case(t, "vendor-a", "")
				e.sim.SetDown(true)
				_, _, err := e.svc.Create(context.Background(), e.vendor, request(c.CaseID), "k")
				if got, want := hub.ErrorKind(err), "payment_provider_unavailable"; got != want {
					t.Fatalf("error %v, want %s", err, want)
				}
				assertNoPayments(t, e, c.CaseID)
				e.sim.SetDown(false)
				if _, created, err := e.svc.Create(context.Background(), e.vendor, request(c.CaseID), "k"); err != nil || !created {
					t.Fatalf("retry after the outage: created=%v err=%v", created, err)
				}
			})
			t.Run("Idempotent", func(t *testing.T) {
				e := newEnv(t, d.Open(t))
				c := e.cases.Case(t, "vendor-a", "")
				p := e.create(t, c.CaseID, "same")
				again, created, err := e.svc.Create(context.Background(), e.vendor, request(c.CaseID), "same")
				if err != nil || created || again.ID != p.ID || again.RedirectURL != p.RedirectURL {
					t.Fatalf("repeat: created=%v err=%v id %s vs %s", created, err, again.ID, p.ID)
				}
				other := request(c.CaseID)
				other.Purpose = "Etwas anderes"
				if _, _, err := e.svc.Create(context.Background(), e.vendor, other, "same"); hub.ErrorKind(err) != "idempotency_key_reused" {
					t.Errorf("reused key: %v", err)
				}
			})
			t.Run("OtherVendorOrTenantNotFound", func(t *testing.T) {
				db := d.Open(t)
				e := newEnv(t, db)
				c := e.cases.Case(t, "vendor-a", "")
				p := e.create(t, c.CaseID, "")
				ctx := context.Background()
				otherVendor := &hub.Principal{TenantID: e.vendor.TenantID, ClientID: "vendor-b", Scopes: e.vendor.Scopes}
				otherTenant := &hub.Principal{TenantID: hubtest.MustTenant(t, db), ClientID: "vendor-a", Scopes: e.vendor.Scopes}
				for _, pr := range []*hub.Principal{otherVendor, otherTenant} {
					if _, err := e.svc.Get(ctx, pr, p.ID); hub.ErrorCode(err) != hub.ENOTFOUND {
						t.Errorf("%s/%s reads the payment: %v", pr.TenantID, pr.ClientID, err)
					}
					if _, _, err := e.svc.Create(ctx, pr, request(c.CaseID), ""); hub.ErrorKind(err) != "case_not_found" {
						t.Errorf("%s/%s pays for the case: %v", pr.TenantID, pr.ClientID, err)
					}
				}
			})
		})
	}
}

func assertNoPayments(t *testing.T, e *env, caseID string) {
	t.Helper()
	var n int
	if err := e.db.QueryRowContext(context.Background(), `SELECT count(*) FROM payments WHERE case_id = $1`, caseID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d payments stored after a failed request", n)
	}
	if got := e.cases.EventTypes(t, "vendor-a", caseID); len(got) != 1 {
		t.Errorf("timeline %v: a failed request added events", got)
	}
}
