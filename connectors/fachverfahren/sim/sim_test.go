package sim_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/fachverfahren"
	"github.com/amthub/amthub/connectors/fachverfahren/fvtest"
	"github.com/amthub/amthub/connectors/fachverfahren/sim"
	"github.com/amthub/amthub/hub"
)

// start runs a simulator until the returned stop is called or the test ends.
func start(t *testing.T, b *fvtest.Backend, cfg sim.Config) (*sim.Simulator, func()) {
	t.Helper()
	cfg.DestinationID = b.DestinationID
	s, err := sim.New(cfg, b.Pub, b.Sub, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}
	t.Cleanup(stop)
	select {
	case <-s.Subscribed():
	case <-time.After(10 * time.Second):
		t.Fatal("simulator did not subscribe within 10s")
	}
	return s, stop
}

// replies collects n replies, orders them by their CloudEvents time (the
// in-process bus reorders) and returns them with their "type[:status]".
func replies(t *testing.T, b *fvtest.Backend, n int) ([]fvtest.Reply, []string) {
	t.Helper()
	var rs []fvtest.Reply
	for range n {
		rs = append(rs, b.NextReply(t))
	}
	at := func(r fvtest.Reply) time.Time {
		ts, err := time.Parse(time.RFC3339Nano, r.Headers["cloudEvents:time"])
		if err != nil {
			t.Errorf("reply %s: %v", r.MessageID, err)
		}
		return ts
	}
	sort.SliceStable(rs, func(i, j int) bool { return at(rs[i]).Before(at(rs[j])) })
	var kinds []string
	for _, r := range rs {
		kind := strings.TrimSuffix(strings.TrimPrefix(r.Headers["cloudEvents:type"], hub.EventTypeReplyBase), ".v1")
		if r.Body.Status != "" {
			kind += ":" + r.Body.Status
		}
		kinds = append(kinds, kind)
	}
	return rs, kinds
}

func TestSimulator(t *testing.T) {
	mailbox := &hub.MailboxReply{Title: "Ihr Antrag", Body: "Ihr Antrag ist bearbeitet."}
	for _, be := range fvtest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			for _, tt := range []struct {
				name string
				cfg  sim.Config
				data string
				want []string
			}{
				{"Accept", sim.Config{StatusDelay: time.Millisecond}, `{"name":"Rex"}`,
					[]string{"accept", "status:RECEIVED", "status:PROCESSING", "status:COMPLETED"}},
				{"AcceptWithMailbox", sim.Config{StatusDelay: -1, Mailbox: mailbox}, `{"simulateReject":false}`,
					[]string{"accept", "status:RECEIVED", "status:PROCESSING", "status:COMPLETED", "mailbox"}},
				{"RejectDefaultRule", sim.Config{}, `{"name":"Rex","simulateReject":true}`,
					[]string{"reject"}},
				{"RejectPointer", sim.Config{RejectPointer: "/hund/rasse", RejectValue: "Kampfhund", RejectCode: "NOT_ALLOWED"},
					`{"hund":{"rasse":"Kampfhund"}}`, []string{"reject"}},
				{"AcceptPointerOtherValue", sim.Config{RejectPointer: "/hund/rasse", RejectValue: "Kampfhund", StatusDelay: -1, Statuses: []string{hub.StatusCompleted}},
					`{"hund":{"rasse":"Dackel"}}`, []string{"accept", "status:COMPLETED"}},
				{"RejectFunc", sim.Config{Reject: func(s *fachverfahren.Submission) *hub.ReplyReason {
					return &hub.ReplyReason{Code: "CLOSED", Message: "Heute geschlossen"}
				}}, `{}`, []string{"reject"}},
			} {
				t.Run(tt.name, func(t *testing.T) {
					b := be.New(t)
					s, _ := start(t, b, tt.cfg)
					sub := b.Submission(tt.data)
					b.Publish(t, "tenant-a", sub)
					rs, got := replies(t, b, len(tt.want))
					if strings.Join(got, " ") != strings.Join(tt.want, " ") {
						t.Fatalf("replies: got %v, want %v", got, tt.want)
					}
					for _, r := range rs {
						if r.Body.SubmissionID != sub.SubmissionID || r.Headers[hub.HeaderTenant] != "tenant-a" {
							t.Errorf("reply %s: submission %s tenant %s", r.MessageID, r.Body.SubmissionID, r.Headers[hub.HeaderTenant])
						}
					}
					applied := s.Applied()
					if len(applied) != 1 || applied[0].SubmissionID != sub.SubmissionID {
						t.Fatalf("applied: got %+v", applied)
					}
					wantDecision := sim.DecisionAccepted
					if tt.want[0] == "reject" {
						wantDecision = sim.DecisionRejected
						if r := rs[0].Body.Reason; r == nil || r.Code == "" || r.Message == "" {
							t.Errorf("reject reason: got %+v", r)
						}
					}
					if got := applied[0].Decision; got != wantDecision {
						t.Errorf("decision: got %s, want %s", got, wantDecision)
					}
				})
			}
		})
	}
}

// TestSimulatorIdempotent delivers one submission twice, the second time
// after a restart: it is applied once and the replies keep their ids.
func TestSimulatorIdempotent(t *testing.T) {
	for _, be := range fvtest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			b := be.New(t)
			cfg := sim.Config{LogPath: filepath.Join(t.TempDir(), "applied.jsonl"), StatusDelay: -1}
			s1, stop := start(t, b, cfg)
			sub := b.Submission(`{"name":"Rex"}`)
			msgID := b.Publish(t, "tenant-a", sub)
			first, _ := replies(t, b, 4)
			if got := len(s1.Applied()); got != 1 {
				t.Fatalf("applied before restart: got %d, want 1", got)
			}
			stop()

			s2, _ := start(t, b, cfg)
			if got := s2.Applied(); len(got) != 1 || got[0].MessageID != msgID || len(got[0].Replies) != 4 {
				t.Fatalf("applied after restart: got %+v", got)
			}
			b.PublishID(t, msgID, "tenant-a", sub) // the same message again
			b.Publish(t, "tenant-a", sub)          // the hub resending it
			again, _ := replies(t, b, 8)
			b.NoReply(t, 200*time.Millisecond)
			// Both deliveries may be handled at once: compare as sets.
			count := map[string]int{}
			for _, r := range again {
				count[r.MessageID]++
			}
			for _, r := range first {
				if count[r.MessageID] != 2 {
					t.Errorf("reply %s: re-sent %d times, want 2 (ids after restart: %v)", r.MessageID, count[r.MessageID], count)
				}
			}
			if got := len(s2.Applied()); got != 1 {
				t.Errorf("applied after redelivery: got %d, want 1", got)
			}
			log, err := sim.ReadLog(cfg.LogPath)
			if err != nil || len(log) != 1 || log[0].Decision != sim.DecisionAccepted {
				t.Errorf("read log: got %+v, %v", log, err)
			}
		})
	}
}

// TestSimulatorAnsweredElsewhere is the redelivery after a crash: the
// hub sends a submission again, and another simulator instance, which has
// not seen it, answers it again with new reply ids and times. Its statuses
// carry the same sequence numbers, 1, 2, 3, so the hub takes them as
// repeats (pipeline.TestRepliesInOrderWithParallelConsumers checks that
// it does).
func TestSimulatorAnsweredElsewhere(t *testing.T) {
	for _, be := range fvtest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			b := be.New(t)
			sub := b.Submission(`{"name":"Rex"}`)
			var answers [2][]fvtest.Reply
			for i := range answers {
				_, stop := start(t, b, sim.Config{StatusDelay: -1}) // no log: a fresh instance
				b.Publish(t, "tenant-a", sub)
				answers[i], _ = replies(t, b, 4)
				stop()
			}
			ids := map[string]bool{}
			for i, answer := range answers {
				var seqs []string
				for _, r := range answer {
					ids[r.MessageID] = true
					if r.Body.Status != "" {
						seqs = append(seqs, fmt.Sprintf("%s#%d", r.Body.Status, r.Body.Sequence))
					}
				}
				if got, want := strings.Join(seqs, " "), "RECEIVED#1 PROCESSING#2 COMPLETED#3"; got != want {
					t.Errorf("answer %d: statuses %s, want %s", i+1, got, want)
				}
			}
			if len(ids) != 8 {
				t.Errorf("%d distinct reply ids over two answers, want 8 (each instance makes its own)", len(ids))
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  sim.Config
		err  string
	}{
		{"OK", sim.Config{DestinationID: hub.NewID()}, ""},
		{"ErrDestinationRequired", sim.Config{}, "destination id"},
		{"ErrPointer", sim.Config{DestinationID: "d", RejectPointer: "simulateReject"}, "json pointer"},
		{"ErrStatus", sim.Config{DestinationID: "d", Statuses: []string{"DONE"}}, "status"},
		{"ErrMailbox", sim.Config{DestinationID: "d", Mailbox: &hub.MailboxReply{Title: "t"}}, "mailbox"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.err == "" && err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("got %v, want an error about %q", err, tt.err)
			}
		})
	}
}
