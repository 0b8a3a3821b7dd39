package retention_test

import (
	"context"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/audit"
	"github.com/amthub/amthub/hub/casetest"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/mailbox"
	"github.com/amthub/amthub/hub/payments"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/registers"
	"github.com/amthub/amthub/hub/retention"
	"github.com/amthub/amthub/hub/sqlstore"
)

const (
	vendor  = "vendor-a"
	citizen = "citizen-1"
)

// env is a tenant with items of every kind, all made at the clock's start,
// and the deletion job over the modules' purgers, wired as cmd/amthub does.
type env struct {
	db      *sqlstore.DB
	clock   *hubtest.Clock
	cases   *casetest.Fixture
	mailbox *mailbox.Service
	periods *retention.Periods
	job     *retention.Job
	// decided was accepted (and has a mailbox message), finished was
	// rejected, open is forwarded and waits for its answer, draft was
	// never submitted.
	decided, finished, open, draft *hub.Submission
}

func newEnv(t *testing.T, db *sqlstore.DB) *env {
	t.Helper()
	e := &env{db: db, clock: hubtest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))}
	db.Now = e.clock.Now
	e.cases = casetest.New(t, db, hubtest.MustTenant(t, db))
	var err error
	keys := mailbox.Keyring{Active: "k1", Keys: map[string][]byte{"k1": make([]byte, 32)}}
	if e.mailbox, err = mailbox.NewService(db, e.cases.Store, e.cases.Catalogue, slog.New(slog.DiscardHandler), mailbox.Config{Keys: keys}); err != nil {
		t.Fatal(err)
	}
	decls := append(pipeline.Privacy(), mailbox.Privacy()...)
	decls = append(decls, payments.Privacy()...)
	decls = append(decls, audit.Privacy()...)
	e.periods = retention.NewPeriods(db, privacy.Defaults(append(decls, registers.Privacy()...)))
	st, pay := e.cases.Store, payments.NewStore(db, e.cases.Store)
	e.job = retention.NewJob(db, e.periods, []retention.Target{
		{Kind: privacy.SubmissionContent, Purger: retention.Funcs{PurgeFunc: st.PurgeContent, DueFunc: st.DueContent}},
		{Kind: privacy.Drafts, Purger: retention.Funcs{PurgeFunc: st.PurgeDrafts, DueFunc: st.DueDrafts}},
		{Kind: privacy.MailboxMessages, Purger: retention.Funcs{PurgeFunc: e.mailbox.PurgeMessages, DueFunc: e.mailbox.DueMessages}},
		{Kind: privacy.Payments, Purger: pay},
		{Kind: privacy.RegisterAudit, Purger: registers.NewAuditLog(db)},
		{Kind: privacy.StaffAudit, Purger: audit.NewStore(db)},
		{Kind: privacy.Timeline, Purger: st.TimelinePurger(pay, e.mailbox)},
	}, slog.New(slog.DiscardHandler), nil, retention.Config{BatchSize: 2})
	e.seed(t)
	return e
}

func (e *env) seed(t *testing.T) {
	t.Helper()
	e.decided = e.submission(t, true)
	e.forward(t)
	e.reply(t, e.decided, hub.ReplyAccept)
	// A message for the decided submission still waits in the outbox (a
	// redelivery the broker has not confirmed yet).
	e.enqueue(t, e.decided)
	e.finished = e.submission(t, true)
	e.forward(t)
	e.reply(t, e.finished, hub.ReplyReject)
	e.open = e.submission(t, true)
	e.forward(t)
	e.draft = e.submission(t, false)
	e.message(t, e.decided.CaseID)
	// Payments and register audit records as their modules write them (the
	// provider and the registers are outside systems).
	for _, status := range []string{payments.StatusPayed, payments.StatusInitial} {
		e.exec(t, `INSERT INTO payments (id, tenant_id, client_id, case_id, status, amount, currency, purpose, description, items,
			return_url, request_hash, expires_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 1250, 'EUR', 'Gewerbeanmeldung', 'Erika Mustermann', '[]', 'https://vendor.example/back', 'h', $6, $6, $6)`,
			hub.NewID(), e.cases.TenantID, vendor, e.open.CaseID, status, e.clock.Now())
	}
	e.exec(t, `INSERT INTO register_audit (id, tenant_id, client_id, subject, citizen_id, register, legal_basis, purpose, case_id,
		subject_hash, outcome, duration_ms, created_at) VALUES ($1, $2, $3, $4, $4, 'population', '§ 34 BMG', 'Antrag', $5, 'hash', 'found', 12, $6)`,
		hub.NewID(), e.cases.TenantID, vendor, citizen, e.open.CaseID, e.clock.Now())
	// A staff change in the tenant, and one of the platform (kept).
	for _, tenant := range []string{e.cases.TenantID, ""} {
		if err := e.db.InTx(context.Background(), func(tx *sqlstore.Tx) error {
			return audit.Record(context.Background(), tx, audit.Entry{TenantID: tenant, ActorID: "staff-1", ActorName: "Max Muster",
				Action: "unit.updated", ResourceKind: "unit", ResourceID: "u1", After: map[string]any{"name": "Gewerbeamt"}})
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *env) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := e.db.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatal(err)
	}
}

// submission creates a submission for the citizen with one uploaded
// attachment, submitted when submit is true.
func (e *env) submission(t *testing.T, submit bool) *hub.Submission {
	t.Helper()
	ctx := context.Background()
	att := hub.NewID()
	sub := &hub.Submission{TenantID: e.cases.TenantID, ClientID: vendor, CitizenID: citizen, DestinationID: e.cases.Destination.ID,
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

// message sends the citizen a message with an attachment on a case.
func (e *env) message(t *testing.T, caseID string) {
	t.Helper()
	ctx := context.Background()
	p := &hub.Principal{TenantID: e.cases.TenantID, ClientID: vendor, Subject: citizen, Scopes: []string{hub.ScopeMailboxSend}}
	ref, err := e.mailbox.PostboxRef(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	if _, _, err := e.mailbox.Send(ctx, p, mailbox.SendRequest{PostboxRef: ref, CaseID: caseID, Sender: "Gewerbeamt", Title: "Ihr Gewerbeschein",
		Body: "Guten Tag, Frau Mustermann", BodyFormat: mailbox.FormatText, AssuranceLevel: hub.ACRNormal,
		Attachments: []mailbox.AttachmentData{{Filename: "gewerbeschein.pdf", MimeType: "application/pdf", Content: pdf}}}, ""); err != nil {
		t.Fatal(err)
	}
}

// count sums the counts of queries that take one argument.
func (e *env) count(t *testing.T, arg any, queries ...string) int {
	t.Helper()
	n := 0
	for _, q := range queries {
		if arg == nil {
			n += hubtest.Count(t, e.db, q)
		} else {
			n += hubtest.Count(t, e.db, q, arg)
		}
	}
	return n
}

// snapshot is what every item holds: for a submission its content (data,
// attachments' content and file names, outbox messages) and its case's
// rows; the mailbox's, payments' and audit's rows.
func (e *env) snapshot(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{
		"mailbox":        e.count(t, nil, `SELECT count(*) FROM mailbox_messages`, `SELECT count(*) FROM mailbox_attachments`, `SELECT count(*) FROM mailbox_blobs`),
		"payments final": e.count(t, payments.StatusPayed, `SELECT count(*) FROM payments WHERE status = $1`),
		"payments open":  e.count(t, payments.StatusInitial, `SELECT count(*) FROM payments WHERE status = $1`),
		"register audit": e.count(t, nil, `SELECT count(*) FROM register_audit`),
		"staff audit":    e.count(t, nil, `SELECT count(*) FROM audit_log WHERE tenant_id IS NOT NULL`),
		"platform audit": e.count(t, nil, `SELECT count(*) FROM audit_log WHERE tenant_id IS NULL`),
	}
	for name, sub := range map[string]*hub.Submission{"decided": e.decided, "finished": e.finished, "open": e.open, "draft": e.draft} {
		out[name+" content"] = e.count(t, sub.ID, `SELECT count(*) FROM submissions WHERE id = $1 AND data IS NOT NULL`,
			`SELECT count(*) FROM attachments WHERE submission_id = $1 AND content IS NOT NULL`,
			`SELECT count(*) FROM attachments WHERE submission_id = $1 AND filename IS NOT NULL`,
			`SELECT count(*) FROM outbox WHERE metadata ->> 'amthub:submission' = $1`)
		out[name+" case"] = e.count(t, sub.CaseID, `SELECT count(*) FROM cases WHERE id = $1`, `SELECT count(*) FROM case_events WHERE case_id = $1`,
			`SELECT count(*) FROM submissions WHERE case_id = $1`,
			`SELECT count(*) FROM attachments WHERE submission_id IN (SELECT id FROM submissions WHERE case_id = $1)`)
	}
	return out
}

func (e *env) run(t *testing.T) map[privacy.Kind]int {
	t.Helper()
	res, err := e.job.RunOnceResult(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for k, n := range res.Deleted {
		if n == 0 {
			delete(res.Deleted, k)
		}
	}
	return res.Deleted
}

// TestKinds checks, per data kind on both databases: nothing is deleted
// before the period ends; after it, the item's content is gone from every
// table, the job logged the count, the remaining timelines still read, and
// nothing else changed.
func TestKinds(t *testing.T) {
	tests := []struct {
		kind privacy.Kind
		// period set for the tenant; zero keeps the declared default.
		period time.Duration
		// until is how long after the items were made the period ends.
		until time.Duration
		// gone are the snapshot's entries that drop to zero; deleted is
		// what the job reports.
		gone    []string
		deleted int
		// contentDeleted are the submissions that report their content
		// deleted afterwards.
		contentDeleted func(e *env) []*hub.Submission
	}{
		{kind: privacy.SubmissionContent, until: 7 * privacy.Day, gone: []string{"decided content", "finished content"}, deleted: 2,
			contentDeleted: func(e *env) []*hub.Submission { return []*hub.Submission{e.decided, e.finished} }},
		{kind: privacy.Drafts, period: 2 * time.Hour, until: 3 * time.Hour, gone: []string{"draft content"}, deleted: 1,
			contentDeleted: func(e *env) []*hub.Submission { return []*hub.Submission{e.draft} }},
		{kind: privacy.MailboxMessages, period: 2 * time.Hour, until: 2 * time.Hour, gone: []string{"mailbox"}, deleted: 1},
		{kind: privacy.Payments, period: 2 * time.Hour, until: 2 * time.Hour, gone: []string{"payments final"}, deleted: 1},
		{kind: privacy.RegisterAudit, period: 2 * time.Hour, until: 2 * time.Hour, gone: []string{"register audit"}, deleted: 1},
		{kind: privacy.StaffAudit, period: 2 * time.Hour, until: 2 * time.Hour, gone: []string{"staff audit"}, deleted: 1},
		// Only the rejected case goes: the accepted one still has a mailbox
		// message, the open one a submission in flight, the draft's is open.
		{kind: privacy.Timeline, period: 2 * time.Hour, until: 2 * time.Hour, gone: []string{"finished case", "finished content"}, deleted: 1},
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
				before := e.snapshot(t)
				for _, k := range tt.gone {
					if before[k] == 0 {
						t.Fatalf("%s holds nothing to delete: %v", k, before)
					}
				}
				e.clock.Add(tt.until - time.Minute)
				if got := e.run(t); len(got) != 0 {
					t.Fatalf("deleted before the period ended: %v", got)
				}
				if got := e.snapshot(t); !maps.Equal(got, before) {
					t.Fatalf("before the period ended: %v, want %v", got, before)
				}
				e.clock.Add(2 * time.Minute)
				var deleted int
				for range 3 { // batches of 2
					deleted += e.run(t)[tt.kind]
				}
				if deleted != tt.deleted {
					t.Fatalf("deleted %d %s, want %d", deleted, tt.kind, tt.deleted)
				}
				want := maps.Clone(before)
				for _, k := range tt.gone {
					want[k] = 0
				}
				if got := e.snapshot(t); !maps.Equal(got, want) {
					t.Fatalf("after the period: %v, want %v", got, want)
				}
				if tt.contentDeleted != nil {
					for _, s := range tt.contentDeleted(e) {
						sub, err := e.cases.Store.FindSubmission(ctx, e.cases.TenantID, vendor, s.ID)
						if err != nil {
							t.Fatal(err)
						}
						if sub.ContentDeletedAt == nil || !sub.ContentDeletedAt.Equal(e.clock.Now()) || len(sub.Attachments) != 1 || sub.Attachments[0].Filename != "" {
							t.Fatalf("submission after deletion: deleted at %v, attachments %+v", sub.ContentDeletedAt, sub.Attachments)
						}
					}
				}
				for _, s := range []*hub.Submission{e.decided, e.open, e.draft} {
					if got := len(e.cases.Events(t, vendor, s.CaseID)); got == 0 || got != before[itemName(e, s)+" case"]-countCaseRows(t, e, s) {
						t.Fatalf("timeline of %s reads %d events", itemName(e, s), got)
					}
				}
				if n := hubtest.Count(t, e.db, `SELECT sum(deleted) FROM retention_log WHERE tenant_id = $1 AND kind = $2`,
					e.cases.TenantID, string(tt.kind)); n != tt.deleted {
					t.Fatalf("the log counts %d, want %d", n, tt.deleted)
				}
				if got := e.run(t); len(got) != 0 {
					t.Fatalf("a second run deleted %v", got)
				}
			})
		}
	}
}

// countCaseRows counts a case's rows other than its events.
func countCaseRows(t *testing.T, e *env, sub *hub.Submission) int {
	return e.count(t, sub.CaseID, `SELECT count(*) FROM cases WHERE id = $1`, `SELECT count(*) FROM submissions WHERE case_id = $1`,
		`SELECT count(*) FROM attachments WHERE submission_id IN (SELECT id FROM submissions WHERE case_id = $1)`)
}

func itemName(e *env, sub *hub.Submission) string {
	switch sub {
	case e.decided:
		return "decided"
	case e.finished:
		return "finished"
	case e.draft:
		return "draft"
	}
	return "open"
}
