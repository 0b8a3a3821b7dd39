package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/connectors/epaybl"
	"github.com/amthub/amthub/connectors/epaybl/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/casetest"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/payments"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/openapi"
)

// apiEnv is the vendor API over real HTTP on a real database. Tokens are
// replaced by a header naming a principal the test registered: the OAuth
// server is tested in its own package.
type apiEnv struct {
	t          testing.TB
	db         *sqlstore.DB
	cases      *casetest.Fixture
	api        *openapi.API
	srv        *httptest.Server
	router     routers.Router
	principals map[string]*hub.Principal
}

func newAPIEnv(t testing.TB, db *sqlstore.DB) *apiEnv {
	t.Helper()
	e := &apiEnv{t: t, db: db, principals: map[string]*hub.Principal{}}
	e.cases = casetest.New(t, db, hubtest.MustTenant(t, db))
	svc, err := pipeline.NewService(pipeline.Deps{Store: e.cases.Store, Routing: e.cases.Catalogue, SecretKey: make([]byte, 32), Now: db.Now}, pipeline.Config{})
	if err != nil {
		t.Fatal(err)
	}
	auth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p := e.principals[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]; p != nil {
				r = r.WithContext(hub.WithPrincipal(r.Context(), p))
			}
			next.ServeHTTP(w, r)
		})
	}
	if e.api, err = openapi.New(svc, auth); err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	e.api.Mount(r)
	e.srv = httptest.NewServer(r)
	t.Cleanup(e.srv.Close)
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	if e.router, err = gorillamux.NewRouter(doc); err != nil {
		t.Fatal(err)
	}
	return e
}

// token registers a principal and returns its token.
func (e *apiEnv) token(tenantID, clientID, subject string, scopes ...string) string {
	tok := hub.NewID()
	e.principals[tok] = &hub.Principal{TenantID: tenantID, ClientID: clientID, Subject: subject, Scopes: scopes, ACR: hub.ACRSubstantial}
	return tok
}

// do sends a request and checks the answer against the spec.
func (e *apiEnv) do(method, path, token string, body any, header ...string) (*http.Response, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read the answer to %s %s: %v", method, path, err)
	}
	e.checkResponse(req, resp, out)
	return resp, out
}

// checkResponse validates a response against the spec: the spec is the
// contract.
func (e *apiEnv) checkResponse(req *http.Request, resp *http.Response, body []byte) {
	e.t.Helper()
	route, params, err := e.router.FindRoute(req)
	if err != nil {
		e.t.Fatalf("%s %s: not in the spec: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)),
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		e.t.Errorf("%s %s → %d does not match the spec: %v\n%s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
}

// problemType returns the problem type of a problem+json body.
func problemType(body []byte) string {
	var p struct{ Type string }
	_ = json.Unmarshal(body, &p)
	return strings.TrimPrefix(p.Type, "/problems/")
}

func (e *apiEnv) withPayments(t *testing.T) *sim.Sim {
	s, err := sim.New(sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	provider := httptest.NewServer(s)
	t.Cleanup(provider.Close)
	client, err := epaybl.NewClient(epaybl.Config{BaseURL: provider.URL, OriginatorID: "o", EndPointID: "e", Timeout: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := payments.NewService(payments.NewStore(e.db, e.cases.Store), client, slog.New(slog.DiscardHandler),
		payments.Config{PublicURL: "https://hub.example"})
	if err != nil {
		t.Fatal(err)
	}
	e.api.WithPayments(svc)
	return s
}

func paymentBody(caseID string, purpose string, amount int64, items int) map[string]any {
	list := make([]map[string]any, items)
	for i := range list {
		list[i] = map[string]any{"reference": fmt.Sprint("R", i), "description": "Gebühr", "quantity": 1, "unitAmount": amount / int64(max(items, 1))}
	}
	return map[string]any{"caseId": caseID, "amount": amount, "purpose": purpose, "items": list, "returnUrl": "https://vendor.example/done"}
}

func with(m map[string]any, k string, v any) map[string]any {
	m[k] = v
	return m
}

func TestPaymentsAPI(t *testing.T) {
	e := newAPIEnv(t, hubtest.NewPostgres(t))
	tenant := e.cases.TenantID
	vendor := e.token(tenant, "vendor-a", "vendor-a", hub.ScopePaymentsWrite)
	c := e.cases.Case(t, "vendor-a", "")

	t.Run("NotEnabled", func(t *testing.T) {
		resp, body := e.do("POST", "/v1/payments", vendor, paymentBody(c.CaseID, "Gebühr", 1000, 1), "Idempotency-Key", "k0")
		if resp.StatusCode != 501 || problemType(body) != "not_implemented" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	e.withPayments(t)
	var created struct{ PaymentId, PayUrl, Status string }
	t.Run("Created", func(t *testing.T) {
		resp, body := e.do("POST", "/v1/payments", vendor, paymentBody(c.CaseID, "Gebühr", 1000, 2), "Idempotency-Key", "k1")
		if resp.StatusCode != 201 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		_ = json.Unmarshal(body, &created)
		if created.Status != "INITIAL" || created.PayUrl == "" || resp.Header.Get("Location") != "/v1/payments/"+created.PaymentId {
			t.Errorf("created %s", body)
		}
		resp, _ = e.do("POST", "/v1/payments", vendor, paymentBody(c.CaseID, "Gebühr", 1000, 2), "Idempotency-Key", "k1")
		if resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("a repeated request is not marked as replayed")
		}
	})
	t.Run("Read", func(t *testing.T) {
		if resp, body := e.do("GET", "/v1/payments/"+created.PaymentId, vendor, nil); resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("OtherVendorAndTenantGet404", func(t *testing.T) {
		for _, tok := range []string{
			e.token(tenant, "vendor-b", "vendor-b", hub.ScopePaymentsWrite),
			e.token(hubtest.MustTenant(t, e.db), "vendor-a", "vendor-a", hub.ScopePaymentsWrite),
		} {
			if resp, body := e.do("GET", "/v1/payments/"+created.PaymentId, tok, nil); resp.StatusCode != 404 {
				t.Errorf("%d %s", resp.StatusCode, body)
			}
			if resp, body := e.do("POST", "/v1/payments", tok, paymentBody(c.CaseID, "x", 100, 1), "Idempotency-Key", "k9"); resp.StatusCode != 404 {
				t.Errorf("paying for another's case: %d %s", resp.StatusCode, body)
			}
		}
	})
	tests := []struct {
		name   string
		token  string
		body   map[string]any
		header []string
		status int
		kind   string
	}{
		{"ErrNoScope", e.token(tenant, "vendor-a", "vendor-a", hub.ScopeSubmissionsWrite), paymentBody(c.CaseID, "x", 100, 1), nil, 403, "insufficient_scope"},
		{"ErrNoIdempotencyKey", vendor, paymentBody(c.CaseID, "x", 100, 1), []string{}, 400, "idempotency_key_missing"},
		{"ErrPurposeTooLong", vendor, paymentBody(c.CaseID, strings.Repeat("ä", 28), 100, 1), nil, 400, "purpose_invalid"},
		{"ErrAmountZero", vendor, with(paymentBody(c.CaseID, "x", 100, 1), "amount", 0), nil, 400, "amount_invalid"},
		{"ErrAmountNegative", vendor, paymentBody(c.CaseID, "x", -100, 1), nil, 400, "request_invalid"}, // the item's unitAmount breaks the schema first
		{"ErrAmountTooLarge", vendor, paymentBody(c.CaseID, "x", 100_000_001, 1), nil, 400, "amount_too_large"},
		{"ErrHundredItems", vendor, paymentBody(c.CaseID, "x", 10000, 100), nil, 400, "items_invalid"},
		{"ErrUnknownField", vendor, map[string]any{"caseId": c.CaseID, "amount": 1, "purpose": "x", "items": []any{}, "returnUrl": "https://x.example", "iban": "DE00"}, nil, 400, "request_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = []string{"Idempotency-Key", hub.NewID()}
			}
			resp, body := e.do("POST", "/v1/payments", tt.token, tt.body, h...)
			if resp.StatusCode != tt.status || problemType(body) != tt.kind {
				t.Errorf("%d %s, want %d %s", resp.StatusCode, body, tt.status, tt.kind)
			}
		})
	}
	var n int
	if err := e.db.QueryRowContext(context.Background(), `SELECT count(*) FROM payments`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d payments stored (err %v), want only the one created", n, err)
	}
}
