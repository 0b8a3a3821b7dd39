package pipeline_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/sqlstore"
)

// TestRepliesInOrderWithParallelConsumers applies the replies of many
// submissions — accept, RECEIVED, PROCESSING, COMPLETED, numbered 1–3 —
// through 8 competing consumers in a shuffled order, each reply delivered
// twice with its own id and once more under a new id and a later time (a
// redelivered submission answered again). Every timeline must show the
// accept, then the three statuses in the Fachverfahren's order, each once.
func TestRepliesInOrderWithParallelConsumers(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) { testRepliesInOrder(t, newFixture(t, d.Open(t))) })
	}
}

func testRepliesInOrder(t *testing.T, f *fixture) {
	ctx := context.Background()
	const submissions, consumers = 24, 8
	statuses := []string{hub.StatusReceived, hub.StatusProcessing, hub.StatusCompleted}
	subs := forwardMany(t, f, submissions)
	var replies []pipeline.Reply
	at := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
	for _, sub := range subs {
		for answer := range 2 { // the second answer: after a redelivery, new ids, later times
			base := at.Add(time.Duration(answer) * time.Hour)
			accept := pipeline.Reply{MessageID: hub.NewID(), DestinationID: f.dest.ID, Type: hub.ReplyAccept, Time: base,
				Body: hub.ReplyMessage{SubmissionID: sub.ID, CaseID: sub.CaseID, Reference: "AZ"}}
			replies = append(replies, accept, accept)
			for i, s := range statuses {
				r := pipeline.Reply{MessageID: hub.NewID(), DestinationID: f.dest.ID, Type: hub.ReplyStatus,
					Time: base.Add(time.Duration(i+1) * time.Second),
					Body: hub.ReplyMessage{SubmissionID: sub.ID, CaseID: sub.CaseID, Status: s, Sequence: i + 1}}
				replies = append(replies, r, r) // the same message twice: the inbox drops one
			}
		}
	}
	rng := rand.New(rand.NewPCG(7, 19))
	rng.Shuffle(len(replies), func(i, j int) { replies[i], replies[j] = replies[j], replies[i] })

	work := make(chan pipeline.Reply)
	var wg sync.WaitGroup
	errs := make(chan error, consumers)
	for range consumers {
		wg.Go(func() {
			for r := range work {
				if _, err := applyRetrying(ctx, f.store, r); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for _, r := range replies {
		work <- r
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	want := []string{hub.EventSubmissionCreated, hub.EventSubmissionSubmitted, hub.EventSubmissionForwarded,
		hub.EventSubmissionAccepted, "status.received", "status.processing", "status.completed"}
	for _, sub := range subs {
		if got := eventTypes(t, f, "vendor-a", sub.CaseID); !equal(got, want) {
			t.Errorf("case %s: timeline %v, want %v", sub.CaseID, got, want)
		}
		checkSequences(t, f, sub.CaseID)
		got, err := f.store.FindSubmission(ctx, f.tenant, "vendor-a", sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != hub.StatusCompleted || got.StatusSequence != 3 || got.Held != 0 {
			t.Errorf("submission %s: current %q #%d, %d held", sub.ID, got.Status, got.StatusSequence, got.Held)
		}
	}
	if n := hubtest.Count(t, f.db, `SELECT count(*) FROM held_statuses`); n != 0 {
		t.Errorf("%d status reports still held", n)
	}
}

// applyRetrying applies a reply as the reply consumer does: a failure of
// the database (SQLite busy, a PostgreSQL serialisation conflict) is tried
// again.
func applyRetrying(ctx context.Context, s *pipeline.Store, r pipeline.Reply) (bool, error) {
	for attempt := 0; ; attempt++ {
		applied, err := s.ApplyReply(ctx, r)
		if err == nil || hub.ErrorCode(err) != hub.EINTERNAL || attempt == 20 {
			return applied, err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
}

// checkSequences checks that a case's status events carry sequence 1, 2, 3
// in timeline order.
func checkSequences(t *testing.T, f *fixture, caseID string) {
	t.Helper()
	evs, err := f.store.ListEvents(context.Background(), f.tenant, "vendor-a", caseID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	next := 1
	for _, e := range evs {
		if !strings.HasPrefix(e.Type, hub.EventStatusPrefix) {
			continue
		}
		var data struct{ Sequence int }
		if err := json.Unmarshal(e.Data, &data); err != nil || data.Sequence != next {
			t.Errorf("case %s: %s has sequence %d, want %d (%v)", caseID, e.Type, data.Sequence, next, err)
		}
		next++
	}
}

// forwardMany creates, submits and forwards n submissions of vendor-a.
func forwardMany(t *testing.T, f *fixture, n int) []*hub.Submission {
	t.Helper()
	ctx := context.Background()
	var subs []*hub.Submission
	for i := range n {
		sub := f.create(t, "vendor-a", hub.NewID())
		if _, err := markSubmitted(ctx, f, "vendor-a", sub.ID, hub.SubmitData{Data: []byte(`{}`),
			ContentType: "application/json", DataHash: "h"}); err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
		subs = append(subs, sub)
	}
	if err := f.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		msgs, err := sqlstore.ClaimOutbox(ctx, tx, n)
		if err != nil {
			return err
		}
		if len(msgs) != n {
			t.Fatalf("outbox holds %d messages, want %d", len(msgs), n)
		}
		return f.store.MarkForwarded(ctx, tx, msgs)
	}); err != nil {
		t.Fatal(err)
	}
	return subs
}

// TestReleaseOverdue gives up waiting for a status number that never
// comes: the held report after the gap is applied once it waited past the
// cutoff, and not before.
func TestReleaseOverdue(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			f := newFixture(t, d.Open(t))
			ctx := context.Background()
			sub := forwardMany(t, f, 1)[0]
			at := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
			reply := func(typ, status string, seq int) pipeline.Reply {
				return pipeline.Reply{MessageID: hub.NewID(), DestinationID: f.dest.ID, Type: typ, Time: at.Add(time.Duration(seq) * time.Second),
					Body: hub.ReplyMessage{SubmissionID: sub.ID, CaseID: sub.CaseID, Status: status, Sequence: seq}}
			}
			for _, r := range []pipeline.Reply{reply(hub.ReplyAccept, "", 0), reply(hub.ReplyStatus, hub.StatusReceived, 1),
				reply(hub.ReplyStatus, hub.StatusCompleted, 3)} {
				if _, err := f.store.ApplyReply(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := f.store.ReleaseOverdue(ctx, f.db.Now().Add(-time.Minute), 10); err != nil || n != 0 {
				t.Fatalf("released %d before the cutoff (%v)", n, err)
			}
			last := func() string { evs := eventTypes(t, f, "vendor-a", sub.CaseID); return evs[len(evs)-1] }
			if got := last(); got != "status.received" {
				t.Fatalf("timeline ends on %s, want status.received while #2 is missing", got)
			}
			if n, err := f.store.ReleaseOverdue(ctx, f.db.Now().Add(time.Minute), 10); err != nil || n != 1 {
				t.Fatalf("released %d after the cutoff (%v), want 1", n, err)
			}
			if got := last(); got != "status.completed" {
				t.Fatalf("timeline ends on %s, want status.completed", got)
			}
			if n := hubtest.Count(t, f.db, `SELECT count(*) FROM held_statuses`); n != 0 {
				t.Fatalf("%d reports still held", n)
			}
		})
	}
}
