package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/register"
	"github.com/amthub/amthub/connectors/register/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/registers"
)

// withRegisters connects both simulated registers and returns the
// simulator and its URL.
func (e *apiEnv) withRegisters(t testing.TB, timeout time.Duration) (*sim.Sim, string) {
	s, err := sim.New(sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	conns := map[string]registers.Register{}
	for _, name := range []string{registers.Population, registers.Trade} {
		if conns[name], err = register.NewClient(register.Config{Register: name, BaseURL: srv.URL}, nil); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := registers.NewService(e.db, pipeline.NewStore(e.db), registers.Config{Registers: conns, AuditKey: bytes.Repeat([]byte{7}, 32), Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	e.api.WithRegisters(svc)
	return s, srv.URL
}

func erikaQuery(caseID string) map[string]any {
	q := map[string]any{"purpose": "Gewerbeanmeldung", "query": map[string]string{
		"familyName": "Mustermann", "givenName": "Erika", "dateOfBirth": "1964-08-12"}}
	if caseID != "" {
		q["caseId"] = caseID
	}
	return q
}

func TestRegistersAPI(t *testing.T) {
	e := newAPIEnv(t, hubtest.NewPostgres(t))
	tenant := e.cases.TenantID
	citizen := e.token(tenant, "vendor-a", "citizen-1", hub.ScopeRegistersQuery)
	machine := e.token(tenant, "vendor-a", "vendor-a", hub.ScopeRegistersQuery)
	c := e.cases.Case(t, "vendor-a", "citizen-1")
	s, _ := e.withRegisters(t, 200*time.Millisecond)

	t.Run("Answered", func(t *testing.T) {
		resp, body := e.do("POST", "/v1/registers/population/queries", citizen, erikaQuery(c.CaseID))
		var ans struct {
			Found  bool
			Record struct {
				Address struct{ City, Postcode string }
			}
		}
		_ = json.Unmarshal(body, &ans)
		if resp.StatusCode != 200 || !ans.Found || ans.Record.Address.City != "Köln" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("TradeAnswered", func(t *testing.T) {
		resp, body := e.do("POST", "/v1/registers/trade/queries", machine, map[string]any{"purpose": "Prüfung",
			"query": map[string]string{"companyName": "Musterfirma GmbH"}})
		if resp.StatusCode != 200 || !bytes.Contains(body, []byte("HRB 12345")) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("TimedOut", func(t *testing.T) {
		s.SetLatency(time.Second)
		defer s.SetLatency(0)
		resp, body := e.do("POST", "/v1/registers/population/queries", citizen, erikaQuery(""))
		if resp.StatusCode != 503 || problemType(body) != "register_timeout" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	tests := []struct {
		name, token, register string
		body                  map[string]any
		status                int
		kind                  string
	}{
		{"ErrRefusedWithoutConsent", machine, "population", erikaQuery(""), 403, "consent_required"},
		{"ErrNoScope", e.token(tenant, "vendor-a", "citizen-1", hub.ScopeSubmissionsWrite), "population", erikaQuery(""), 403, "insufficient_scope"},
		{"ErrUnknownRegister", citizen, "vehicles", erikaQuery(""), 404, "register_unknown"},
		{"ErrBadRegisterName", citizen, "Pop%20ulation", erikaQuery(""), 400, "request_invalid"},
		{"ErrOtherVendorsCase", e.token(tenant, "vendor-b", "citizen-1", hub.ScopeRegistersQuery), "population", erikaQuery(c.CaseID), 404, "case_not_found"},
		{"ErrOtherTenantsCase", e.token(hubtest.MustTenant(t, e.db), "vendor-a", "citizen-1", hub.ScopeRegistersQuery), "population", erikaQuery(c.CaseID), 404, "case_not_found"},
		{"ErrQueryInvalid", citizen, "population", map[string]any{"purpose": "Prüfung", "query": map[string]string{"familyName": "X"}}, 400, "query_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do("POST", "/v1/registers/"+tt.register+"/queries", tt.token, tt.body)
			if resp.StatusCode != tt.status || problemType(body) != tt.kind {
				t.Errorf("%d %s, want %d %s", resp.StatusCode, body, tt.status, tt.kind)
			}
		})
	}
}

// registersVia lets a benchmark switch the hub's register service (and so
// its transport) between runs.
type registersVia struct {
	cur atomic.Pointer[registers.Service]
}

func (r *registersVia) Query(ctx context.Context, p *hub.Principal, register string, req registers.QueryRequest) (*registers.Answer, error) {
	return r.cur.Load().Query(ctx, p, register, req)
}

// BenchmarkRegisterQuery compares, in the same run, a population register
// query through the hub (vendor API, validation, consent check, breaker,
// audit entry in PostgreSQL, connector) with the same query sent to the
// simulator directly, each over HTTP and over AMQP request/reply (real
// RabbitMQ, Direct Reply-to), and reports p50 and p99 latencies.
func BenchmarkRegisterQuery(b *testing.B) {
	e := newAPIEnv(b, hubtest.NewPostgres(b))
	citizen := e.token(e.cases.TenantID, "vendor-a", "citizen-1", hub.ScopeRegistersQuery)
	s, simURL := e.withRegisters(b, 3*time.Second)
	httpClient, err := register.NewClient(register.Config{Register: registers.Population, BaseURL: simURL}, nil)
	if err != nil {
		b.Fatal(err)
	}
	queue := hubtest.Unique("register.population.bench.")
	amqpSrv, err := s.ListenAMQP(hubtest.AMQPURL(b), queue)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = amqpSrv.Close() })
	rpc, err := register.NewRPC(register.RPCConfig{URL: hubtest.AMQPURL(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = rpc.Close() })
	amqpClient, err := register.NewAMQPClient(register.Config{Register: registers.Population, Queue: queue}, rpc)
	if err != nil {
		b.Fatal(err)
	}
	services := map[string]*registers.Service{}
	for name, c := range map[string]registers.Register{"HTTP": httpClient, "AMQP": amqpClient} {
		if services[name], err = registers.NewService(e.db, pipeline.NewStore(e.db), registers.Config{Registers: map[string]registers.Register{registers.Population: c},
			AuditKey: bytes.Repeat([]byte{7}, 32), Timeout: 3 * time.Second}); err != nil {
			b.Fatal(err)
		}
	}
	via := &registersVia{}
	e.api.WithRegisters(via)

	hubBody, _ := json.Marshal(erikaQuery(""))
	simBody, _ := json.Marshal(register.PopulationRequest{NachrichtID: hub.NewID(), AnfragendeStelle: "bench",
		Rechtsgrundlage: "consent", Zweck: "bench", Suchkriterien: register.PersonCriteria{Familienname: "Mustermann",
			Vorname: "Erika", Geburtsdatum: "1964-08-12"}})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	post := func(url string, body []byte, token string) error {
		req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d: %v", resp.StatusCode, out)
		}
		return nil
	}
	run := func(b *testing.B, op func() error) {
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			start := time.Now()
			err := op()
			lat = append(lat, time.Since(start))
			if err != nil {
				b.Fatal(err)
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
	b.Run("Direct/HTTP", func(b *testing.B) {
		run(b, func() error { return post(simURL+register.PopulationPath, simBody, "") })
	})
	b.Run("Direct/AMQP", func(b *testing.B) {
		run(b, func() error {
			status, _, err := rpc.Call(context.Background(), queue, register.PopulationType, simBody)
			if err == nil && status != 200 {
				err = fmt.Errorf("status %d", status)
			}
			return err
		})
	})
	for _, transport := range []string{"HTTP", "AMQP"} {
		b.Run("ThroughHub/"+transport, func(b *testing.B) {
			via.cur.Store(services[transport])
			run(b, func() error { return post(e.srv.URL+"/v1/registers/population/queries", hubBody, citizen) })
		})
	}
}
