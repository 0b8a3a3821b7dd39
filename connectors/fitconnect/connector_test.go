package fitconnect_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/amthub/amthub/connectors/fachverfahren"
	"github.com/amthub/amthub/connectors/fachverfahren/fvtest"
	"github.com/amthub/amthub/connectors/fitconnect"
	"github.com/amthub/amthub/connectors/fitconnect/fctest"
	"github.com/amthub/amthub/connectors/fitconnect/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
)

// stack is the connector between the hub's side of a bus (fvtest) and a
// FIT-Connect simulator behind a TCP proxy, on one database.
type stack struct {
	bus   *fvtest.Backend
	sim   *fctest.Sim
	proxy *hubtest.Proxy
	db    *sqlstore.DB
	rt    http.RoundTripper
}

// stacks are the two set-ups the connector must work on.
var stacks = []struct {
	name string
	bus  func(testing.TB) *fvtest.Backend
	db   func(testing.TB) *sqlstore.DB
}{
	{"amqp+postgres", fvtest.NewAMQP, hubtest.NewPostgres},
	{"local+sqlite", fvtest.NewLocal, hubtest.NewSQLite},
}

func newStack(t *testing.T, newBus func(testing.TB) *fvtest.Backend, newDB func(testing.TB) *sqlstore.DB) *stack {
	t.Helper()
	st := &stack{bus: newBus(t), sim: fctest.NewSim(t, sim.Config{}), db: newDB(t)}
	var err error
	st.proxy, err = hubtest.NewProxy(strings.TrimPrefix(st.sim.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.proxy.Close)
	base := "http://" + st.proxy.Addr()
	cfg := fitconnect.Config{DestinationID: st.bus.DestinationID, FITDestinationID: st.sim.DestinationID(),
		ClientID: st.sim.ClientID(), ClientSecret: st.sim.ClientSecret(), TokenURL: base + "/token", SubmissionURL: base,
		TrustAnchor: st.sim.Keys().TrustAnchorPEM(), Timeout: 2 * time.Second,
		PollInterval: 100 * time.Millisecond, RetryMin: 50 * time.Millisecond, RetryMax: 400 * time.Millisecond}
	st.rt = fctest.Transport(t, nil)
	api, err := fitconnect.NewAPI(cfg, &http.Client{Transport: st.rt})
	if err != nil {
		t.Fatal(err)
	}
	fv, err := fachverfahren.New(fachverfahren.Config{DestinationID: st.bus.DestinationID}, st.bus.Pub, st.bus.Sub, nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := fitconnect.New(cfg, api, fv, st.db, nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- conn.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("connector stopped: %v", err)
		}
	})
	select {
	case <-conn.Subscribed():
	case <-time.After(10 * time.Second):
		t.Fatal("connector did not subscribe")
	}
	return st
}

// submission is a hub message with one attachment.
func (st *stack) submission(data string) hub.SubmissionMessage {
	m := st.bus.Submission(data)
	pdf := []byte("%PDF-1.7 Gewerbeanmeldung Anlage")
	m.Attachments = []hub.AttachmentRef{{AttachmentID: hub.NewID(), Filename: "anlage.pdf", MimeType: "application/pdf",
		Size: int64(len(pdf)), Content: pdf}}
	return m
}

// reply waits for the next reply (up to within) and checks it is about m.
func (st *stack) reply(t *testing.T, m hub.SubmissionMessage, within time.Duration) fvtest.Reply {
	t.Helper()
	select {
	case r := <-st.bus.Replies:
		if r.Body.SubmissionID != m.SubmissionID || r.Body.CaseID != m.CaseID {
			t.Fatalf("reply about %s/%s, want %s/%s", r.Body.SubmissionID, r.Body.CaseID, m.SubmissionID, m.CaseID)
		}
		return r
	case <-time.After(within):
		t.Fatalf("no reply within %s", within)
	}
	return fvtest.Reply{}
}

// TestForward: a submission goes to FIT-Connect encrypted, the simulated
// subscriber decrypts exactly what the hub sent, and its decision comes
// back as the hub's reply; every FIT-Connect call matches the Submission
// API document.
func TestForward(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			tests := []struct {
				name, data string
				wantType   string
			}{
				{"Accept", `{"betrieb":"Bäckerei Muster"}`, hub.ReplyAccept},
				{"Reject", `{"betrieb":"Bäckerei Muster","simulateReject":true}`, hub.ReplyReject},
			}
			st := newStack(t, s.bus, s.db)
			tenant := hub.NewID()
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					m := st.submission(tt.data)
					st.bus.Publish(t, tenant, m)
					r := st.reply(t, m, 15*time.Second)
					if got := strings.TrimPrefix(r.RoutingKey, st.bus.DestinationID+"."); got != tt.wantType {
						t.Fatalf("reply %s, want %s", r.RoutingKey, tt.wantType)
					}
					if r.Headers[hub.HeaderTenant] != tenant {
						t.Errorf("reply tenant %q, want %q", r.Headers[hub.HeaderTenant], tenant)
					}
					if tt.wantType == hub.ReplyReject && (r.Body.Reason == nil || r.Body.Reason.Code != "fitconnect_rejected" ||
						!strings.Contains(r.Body.Reason.Message, "abgelehnt")) {
						t.Errorf("reject reason %+v", r.Body.Reason)
					}
					var got *sim.Received
					for _, rec := range st.sim.Received() {
						if string(rec.Data) == tt.data {
							got = &rec
						}
					}
					if got == nil {
						t.Fatalf("the subscriber did not receive the data %s", tt.data)
					}
					att := m.Attachments[0]
					if string(got.Attachments[att.AttachmentID]) != string(att.Content) {
						t.Errorf("attachment arrived as %q", got.Attachments[att.AttachmentID])
					}
				})
			}
			t.Run("RejectSealed", func(t *testing.T) {
				// Data sealed for the hub's own key cannot be re-encrypted
				// for FIT-Connect: rejected at once, nothing created there.
				m := st.submission(`"eyJhbGciOiJSU0EtT0FFUC0yNTYifQ.a.b.c.d"`)
				m.ContentType = "application/jose"
				st.bus.Publish(t, tenant, m)
				r := st.reply(t, m, 15*time.Second)
				if r.RoutingKey != st.bus.DestinationID+"."+hub.ReplyReject || r.Body.Reason == nil ||
					r.Body.Reason.Code != "fitconnect_not_forwardable" {
					t.Fatalf("reply %s %+v, want reject fitconnect_not_forwardable", r.RoutingKey, r.Body.Reason)
				}
			})
			if n := st.sim.Created(); n != len(tests) {
				t.Errorf("FIT-Connect submissions created: %d, want %d", n, len(tests))
			}
			ops := fctest.Operations(st.rt)
			for _, op := range []string{"get-destination-info", "get-destination-key", "create-submission",
				"add-submission-attachment", "submit-submission", "get-case-events"} {
				if ops[op] == 0 {
					t.Errorf("operation %s not exercised (checked: %v)", op, ops)
				}
			}
		})
	}
}

// TestRedelivered: the same submission delivered again (a broker
// redelivery, or the hub sending it again after its receipt timeout, with
// a new message id) creates no second FIT-Connect submission and no
// second reply.
func TestRedelivered(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			st := newStack(t, s.bus, s.db)
			tenant := hub.NewID()
			m := st.submission(`{"betrieb":"Muster"}`)
			id := st.bus.Publish(t, tenant, m)
			st.bus.PublishID(t, id, tenant, m)
			st.bus.Publish(t, tenant, m)
			r1 := st.reply(t, m, 15*time.Second)
			st.bus.Publish(t, tenant, m) // after the decision
			st.bus.NoReply(t, time.Second)
			if n := st.sim.Created(); n != 1 {
				t.Fatalf("FIT-Connect submissions created: %d, want 1", n)
			}
			if r1.RoutingKey != st.bus.DestinationID+"."+hub.ReplyAccept {
				t.Errorf("reply %s, want accept", r1.RoutingKey)
			}
		})
	}
}

// TestTamperedDecision: an accept whose signature does not verify never
// reaches the hub; the connector keeps the submission open and says why.
func TestTamperedDecision(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			st := newStack(t, s.bus, s.db)
			st.sim.TamperDecisions(true)
			m := st.submission(`{"betrieb":"Muster"}`)
			st.bus.Publish(t, hub.NewID(), m)
			deadline := time.Now().Add(15 * time.Second)
			for hubtest.Count(t, st.db, `SELECT count(*) FROM fitconnect_outbound
				WHERE submission_id = $1 AND state = 'submitted' AND last_error LIKE '%signature%'`, m.SubmissionID) == 0 {
				if time.Now().After(deadline) {
					var state, lastErr string
					_ = st.db.QueryRow(`SELECT state, last_error FROM fitconnect_outbound WHERE submission_id = $1`, m.SubmissionID).Scan(&state, &lastErr)
					t.Fatalf("the tampered SET was not refused for its signature: state %q, last error %q", state, lastErr)
				}
				time.Sleep(50 * time.Millisecond)
			}
			st.bus.NoReply(t, 500*time.Millisecond)
		})
	}
}

// outage is how long FIT-Connect is down in TestOutage: a few seconds by
// default, AMTHUB_TEST_FITCONNECT_OUTAGE (e.g. 1m) for the real thing.
func outage(t *testing.T) time.Duration {
	if v := os.Getenv("AMTHUB_TEST_FITCONNECT_OUTAGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("AMTHUB_TEST_FITCONNECT_OUTAGE: %v", err)
		}
		return d
	}
	return 4 * time.Second
}

// TestOutage: FIT-Connect answers 503 for half the outage and refuses
// connections for the other half while submissions keep coming; none is
// lost, none is sent twice, and each decision reaches the hub once
// FIT-Connect is back.
func TestOutage(t *testing.T) {
	down := outage(t)
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			st := newStack(t, s.bus, s.db)
			tenant := hub.NewID()
			warm := st.submission(`{"n":0}`) // token and keys fetched before the outage
			st.bus.Publish(t, tenant, warm)
			st.reply(t, warm, 15*time.Second)

			st.sim.SetDown(true)
			const n = 6
			sent := map[string]bool{}
			start := time.Now()
			for i := range n {
				m := st.submission(`{"n":` + string(rune('1'+i)) + `}`)
				sent[m.SubmissionID] = true
				st.bus.Publish(t, tenant, m)
				if i == n/2 {
					time.Sleep(down / 2)
					st.sim.SetDown(false)
					st.proxy.Sever() // now connections are refused
				}
			}
			time.Sleep(down - time.Since(start))
			st.proxy.Restore()
			for range n {
				select {
				case r := <-st.bus.Replies:
					if !sent[r.Body.SubmissionID] {
						t.Fatalf("reply for %s: not sent, or twice", r.Body.SubmissionID)
					}
					delete(sent, r.Body.SubmissionID)
				case <-time.After(30 * time.Second):
					t.Fatalf("after the outage, %d submissions got no decision", len(sent))
				}
			}
			if got := st.sim.Created(); got != n+1 {
				t.Errorf("FIT-Connect submissions created: %d, want %d", got, n+1)
			}
			// The reply goes out before the row records the decision.
			deadline := time.Now().Add(5 * time.Second)
			for {
				open := hubtest.Count(t, st.db, `SELECT count(*) FROM fitconnect_outbound WHERE state <> 'accepted' OR message IS NOT NULL`)
				if open == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d submissions not recorded as accepted, or still holding their content", open)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}
