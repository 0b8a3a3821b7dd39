package postfach_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/postfach"
	"github.com/amthub/amthub/connectors/postfach/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/casetest"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/mailbox"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/sqlstore"
)

// receiptsEnv is a mailbox whose citizen-1 reads messages in a simulated
// external postbox reached over HTTP, checked after 1 min, then every
// 5 min, for at most an hour.
type receiptsEnv struct {
	db     *sqlstore.DB
	clock  *hubtest.Clock
	cases  *casetest.Fixture
	box    *sim.Sim
	boxURL string
	svc    *mailbox.Service
	vendor *hub.Principal
	ref    string
}

func newReceiptsEnv(t *testing.T, db *sqlstore.DB) *receiptsEnv {
	t.Helper()
	e := &receiptsEnv{db: db, clock: hubtest.NewClock(time.Now().UTC().Truncate(time.Second))}
	db.Now = e.clock.Now
	e.cases = casetest.New(t, db, hubtest.MustTenant(t, db))
	e.box = sim.New(sim.Config{Token: "secret"})
	srv := httptest.NewServer(e.box)
	t.Cleanup(srv.Close)
	e.boxURL = srv.URL
	adapter, err := postfach.NewClient(postfach.Config{BaseURL: srv.URL, Token: "secret"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.svc, err = mailbox.NewService(db, e.cases.Store, e.cases.Catalogue, slog.New(slog.DiscardHandler), mailbox.Config{External: adapter,
		Keys: mailbox.Keyring{Active: "k1", Keys: map[string][]byte{"k1": bytes.Repeat([]byte{1}, 32)}}, ReadChecks: []time.Duration{time.Minute, 5 * time.Minute}, ReadCutoff: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e.box.AddMailbox("mb-1")
	if err := e.svc.LinkExternal(ctx, e.cases.TenantID, "citizen-1", "mb-1"); err != nil {
		t.Fatal(err)
	}
	// The vendor has a callback: every timeline event queues a delivery.
	if err := e.cases.Store.PutCallback(ctx, &pipeline.Callback{TenantID: e.cases.TenantID, ClientID: "vendor-a",
		URL: "https://vendor.example/hook", SealedSecret: []byte("sealed")}); err != nil {
		t.Fatal(err)
	}
	e.vendor = &hub.Principal{TenantID: e.cases.TenantID, ClientID: "vendor-a", Subject: "citizen-1", Scopes: []string{hub.ScopeMailboxSend}}
	if e.ref, err = e.svc.PostboxRef(ctx, e.vendor); err != nil {
		t.Fatal(err)
	}
	return e
}

// receiptMessage is a message about a case, with one attachment.
func receiptMessage(ref, caseID string) mailbox.SendRequest {
	return mailbox.SendRequest{PostboxRef: ref, CaseID: caseID, Sender: "Gewerbeamt Chemnitz", Title: "Ihr Gewerbeschein",
		Body: "Guten Tag,\n\nanbei Ihr **Gewerbeschein**.", BodyFormat: mailbox.FormatMarkdown, ReplyAllowed: true,
		AssuranceLevel: hub.ACRSubstantial,
		Attachments:    []mailbox.AttachmentData{{Filename: "gewerbeschein.pdf", MimeType: "application/pdf", Content: pdf}}}
}

// send delivers a message about a new case to the external postbox.
func (e *receiptsEnv) send(t *testing.T) (m *mailbox.Message, caseID string) {
	t.Helper()
	c := e.cases.Case(t, "vendor-a", "citizen-1")
	m, _, err := e.svc.Send(context.Background(), e.vendor, receiptMessage(e.ref, c.CaseID), "")
	if err != nil || m.Status != mailbox.StatusDelivered || m.Channel != mailbox.ChannelExternal || m.ExternalID == "" {
		t.Fatalf("send: %+v %v", m, err)
	}
	return m, c.CaseID
}

// readInPostbox opens the message in the postbox, as the citizen would,
// through the simulator's HTTP endpoint.
func (e *receiptsEnv) readInPostbox(t *testing.T, externalID string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.boxURL+postfach.MessagesPath+"/"+externalID+"/read", nil)
	req.Header.Set("Authorization", "Bearer secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("mark read in the postbox: %d", resp.StatusCode)
	}
}

// check runs one round of read checks and wants n messages asked about.
func (e *receiptsEnv) check(t *testing.T, n int) {
	t.Helper()
	got, err := e.svc.CheckReadOnce(context.Background(), 10)
	if err != nil || got != n {
		t.Fatalf("checked %d messages (err %v), want %d", got, err, n)
	}
}

func (e *receiptsEnv) status(t *testing.T, id string) *mailbox.Message {
	t.Helper()
	m, err := e.svc.Get(context.Background(), e.vendor, id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// reads counts mailbox.read on a case's timeline and the callbacks queued
// for them.
func (e *receiptsEnv) reads(t *testing.T, caseID string) (events, callbacks int) {
	t.Helper()
	for _, ev := range e.cases.Events(t, "vendor-a", caseID) {
		if ev.Type == mailbox.EventRead {
			events++
		}
	}
	if err := e.db.QueryRowContext(context.Background(), `SELECT count(*) FROM callback_deliveries d
		JOIN case_events ev ON ev.id = d.event_id WHERE ev.case_id = $1 AND ev.type = $2`,
		caseID, mailbox.EventRead).Scan(&callbacks); err != nil {
		t.Fatal(err)
	}
	return events, callbacks
}

func TestExternalReadReceipts(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			e := newReceiptsEnv(t, d.Open(t))
			t.Run("ReadOnSchedule", func(t *testing.T) {
				m, caseID := e.send(t)
				e.check(t, 0) // not due before a minute
				e.clock.Add(61 * time.Second)
				e.check(t, 1) // unread yet
				if got := e.status(t, m.ID); got.Status != mailbox.StatusDelivered || got.ReadAt != nil {
					t.Fatalf("unread message is %s", got.Status)
				}
				e.readInPostbox(t, m.ExternalID)
				e.check(t, 0) // the next check is 5 min later
				e.clock.Add(5 * time.Minute)
				e.check(t, 1)
				got := e.status(t, m.ID)
				if got.Status != mailbox.StatusRead || got.ReadAt == nil || got.ReadAt.After(e.clock.Now()) {
					t.Fatalf("read message: %+v", got)
				}
				if events, callbacks := e.reads(t, caseID); events != 1 || callbacks != 1 {
					t.Errorf("%d mailbox.read events and %d callbacks, want 1 each", events, callbacks)
				}
				want := []string{hub.EventSubmissionCreated, mailbox.EventDelivered, mailbox.EventRead}
				if types := e.cases.EventTypes(t, "vendor-a", caseID); !slices.Equal(types, want) {
					t.Errorf("timeline %v, want %v", types, want)
				}
				e.clock.Add(time.Hour)
				e.check(t, 0) // no checks after reading
			})
			t.Run("OnceWithConcurrentCheckers", func(t *testing.T) {
				m, caseID := e.send(t)
				e.readInPostbox(t, m.ExternalID)
				e.clock.Add(61 * time.Second)
				var checked atomic.Int64
				var wg sync.WaitGroup
				for range 4 {
					wg.Go(func() {
						n, err := e.svc.CheckReadOnce(context.Background(), 10)
						if err != nil {
							t.Error(err)
						}
						checked.Add(int64(n))
					})
				}
				wg.Wait()
				if events, callbacks := e.reads(t, caseID); checked.Load() != 1 || events != 1 || callbacks != 1 {
					t.Errorf("checked %d times, %d events, %d callbacks; want 1 each", checked.Load(), events, callbacks)
				}
			})
			t.Run("RetriedWhilePostboxDown", func(t *testing.T) {
				m, caseID := e.send(t)
				e.readInPostbox(t, m.ExternalID)
				e.box.SetDown(true)
				e.clock.Add(61 * time.Second)
				e.check(t, 1)
				e.box.SetDown(false)
				if got := e.status(t, m.ID); got.Status != mailbox.StatusDelivered {
					t.Fatalf("status %s while the postbox is down", got.Status)
				}
				e.clock.Add(5 * time.Minute)
				e.check(t, 1)
				if events, _ := e.reads(t, caseID); events != 1 || e.status(t, m.ID).Status != mailbox.StatusRead {
					t.Errorf("%d read events after the postbox came back", events)
				}
			})
			t.Run("StopsAtCutoff", func(t *testing.T) {
				m, caseID := e.send(t)
				e.clock.Add(30 * time.Minute) // the poller was away: one check, then on schedule
				e.check(t, 1)
				e.check(t, 0)
				e.clock.Add(31 * time.Minute) // past the hour
				e.check(t, 1)
				e.readInPostbox(t, m.ExternalID) // too late: nobody asks any more
				e.clock.Add(24 * time.Hour)
				e.check(t, 0)
				if events, _ := e.reads(t, caseID); events != 0 || e.status(t, m.ID).Status != mailbox.StatusDelivered {
					t.Errorf("a message read after the cut-off was recorded read")
				}
			})
			t.Run("OpenedInHubFirst", func(t *testing.T) {
				// The citizen opened it through the hub (e.g. the portal):
				// the postbox is not asked, and reading is recorded once.
				m, caseID := e.send(t)
				citizen := &hub.Principal{TenantID: e.cases.TenantID, ClientID: "portal", Subject: "citizen-1", ACR: hub.ACRHigh}
				if _, err := e.svc.Open(context.Background(), citizen, m.ID); err != nil {
					t.Fatal(err)
				}
				e.readInPostbox(t, m.ExternalID)
				e.clock.Add(61 * time.Second)
				e.check(t, 0)
				if events, _ := e.reads(t, caseID); events != 1 {
					t.Errorf("%d read events, want 1", events)
				}
			})
			t.Run("UnknownToPostboxStops", func(t *testing.T) {
				m, _ := e.send(t)
				if _, err := e.db.ExecContext(context.Background(), `UPDATE mailbox_messages SET external_id = 'gone' WHERE id = $1`, m.ID); err != nil {
					t.Fatal(err)
				}
				e.clock.Add(61 * time.Second)
				e.check(t, 1)
				e.clock.Add(10 * time.Minute)
				e.check(t, 0)
			})
		})
	}
}
