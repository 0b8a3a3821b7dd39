package retention_test

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/casetest"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/retention"
	"github.com/amthub/amthub/hub/sqlstore"
)

const vendor = "vendor-a"

// env is a tenant with one item of every kind, all made at the clock's
// start, and the deletion job over the pipeline's purgers.
type env struct {
	db      *sqlstore.DB
	clock   *hubtest.Clock
	cases   *casetest.Fixture
	periods *retention.Periods
	job     *retention.Job
	// decided was accepted, draft was never submitted, open is forwarded
	// and waits for its answer.
	decided, draft, open *hub.Submission
}

func newEnv(t *testing.T, db *sqlstore.DB) *env {
	t.Helper()
	e := &env{db: db, clock: hubtest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))}
	db.Now = e.clock.Now
	e.cases = casetest.New(t, db, hubtest.MustTenant(t, db))
	e.periods = retention.NewPeriods(db, privacy.Defaults(pipeline.Privacy()))
	st := e.cases.Store
	e.job = retention.NewJob(db, e.periods, []retention.Target{
		{Kind: privacy.SubmissionContent, Purger: retention.Funcs{PurgeFunc: st.PurgeContent, DueFunc: st.DueContent}},
		{Kind: privacy.Drafts, Purger: retention.Funcs{PurgeFunc: st.PurgeDrafts, DueFunc: st.DueDrafts}},
	}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, retention.Config{BatchSize: 2})
	e.decided = e.submission(t, true)
	e.forward(t)
	e.reply(t, e.decided, hub.ReplyAccept)
	// A message for the decided submission still waits in the outbox (a
	// redelivery the broker has not confirmed yet).
	e.enqueue(t, e.decided)
	e.open = e.submission(t, true)
	e.forward(t)
	e.draft = e.submission(t, false)
	return e
}

// submission creates a submission with one uploaded attachment, submitted
// when submit is true.
func (e *env) submission(t *testing.T, submit bool) *hub.Submission {
	t.Helper()
	ctx := context.Background()
	att := hub.NewID()
	sub := &hub.Submission{TenantID: e.cases.TenantID, ClientID: vendor, DestinationID: e.cases.Destination.ID,
		ServiceType: hub.ServiceType{Identifier: casetest.LeikaKey, Name: "Gewerbeanmeldung"}, AnnouncedAttachments: []string{att},
		ExpiresAt: e.clock.Now().Add(time.Hour)}
	if _, err := e.cases.Store.CreateSubmission(ctx, sub, "", "h"); err != nil {
		t.Fatal(err)
	}
	if err := e.cases.Store.PutAttachment(ctx, sub.TenantID, vendor, sub.ID,
		&hub.Attachment{ID: att, Filename: "Meldebescheinigung Erika Mustermann.pdf", MimeType: "application/pdf", Size: 3, SHA256: "abc"}, []byte("pdf")); err != nil {
		t.Fatal(err)
	}
	if submit {
		now := e.clock.Now()
		if _, err := e.cases.Store.Update(ctx, sub.ID, func(s *hub.Submission) error {
			_, err := s.Submit(hub.SubmitData{Data: []byte(`{"name":"Erika Mustermann"}`), ContentType: "application/json", DataHash: "d"}, vendor, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	return sub
}

// forward relays the outbox as the relay does.
func (e *env) forward(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if err := e.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		msgs, err := sqlstore.ClaimOutbox(ctx, tx, 10)
		if err != nil {
			return err
		}
		return e.cases.Store.MarkForwarded(ctx, tx, msgs)
	}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) reply(t *testing.T, sub *hub.Submission, typ string) {
	t.Helper()
	if _, err := e.cases.Store.ApplyReply(context.Background(), pipeline.Reply{MessageID: hub.NewID(), DestinationID: sub.DestinationID,
		Type: typ, Body: hub.ReplyMessage{SubmissionID: sub.ID, Reference: "AZ-1"}}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) enqueue(t *testing.T, sub *hub.Submission) {
	t.Helper()
	if err := e.db.InTx(context.Background(), func(tx *sqlstore.Tx) error {
		return sqlstore.Enqueue(context.Background(), tx, hub.OutboxMessage{TenantID: sub.TenantID, Topic: "amthub.submissions/" + sub.DestinationID,
			Metadata: map[string]string{hub.HeaderSubmission: sub.ID}, Payload: []byte(`{"data":{"name":"Erika Mustermann"}}`),
			NotBefore: e.clock.Now().Add(time.Hour)})
	}); err != nil {
		t.Fatal(err)
	}
}

// content counts, per submission, what of its content is still stored:
// data, attachments' content, attachments' file names, outbox messages.
func (e *env) content(t *testing.T, sub *hub.Submission) int {
	t.Helper()
	return hubtest.Count(t, e.db, `SELECT count(*) FROM submissions WHERE id = $1 AND data IS NOT NULL`, sub.ID) +
		hubtest.Count(t, e.db, `SELECT count(*) FROM attachments WHERE submission_id = $1 AND content IS NOT NULL`, sub.ID) +
		hubtest.Count(t, e.db, `SELECT count(*) FROM attachments WHERE submission_id = $1 AND filename IS NOT NULL`, sub.ID) +
		hubtest.Count(t, e.db, `SELECT count(*) FROM outbox WHERE metadata ->> 'amthub:submission' = $1`, sub.ID)
}

// snapshot is what every item holds, and every table's rows.
func (e *env) snapshot(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{"decided": e.content(t, e.decided), "draft": e.content(t, e.draft), "open": e.content(t, e.open)}
	for _, table := range []string{"cases", "submissions", "attachments", "case_events", "callback_deliveries"} {
		out[table] = hubtest.Count(t, e.db, `SELECT count(*) FROM `+table)
	}
	return out
}

func (e *env) run(t *testing.T) map[privacy.Kind]int {
	t.Helper()
	res, err := e.job.RunOnceResult(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res.Deleted
}

// TestKinds checks, per data kind on both databases: nothing is deleted
// before the period ends; after it, the item's content is gone from every
// table, the job logged the count, the timeline still reads, and nothing
// else changed.
func TestKinds(t *testing.T) {
	tests := []struct {
		kind privacy.Kind
		// period set for the tenant; zero keeps the declared default.
		period time.Duration
		// until is how long after the items were made their period ends.
		until func(e *env) time.Duration
		item  func(e *env) *hub.Submission
	}{
		{privacy.SubmissionContent, 0, func(*env) time.Duration { return 7 * privacy.Day }, func(e *env) *hub.Submission { return e.decided }},
		{privacy.Drafts, 2 * time.Hour, func(*env) time.Duration { return time.Hour + 2*time.Hour }, func(e *env) *hub.Submission { return e.draft }},
	}
	for _, db := range hubtest.Databases() {
		for _, tt := range tests {
			t.Run(db.Name+"/"+string(tt.kind), func(t *testing.T) {
				ctx := context.Background()
				e := newEnv(t, db.Open(t))
				if tt.period > 0 {
					if err := e.periods.Set(ctx, e.cases.TenantID, tt.kind, tt.period, false); err != nil {
						t.Fatal(err)
					}
				}
				item := tt.item(e)
				timeline := len(e.cases.Events(t, vendor, item.CaseID))
				before := e.snapshot(t)
				if before[itemKey(e, item)] == 0 {
					t.Fatalf("the item holds no content to delete: %v", before)
				}
				e.clock.Add(tt.until(e) - time.Minute)
				if got := e.run(t); len(got) != 0 && got[tt.kind] != 0 {
					t.Fatalf("deleted before the period ended: %v", got)
				}
				if got := e.snapshot(t); !maps.Equal(got, before) {
					t.Fatalf("before the period ended: %v, want %v", got, before)
				}
				e.clock.Add(2 * time.Minute)
				if got := e.run(t); got[tt.kind] != 1 {
					t.Fatalf("deleted %v, want one %s", got, tt.kind)
				}
				after := e.snapshot(t)
				want := maps.Clone(before)
				want[itemKey(e, item)] = 0
				if !maps.Equal(after, want) {
					t.Fatalf("after the period: %v, want %v", after, want)
				}
				sub, err := e.cases.Store.FindSubmission(ctx, e.cases.TenantID, vendor, item.ID)
				if err != nil {
					t.Fatal(err)
				}
				if sub.ContentDeletedAt == nil || !sub.ContentDeletedAt.Equal(e.clock.Now()) || len(sub.Attachments) != 1 || sub.Attachments[0].Filename != "" {
					t.Fatalf("submission after deletion: deleted at %v, attachments %+v", sub.ContentDeletedAt, sub.Attachments)
				}
				if got := len(e.cases.Events(t, vendor, item.CaseID)); got != timeline {
					t.Fatalf("timeline has %d events, want %d", got, timeline)
				}
				if n := hubtest.Count(t, e.db, `SELECT count(*) FROM retention_log WHERE tenant_id = $1 AND kind = $2 AND deleted = 1`,
					e.cases.TenantID, string(tt.kind)); n != 1 {
					t.Fatalf("%d log rows, want 1", n)
				}
				if got := e.run(t); len(got) != 0 && got[tt.kind] != 0 {
					t.Fatalf("a second run deleted %v", got)
				}
			})
		}
	}
}

func itemKey(e *env, sub *hub.Submission) string {
	switch sub {
	case e.decided:
		return "decided"
	case e.draft:
		return "draft"
	}
	return "open"
}
