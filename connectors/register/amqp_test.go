package register_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/amthub/amthub/connectors/register"
	"github.com/amthub/amthub/connectors/register/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/registers"
)

// newProxy forwards TCP connections to the broker, so a test can cut them
// (a broker restart, as the hub sees it) or refuse new ones (a broker
// down) without touching the shared RabbitMQ.
func newProxy(t *testing.T, target string) *hubtest.Proxy {
	t.Helper()
	p, err := hubtest.NewProxy(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// proxied returns the broker URL u rewritten to go through the proxy.
func proxied(t *testing.T, p *hubtest.Proxy, u string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	parsed.Host = p.Addr()
	return parsed.String()
}

type amqpEnv struct {
	tenant string
	sim    *sim.Sim
	srv    *sim.AMQPServer
	rpc    *register.RPC
	svc    *registers.Service
	queue  map[string]string
}

// newAMQPEnv serves both simulated registers over AMQP on fresh queues and
// connects the register service to them through one RPC connection at
// brokerURL.
func newAMQPEnv(t *testing.T, brokerURL string, timeout time.Duration) *amqpEnv {
	t.Helper()
	e := &amqpEnv{queue: map[string]string{registers.Population: hubtest.Unique("register.population."),
		registers.Trade: hubtest.Unique("register.trade.")}}
	var err error
	if e.sim, err = sim.New(sim.Config{Size: 100}); err != nil {
		t.Fatal(err)
	}
	if e.srv, err = e.sim.ListenAMQP(hubtest.AMQPURL(t), e.queue[registers.Population], e.queue[registers.Trade]); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.srv.Close() })
	if e.rpc, err = register.NewRPC(register.RPCConfig{URL: brokerURL, DialTimeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.rpc.Close() })
	conns := map[string]registers.Register{}
	for name, q := range e.queue {
		if conns[name], err = register.NewAMQPClient(register.Config{Register: name, Queue: q}, e.rpc); err != nil {
			t.Fatal(err)
		}
	}
	db := hubtest.NewSQLite(t)
	e.tenant = hubtest.MustTenant(t, db)
	if e.svc, err = registers.NewService(db, pipeline.NewStore(db), registers.Config{Registers: conns, AuditKey: make([]byte, 32),
		Timeout: timeout, BreakerThreshold: 3, BreakerCooldown: time.Minute}); err != nil {
		t.Fatal(err)
	}
	return e
}

var erika = map[string]string{"familyName": "Mustermann", "givenName": "Erika", "dateOfBirth": "1964-08-12"}

// Who asks: a vendor acting for the citizen (by consent), or for itself.
const (
	forErika = "citizen-1"
	machine  = "vendor-a"
)

func (e *amqpEnv) ask(subject, name string, q map[string]string) (*registers.Answer, time.Duration, error) {
	p := &hub.Principal{TenantID: e.tenant, ClientID: "vendor-a", Subject: subject, Scopes: []string{hub.ScopeRegistersQuery}}
	start := time.Now()
	ans, err := e.svc.Query(context.Background(), p, name, registers.QueryRequest{Purpose: "Prüfung", Query: q})
	return ans, time.Since(start), err
}

func TestAMQPQueries(t *testing.T) {
	e := newAMQPEnv(t, hubtest.AMQPURL(t), 300*time.Millisecond)
	t.Run("Answered", func(t *testing.T) {
		someone := e.sim.Persons()[9]
		tests := []struct {
			name     string
			p        string
			register string
			query    map[string]string
			found    bool
			field    string
			want     string
		}{
			{"Resident", forErika, registers.Population, erika, true, "familyName", "Mustermann"},
			{"OtherResident", forErika, registers.Population, map[string]string{"familyName": someone.Familienname,
				"givenName": someone.Vornamen, "dateOfBirth": someone.Geburtsdatum}, true, "dateOfBirth", someone.Geburtsdatum},
			{"NoResident", forErika, registers.Population, map[string]string{"familyName": "Niemand", "givenName": "Nemo",
				"dateOfBirth": "2001-01-01"}, false, "", ""},
			{"Firm", machine, registers.Trade, map[string]string{"registerNumber": "HRB 12345"}, true, "companyName", "Musterfirma GmbH"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ans, _, err := e.ask(tt.p, tt.register, tt.query)
				if err != nil || ans.Found != tt.found || tt.found && ans.Record[tt.field] != tt.want {
					t.Fatalf("%+v %v", ans, err)
				}
			})
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		// Answers find their callers by correlation id over one channel.
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Go(func() {
				firm := e.sim.Companies()[i%20]
				ans, _, err := e.ask(machine, registers.Trade, map[string]string{"registerNumber": firm.Registernummer})
				if err == nil && (!ans.Found || ans.Record["companyName"] != firm.Firma) {
					err = errors.New("wrong answer for " + firm.Registernummer)
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})
	t.Run("ErrConsentMissing", func(t *testing.T) {
		_, _, err := e.ask(machine, registers.Population, erika)
		if hub.ErrorKind(err) != "consent_required" || hub.ErrorCode(err) != hub.EFORBIDDEN {
			t.Errorf("error %v, want consent_required", err)
		}
	})
	t.Run("ErrTimedOut", func(t *testing.T) {
		e.sim.SetLatency(time.Second)
		_, took, err := e.ask(forErika, registers.Population, erika)
		e.sim.SetLatency(0)
		if hub.ErrorKind(err) != "register_timeout" || hub.ErrorCode(err) != hub.EUNAVAILABLE {
			t.Fatalf("error %v, want register_timeout", err)
		}
		if took > 800*time.Millisecond {
			t.Errorf("a timed-out query took %s", took)
		}
		// The late answer finds no one waiting; the next query gets its own.
		time.Sleep(800 * time.Millisecond)
		if ans, _, err := e.ask(forErika, registers.Population, erika); err != nil || !ans.Found {
			t.Fatalf("after a timeout: %+v %v", ans, err)
		}
	})
	t.Run("ErrRefusedByRegister", func(t *testing.T) {
		// A request the register cannot read: it answers status 400.
		status, _, err := e.rpc.Call(context.Background(), e.queue[registers.Trade], register.TradeType, []byte(`{}`))
		if err != nil || status != 400 {
			t.Errorf("status %d, err %v, want 400", status, err)
		}
	})
}

func TestAMQPStaleRequestsExpire(t *testing.T) {
	amqpURL := hubtest.AMQPURL(t)
	conn, err := amqp.Dial(amqpURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	// A register that is connected but does not consume (hung); its queue
	// goes away with this connection.
	q := hubtest.Unique("register.hung.")
	if _, err := ch.QueueDeclare(q, false, false, true, false, nil); err != nil {
		t.Fatal(err)
	}
	rpc, err := register.NewRPC(register.RPCConfig{URL: amqpURL})
	if err != nil {
		t.Fatal(err)
	}
	defer rpc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, _, err := rpc.Call(ctx, q, register.TradeType, []byte(`{"firma":"x"}`)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the deadline", err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		state, err := ch.QueueDeclarePassive(q, false, true, false, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		if state.Messages == 0 {
			return // the request expired in the queue: no one will answer it for no one
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d stale requests still queued 3 s after their caller gave up", state.Messages)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAMQPRegisterOrBrokerDown(t *testing.T) {
	amqpURL := hubtest.AMQPURL(t)
	target, _ := url.Parse(amqpURL)
	host := target.Host
	if target.Port() == "" {
		host = net.JoinHostPort(target.Hostname(), "5672")
	}
	p := newProxy(t, host)
	e := newAMQPEnv(t, proxied(t, p, amqpURL), 2*time.Second)
	if ans, _, err := e.ask(machine, registers.Trade, map[string]string{"registerNumber": "HRB 12345"}); err != nil || !ans.Found {
		t.Fatalf("before: %+v %v", ans, err)
	}
	t.Run("InFlightFailsWhenConnectionDrops", func(t *testing.T) {
		e.sim.SetLatency(time.Second)
		defer e.sim.SetLatency(0)
		time.AfterFunc(150*time.Millisecond, p.Cut)
		_, took, err := e.ask(machine, registers.Trade, map[string]string{"registerNumber": "HRB 12345"})
		if hub.ErrorKind(err) != "register_unavailable" || took > time.Second {
			t.Fatalf("error %v after %s, want register_unavailable at once", err, took)
		}
	})
	t.Run("Reconnects", func(t *testing.T) {
		ans, _, err := e.ask(machine, registers.Trade, map[string]string{"registerNumber": "HRB 12345"})
		if err != nil || !ans.Found {
			t.Fatalf("after the connection dropped: %+v %v", ans, err)
		}
	})
	t.Run("ErrRegisterGone", func(t *testing.T) {
		// The register stopped: its queue is gone, the broker returns the
		// request and the query fails at once instead of timing out.
		other, err := sim.New(sim.Config{Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		q := hubtest.Unique("register.trade.")
		srv, err := other.ListenAMQP(amqpURL, q)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := register.NewAMQPClient(register.Config{Register: registers.Trade, Queue: q}, e.rpc)
		req := registers.Request{QueryID: hub.NewID(), LegalBasis: "hgb-9", Params: map[string]string{"registerNumber": "HRB 12345"}}
		if res, err := c.Query(context.Background(), req); err != nil || !res.Found {
			t.Fatalf("while it runs: %+v %v", res, err)
		}
		_ = srv.Close()
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err = c.Query(ctx, req)
		if hub.ErrorKind(err) != "register_unavailable" || time.Since(start) > time.Second {
			t.Fatalf("error %v after %s, want register_unavailable at once", err, time.Since(start))
		}
	})
	t.Run("ErrBrokerDownThenCircuitOpen", func(t *testing.T) {
		p.Close()
		for i := range 5 { // three failures in a row open the breaker
			_, took, err := e.ask(machine, registers.Trade, map[string]string{"registerNumber": "HRB 12345"})
			if hub.ErrorKind(err) != "register_unavailable" || took > time.Second {
				t.Fatalf("query %d: error %v after %s, want register_unavailable", i, err, took)
			}
			if strings.Contains(hub.ErrorMessage(err), "circuit open") {
				return
			}
		}
		t.Fatal("the breaker never opened while the broker was down")
	})
}

func TestSimulatorReconnects(t *testing.T) {
	amqpURL := hubtest.AMQPURL(t)
	target, _ := url.Parse(amqpURL)
	host := target.Host
	if target.Port() == "" {
		host = net.JoinHostPort(target.Hostname(), "5672")
	}
	p := newProxy(t, host)
	s, err := sim.New(sim.Config{Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	q := hubtest.Unique("register.trade.")
	srv, err := s.ListenAMQP(proxied(t, p, amqpURL), q)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rpc, err := register.NewRPC(register.RPCConfig{URL: amqpURL})
	if err != nil {
		t.Fatal(err)
	}
	defer rpc.Close()
	ask := func() (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		status, _, err := rpc.Call(ctx, q, register.TradeType, []byte(`{"registernummer":"HRB 12345"}`))
		return status, err
	}
	if status, err := ask(); err != nil || status != 200 {
		t.Fatalf("before: %d %v", status, err)
	}
	p.Cut() // the simulator's connection drops, as in a broker restart
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, err := ask()
		if err == nil && status == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the simulator did not answer again within 10 s: %d %v", status, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestSplitAMQPURL(t *testing.T) {
	tests := []struct {
		name, raw, broker, queue string
		ok                       bool
	}{
		{"DefaultQueue", "amqp://u:p@mq:5672/vh", "amqp://u:p@mq:5672/vh", "register.population", true},
		{"NamedQueue", "amqps://mq/?queue=xmeld.requests&heartbeat=5", "amqps://mq/?heartbeat=5", "xmeld.requests", true},
		{"ErrHTTP", "https://mq/", "", "", false},
		{"ErrNoHost", "amqp:///x", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			broker, queue, err := register.SplitAMQPURL(tt.raw, registers.Population)
			if (err == nil) != tt.ok || broker != tt.broker || queue != tt.queue {
				t.Errorf("got %q %q %v", broker, queue, err)
			}
			if err != nil && strings.Contains(err.Error(), "u:p") {
				t.Errorf("the error repeats the credentials: %v", err)
			}
		})
	}
}
