package pipeline_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/sqlstore"
)

type fixture struct {
	db     *sqlstore.DB
	routes *catalogue.Store // the catalogue
	store  *pipeline.Store
	tenant string
	dest   *hub.Destination
}

func newFixture(t *testing.T, db *sqlstore.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, routes: catalogue.NewStore(db), store: pipeline.NewStore(db), tenant: hubtest.MustTenant(t, db)}
	f.dest = &hub.Destination{TenantID: f.tenant, Name: "Gewerbeamt Chemnitz", Contact: hub.Contact{Email: "gewerbe@example.org"},
		Services: []hub.DestinationService{{LeikaKey: leika, Name: "Gewerbeanmeldung", SchemaURI: "urn:test", Schema: json.RawMessage(`{}`)}}}
	if err := f.routes.CreateDestination(ctx, f.dest); err != nil {
		t.Fatal(err)
	}
	if err := f.routes.UpsertAreas(ctx, f.tenant, []hub.Area{{ARS: "145110000000", Name: "Chemnitz", Level: "gemeinde"},
		{ARS: "146120000000", Name: "Dresden", Level: "gemeinde"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.routes.AddResponsibility(ctx, f.tenant, hub.Responsibility{LeikaKey: leika, ARSPrefix: "145110000000", DestinationID: f.dest.ID}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) create(t *testing.T, client, key string, announced ...string) *hub.Submission {
	t.Helper()
	sub := &hub.Submission{TenantID: f.tenant, ClientID: client, DestinationID: f.dest.ID,
		ServiceType: hub.ServiceType{Identifier: leika, Name: "Gewerbeanmeldung"}, AnnouncedAttachments: announced,
		ExpiresAt: f.db.Now().Add(time.Hour)}
	if sub.AnnouncedAttachments == nil {
		sub.AnnouncedAttachments = []string{}
	}
	if _, err := f.store.CreateSubmission(context.Background(), sub, key, "hash-"+key); err != nil {
		t.Fatal(err)
	}
	return sub
}

// markSubmitted applies a vendor's submit through the update closure, as
// the service does.
func markSubmitted(ctx context.Context, f *fixture, clientID, id string, in hub.SubmitData) (*hub.Submission, error) {
	now := f.db.Now()
	return f.store.Update(ctx, id, func(sub *hub.Submission) error {
		if err := sub.CheckOwner(f.tenant, clientID); err != nil {
			return err
		}
		_, err := sub.Submit(in, clientID, now)
		return err
	})
}

func eventTypes(t *testing.T, f *fixture, client, caseID string) []string {
	t.Helper()
	evs, err := f.store.ListEvents(context.Background(), f.tenant, client, caseID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, e := range evs {
		if e.Seq != i+1 {
			t.Fatalf("event %d has seq %d: the timeline has a gap", i, e.Seq)
		}
		out = append(out, e.Type)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestStoreContract runs the pipeline store's cases on both databases.
func TestStoreContract(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			t.Run("CreateIdempotent", func(t *testing.T) { testCreateIdempotent(t, newFixture(t, d.Open(t))) })
			t.Run("Lifecycle", func(t *testing.T) { testLifecycle(t, newFixture(t, d.Open(t))) })
			t.Run("Expiry", func(t *testing.T) { testExpiry(t, newFixture(t, d.Open(t))) })
			t.Run("Redelivery", func(t *testing.T) { testRedelivery(t, newFixture(t, d.Open(t))) })
			t.Run("CitizenCases", func(t *testing.T) { testCitizenCases(t, newFixture(t, d.Open(t))) })
			t.Run("ForwardBatch", func(t *testing.T) { testForwardBatch(t, newFixture(t, d.Open(t))) })
			t.Run("Update", func(t *testing.T) { testUpdate(t, newFixture(t, d.Open(t))) })
			t.Run("Cases", func(t *testing.T) { testCases(t, newFixture(t, d.Open(t))) })
		})
	}
}

func testCreateIdempotent(t *testing.T, f *fixture) {
	ctx := context.Background()
	first := f.create(t, "vendor-a", "k1")
	if first.CaseNumber == "" || first.State != hub.StateIncomplete {
		t.Fatalf("created %+v", first)
	}
	again := &hub.Submission{TenantID: f.tenant, ClientID: "vendor-a", DestinationID: f.dest.ID, ServiceType: hub.ServiceType{Identifier: leika},
		AnnouncedAttachments: []string{}, ExpiresAt: f.db.Now().Add(time.Hour)}
	created, err := f.store.CreateSubmission(ctx, again, "k1", "hash-k1")
	if err != nil || created || again.ID != first.ID || again.CaseNumber != first.CaseNumber {
		t.Fatalf("replay: created=%v id=%s err=%v, want the first submission %s", created, again.ID, err, first.ID)
	}
	_, err = f.store.CreateSubmission(ctx, again, "k1", "another-hash")
	if hub.ErrorKind(err) != "idempotency_key_reused" {
		t.Fatalf("reused key with another body: %v", err)
	}
	// The same key of another client is independent.
	if other := f.create(t, "vendor-b", "k1"); other.ID == first.ID {
		t.Fatal("idempotency keys leak between clients")
	}
	if _, err := f.store.FindSubmission(ctx, f.tenant, "vendor-b", first.ID); hub.ErrorCode(err) != hub.ENOTFOUND {
		t.Fatalf("another vendor's submission visible: %v", err)
	}
	if got := eventTypes(t, f, "vendor-a", first.CaseID); !equal(got, []string{hub.EventSubmissionCreated}) {
		t.Fatalf("events = %v", got)
	}
}

func testLifecycle(t *testing.T, f *fixture) {
	ctx := context.Background()
	att := hub.NewID()
	sub := f.create(t, "vendor-a", "k", att)
	in := hub.SubmitData{Data: []byte(`{"a":1}`), ContentType: "application/json", DataHash: "d1"}
	if _, err := markSubmitted(ctx, f, "vendor-a", sub.ID, in); hub.ErrorKind(err) != "attachments_missing" {
		t.Fatalf("submit without attachment: %v", err)
	}
	if err := f.store.PutAttachment(ctx, f.tenant, "vendor-a", sub.ID, &hub.Attachment{ID: hub.NewID(), MimeType: "application/pdf", Size: 1, SHA256: "x"}, []byte("x")); hub.ErrorKind(err) != "attachment_not_announced" {
		t.Fatalf("unannounced attachment: %v", err)
	}
	if err := f.store.PutAttachment(ctx, f.tenant, "vendor-b", sub.ID, &hub.Attachment{ID: att, MimeType: "application/pdf", Size: 1, SHA256: "x"}, []byte("x")); hub.ErrorCode(err) != hub.ENOTFOUND {
		t.Fatalf("another vendor uploaded: %v", err)
	}
	if err := f.store.PutAttachment(ctx, f.tenant, "vendor-a", sub.ID, &hub.Attachment{ID: att, Filename: "a.pdf", MimeType: "application/pdf", Size: 3, SHA256: "abc"}, []byte("pdf")); err != nil {
		t.Fatal(err)
	}
	if _, err := markSubmitted(ctx, f, "vendor-a", sub.ID, in); err != nil {
		t.Fatal(err)
	}
	if _, err := markSubmitted(ctx, f, "vendor-a", sub.ID, in); err != nil {
		t.Fatalf("the same submit again: %v", err)
	}
	if _, err := markSubmitted(ctx, f, "vendor-a", sub.ID, hub.SubmitData{Data: []byte(`{}`), ContentType: "application/json", DataHash: "d2"}); hub.ErrorKind(err) != "submission_not_incomplete" {
		t.Fatalf("a different submit after submitting: %v", err)
	}
	// Exactly one message waits in the outbox, with the attachment inline.
	var msgs []hub.OutboxMessage
	if err := f.db.InTx(ctx, func(tx *sqlstore.Tx) (err error) {
		if msgs, err = sqlstore.ClaimOutbox(ctx, tx, 10); err != nil {
			return err
		}
		return f.store.MarkForwarded(ctx, tx, msgs)
	}); err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Metadata[hub.HeaderSubmission] != sub.ID || msgs[0].Topic != "amthub.submissions/"+f.dest.ID {
		t.Fatalf("outbox = %+v", msgs)
	}
	var body hub.SubmissionMessage
	if err := json.Unmarshal(msgs[0].Payload, &body); err != nil {
		t.Fatal(err)
	}
	if body.CaseNumber != sub.CaseNumber || string(body.Data) != `{"a":1}` || len(body.Attachments) != 1 || string(body.Attachments[0].Content) != "pdf" {
		t.Fatalf("message body = %+v", body)
	}
	reply := pipeline.Reply{MessageID: hub.NewID(), DestinationID: f.dest.ID, Type: hub.ReplyAccept, Body: hub.ReplyMessage{SubmissionID: sub.ID, Reference: "AZ-1"}}
	for i, want := range []bool{true, false} {
		applied, err := f.store.ApplyReply(ctx, reply)
		if err != nil || applied != want {
			t.Fatalf("reply delivery %d: applied=%v err=%v", i+1, applied, err)
		}
	}
	foreign := reply
	foreign.MessageID, foreign.DestinationID = hub.NewID(), hub.NewID()
	if _, err := f.store.ApplyReply(ctx, foreign); hub.ErrorCode(err) != hub.ENOTFOUND {
		t.Fatalf("a reply from another destination was applied: %v", err)
	}
	status := pipeline.Reply{MessageID: hub.NewID(), DestinationID: f.dest.ID, Type: hub.ReplyStatus, Body: hub.ReplyMessage{SubmissionID: sub.ID, Status: hub.StatusCompleted}}
	if _, err := f.store.ApplyReply(ctx, status); err != nil {
		t.Fatal(err)
	}
	want := []string{hub.EventSubmissionCreated, hub.EventSubmissionSubmitted, hub.EventSubmissionForwarded, hub.EventSubmissionAccepted, "status.completed"}
	if got := eventTypes(t, f, "vendor-a", sub.CaseID); !equal(got, want) {
		t.Fatalf("timeline = %v, want %v", got, want)
	}
	got, _ := f.store.FindSubmission(ctx, f.tenant, "vendor-a", sub.ID)
	if got.State != hub.StateAccepted {
		t.Fatalf("state = %s", got.State)
	}
	if _, err := f.store.ListEvents(ctx, f.tenant, "vendor-b", sub.CaseID, 0, 10); hub.ErrorCode(err) != hub.ENOTFOUND {
		t.Fatalf("another vendor read the timeline: %v", err)
	}
}

func testExpiry(t *testing.T, f *fixture) {
	ctx := context.Background()
	att := hub.NewID()
	sub := f.create(t, "vendor-a", "k", att)
	f.db.Now = func() time.Time { return time.Now().UTC().Add(2 * time.Hour) }
	err := f.store.PutAttachment(ctx, f.tenant, "vendor-a", sub.ID, &hub.Attachment{ID: att, MimeType: "text/plain", Size: 1, SHA256: "x"}, []byte("x"))
	if hub.ErrorCode(err) != hub.EGONE {
		t.Fatalf("upload after expiry: %v", err)
	}
	if n, err := f.store.ExpireDue(ctx, 10); err != nil || n != 1 {
		t.Fatalf("expired %d, %v", n, err)
	}
	if n, _ := f.store.ExpireDue(ctx, 10); n != 0 {
		t.Fatalf("expired again: %d", n)
	}
	if got := eventTypes(t, f, "vendor-a", sub.CaseID); !equal(got, []string{hub.EventSubmissionCreated, hub.EventSubmissionExpired}) {
		t.Fatalf("timeline = %v", got)
	}
}

func testRedelivery(t *testing.T, f *fixture) {
	ctx := context.Background()
	sub := f.create(t, "vendor-a", "k")
	if _, err := markSubmitted(ctx, f, "vendor-a", sub.ID, hub.SubmitData{Data: []byte(`{}`), ContentType: "application/json", DataHash: "h"}); err != nil {
		t.Fatal(err)
	}
	relay := func() int {
		var n int
		if err := f.db.InTx(ctx, func(tx *sqlstore.Tx) error {
			msgs, err := sqlstore.ClaimOutbox(ctx, tx, 10)
			if err != nil {
				return err
			}
			n = len(msgs)
			ids := []string{}
			for _, m := range msgs {
				ids = append(ids, m.ID)
			}
			if err := f.store.MarkForwarded(ctx, tx, msgs); err != nil {
				return err
			}
			return sqlstore.DeleteOutbox(ctx, tx, ids...)
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if relay() != 1 {
		t.Fatal("submission not relayed")
	}
	if n, _ := f.store.RedeliverDue(ctx, f.db.Now().Add(-time.Minute), 3, 10); n != 0 {
		t.Fatal("redelivered before the receipt timeout")
	}
	if n, err := f.store.RedeliverDue(ctx, f.db.Now().Add(time.Minute), 3, 10); err != nil || n != 1 {
		t.Fatalf("redelivered %d, %v", n, err)
	}
	if relay() != 1 {
		t.Fatal("redelivery not in the outbox")
	}
	want := []string{hub.EventSubmissionCreated, hub.EventSubmissionSubmitted, hub.EventSubmissionForwarded, hub.EventSubmissionRedelivered}
	if got := eventTypes(t, f, "vendor-a", sub.CaseID); !equal(got, want) {
		t.Fatalf("timeline = %v, want %v", got, want)
	}
	// The delivery limit stops redelivery.
	for i := 0; i < 5; i++ {
		_, _ = f.store.RedeliverDue(ctx, f.db.Now().Add(time.Minute), 3, 10)
	}
	var deliveries int
	if err := f.db.QueryRowContext(ctx, `SELECT deliveries FROM submissions WHERE id = $1`, sub.ID).Scan(&deliveries); err != nil || deliveries != 3 {
		t.Fatalf("deliveries = %d, %v; want the cap of 3", deliveries, err)
	}
}

func testCitizenCases(t *testing.T, f *fixture) {
	ctx := context.Background()
	sub := &hub.Submission{TenantID: f.tenant, ClientID: "vendor-a", CitizenID: "citizen-1", DestinationID: f.dest.ID,
		ServiceType: hub.ServiceType{Identifier: leika, Name: "Gewerbeanmeldung"}, AnnouncedAttachments: []string{},
		ExpiresAt: f.db.Now().Add(time.Hour)}
	if _, err := f.store.CreateSubmission(ctx, sub, "", "h"); err != nil {
		t.Fatal(err)
	}
	f.create(t, "vendor-a", "machine") // no citizen: not listed
	cases, err := f.store.ListCitizenCases(ctx, f.tenant, "citizen-1")
	if err != nil || len(cases) != 1 || cases[0].CaseNumber != sub.CaseNumber || cases[0].DestinationID != f.dest.ID || cases[0].State != hub.StateIncomplete {
		t.Fatalf("cases = %+v, %v", cases, err)
	}
	if other, _ := f.store.ListCitizenCases(ctx, f.tenant, "citizen-2"); len(other) != 0 {
		t.Fatalf("another citizen sees %d cases", len(other))
	}
	if evs, err := f.store.ListCaseEventsForCitizen(ctx, f.tenant, "citizen-1", sub.CaseID); err != nil || len(evs) != 1 {
		t.Fatalf("events = %v, %v", evs, err)
	}
	if _, err := f.store.ListCaseEventsForCitizen(ctx, f.tenant, "citizen-2", sub.CaseID); hub.ErrorCode(err) != hub.ENOTFOUND {
		t.Fatalf("another citizen read the timeline: %v", err)
	}
}

// testForwardBatch marks a whole relay batch forwarded at once: each
// submission still submitted gets its event, numbered after its case's
// last one, and a callback delivery where its vendor has a callback; one
// whose decision came first, and messages of no submission, are left alone.
func testForwardBatch(t *testing.T, f *fixture) {
	ctx := context.Background()
	if err := f.store.PutCallback(ctx, &pipeline.Callback{TenantID: f.tenant, ClientID: "vendor-cb", URL: "https://vendor.example/cb", SealedSecret: []byte("s")}); err != nil {
		t.Fatal(err)
	}
	in := hub.SubmitData{Data: []byte(`{}`), ContentType: "application/json", DataHash: "d"}
	var subs []*hub.Submission
	for i := range 6 {
		client := "vendor-a"
		if i%2 == 1 {
			client = "vendor-cb"
		}
		sub := f.create(t, client, hub.NewID())
		if _, err := markSubmitted(ctx, f, client, sub.ID, in); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	early := subs[0] // its acceptance overtakes the broker confirm
	if _, err := f.store.ApplyReply(ctx, pipeline.Reply{MessageID: hub.NewID(), DestinationID: f.dest.ID, Type: hub.ReplyAccept,
		Body: hub.ReplyMessage{SubmissionID: early.ID}}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		return sqlstore.Enqueue(ctx, tx, hub.OutboxMessage{TenantID: f.tenant, Topic: "amthub.payments/x", Payload: []byte("{}")})
	}); err != nil {
		t.Fatal(err)
	}
	var msgs []hub.OutboxMessage
	if err := f.db.InTx(ctx, func(tx *sqlstore.Tx) (err error) {
		if msgs, err = sqlstore.ClaimOutbox(ctx, tx, 100); err != nil {
			return err
		}
		return f.store.MarkForwarded(ctx, tx, msgs)
	}); err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 7 {
		t.Fatalf("claimed %d messages, want 7", len(msgs))
	}
	for _, sub := range subs {
		want := []string{hub.EventSubmissionCreated, hub.EventSubmissionSubmitted, hub.EventSubmissionForwarded}
		wantState := hub.StateForwarded
		if sub == early {
			want = append(want, hub.EventSubmissionAccepted)
			wantState = hub.StateAccepted
		}
		if got := eventTypes(t, f, sub.ClientID, sub.CaseID); !equal(got, want) {
			t.Errorf("timeline of %s = %v, want %v", sub.ID, got, want)
		}
		got, err := f.store.FindSubmission(ctx, f.tenant, sub.ClientID, sub.ID)
		if err != nil || got.State != wantState || got.Deliveries != 1 {
			t.Errorf("submission %s: state %s, deliveries %d, err %v; want %s, 1", sub.ID, got.State, got.Deliveries, err, wantState)
		}
	}
	// vendor-cb's three cases have three events each, all queued once.
	var queued, distinct int
	if err := f.db.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT event_id) FROM callback_deliveries WHERE client_id = 'vendor-cb'`).
		Scan(&queued, &distinct); err != nil {
		t.Fatal(err)
	}
	if queued != 9 || distinct != 9 {
		t.Fatalf("callback deliveries of vendor-cb: %d (%d distinct events), want 9", queued, distinct)
	}
	var others int
	if err := f.db.QueryRowContext(ctx, `SELECT count(*) FROM callback_deliveries WHERE client_id <> 'vendor-cb'`).Scan(&others); err != nil || others != 0 {
		t.Fatalf("callback deliveries for vendors without a callback: %d (%v)", others, err)
	}
}

// testUpdate checks the update closure: what the rule decided is
// persisted with its events, and a rule's error changes nothing.
func testUpdate(t *testing.T, f *fixture) {
	ctx := context.Background()
	sub := f.create(t, "vendor-a", "")
	t.Run("ErrRuleRollsBack", func(t *testing.T) {
		_, err := f.store.Update(ctx, sub.ID, func(s *hub.Submission) error {
			if _, err := s.Submit(hub.SubmitData{Data: []byte(`{}`), ContentType: "application/json", DataHash: "h"}, "vendor-a", f.db.Now()); err != nil {
				return err
			}
			return s.Transition(hub.StateExpired, f.db.Now(), "hub", nil) // submitted cannot expire
		})
		if got, want := hub.ErrorKind(err), "illegal_transition"; got != want {
			t.Fatalf("kind = %q, want %q (err %v)", got, want, err)
		}
		got, _ := f.store.FindSubmission(ctx, f.tenant, "vendor-a", sub.ID)
		if got.State != hub.StateIncomplete || !equal(eventTypes(t, f, "vendor-a", sub.CaseID), []string{hub.EventSubmissionCreated}) {
			t.Fatalf("a failed rule left state %s", got.State)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := f.store.Update(ctx, hub.NewID(), func(*hub.Submission) error { return nil })
		if hub.ErrorCode(err) != hub.ENOTFOUND {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		now := f.db.Now()
		if _, err := f.store.Update(ctx, sub.ID, func(s *hub.Submission) error {
			_, err := s.Submit(hub.SubmitData{Data: []byte(`{"a":1}`), ContentType: "application/json", DataHash: "h"}, "vendor-a", now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		got, err := f.store.FindSubmission(ctx, f.tenant, "vendor-a", sub.ID)
		if err != nil || got.State != hub.StateSubmitted || got.SubmittedAt == nil || got.DataHash != "h" {
			t.Fatalf("got %+v, %v", got, err)
		}
		if n := hubtest.Count(t, f.db, `SELECT count(*) FROM outbox WHERE tenant_id = $1`, f.tenant); n != 1 {
			t.Fatalf("%d outbox messages, want 1", n)
		}
	})
}

// testCases checks what other modules read of cases.
func testCases(t *testing.T, f *fixture) {
	ctx := context.Background()
	sub := &hub.Submission{TenantID: f.tenant, ClientID: "vendor-a", CitizenID: "citizen-1", DestinationID: f.dest.ID,
		ServiceType: hub.ServiceType{Identifier: leika, Name: "Gewerbeanmeldung"}, AnnouncedAttachments: []string{},
		ExpiresAt: f.db.Now().Add(time.Hour)}
	if _, err := f.store.CreateSubmission(ctx, sub, "", "h"); err != nil {
		t.Fatal(err)
	}
	c, err := f.store.FindCase(ctx, f.db, sub.CaseID)
	if err != nil || c.Number != sub.CaseNumber || c.CitizenID != "citizen-1" || c.DestinationID != f.dest.ID || c.ClientID != "vendor-a" {
		t.Fatalf("FindCase = %+v, %v", c, err)
	}
	tests := []struct{ name, tenant, client, id string }{
		{"ErrOtherClient", f.tenant, "vendor-b", sub.CaseID},
		{"ErrOtherTenant", hub.NewID(), "vendor-a", sub.CaseID},
		{"ErrUnknown", f.tenant, "vendor-a", hub.NewID()},
		{"ErrNotAnID", f.tenant, "vendor-a", "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.store.FindOwnedCase(ctx, f.db, tc.tenant, tc.client, tc.id, "caseId"); hub.ErrorKind(err) != "case_not_found" {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if ids, err := f.store.CitizenCaseIDs(ctx, f.db, f.tenant, "citizen-1"); err != nil || len(ids) != 1 || ids[0] != sub.CaseID {
		t.Fatalf("CitizenCaseIDs = %v, %v", ids, err)
	}
	if err := f.db.InTx(ctx, func(tx *sqlstore.Tx) error { return f.store.UnlinkCitizen(ctx, tx, f.tenant, "citizen-1") }); err != nil {
		t.Fatal(err)
	}
	if ids, _ := f.store.CitizenCaseIDs(ctx, f.db, f.tenant, "citizen-1"); len(ids) != 0 {
		t.Fatalf("unlinked cases still listed: %v", ids)
	}
}
