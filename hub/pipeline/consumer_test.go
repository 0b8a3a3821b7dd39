package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/pipeline"
)

// TestReplyConsumerMailbox sends a Fachverfahren's mailbox reply through
// the bus: it lands on the timeline once and is handed to the mailbox; a
// failed hand-over is retried by redelivery without a second event.
func TestReplyConsumerMailbox(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := hubtest.NewSQLite(t)
	e := newEnv(t, db, "", nil)
	sub := e.create(t)
	if _, err := e.store.Update(ctx, sub.ID, func(s *hub.Submission) error {
		_, err := s.Submit(hub.SubmitData{Data: []byte(`{}`), ContentType: "application/json", DataHash: "h"}, e.p.ClientID, db.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	b := bus.NewLocal(watermill.NopLogger{})
	defer b.Close()
	c := pipeline.NewReplyConsumer(e.store, b, slog.New(slog.DiscardHandler), nil, 1)
	var mu sync.Mutex
	calls := 0
	got := make(chan hub.MailboxReply, 4)
	c.DeliverMailbox(func(_ context.Context, msgID, destID, caseID string, m hub.MailboxReply) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			return errors.New("mailbox database busy") // first hand-over fails
		}
		if destID != e.dest.ID || caseID != sub.CaseID {
			t.Errorf("delivered for %s/%s", destID, caseID)
		}
		got <- m
		return nil
	})
	go c.Run(ctx)
	time.Sleep(100 * time.Millisecond) // let the consumer subscribe
	body, _ := json.Marshal(hub.ReplyMessage{SubmissionID: sub.ID, CaseID: sub.CaseID,
		Mailbox: &hub.MailboxReply{Title: "Ihre Gewerbeanmeldung", Body: "Bitte reichen Sie den Ausweis nach."}})
	msg := message.NewMessage(hub.NewID(), body)
	if err := b.Publish(bus.Topic(bus.RepliesExchange, e.dest.ID+"."+hub.ReplyMailbox), msg); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m.Title != "Ihre Gewerbeanmeldung" {
			t.Fatalf("delivered %+v", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the mailbox reply was not delivered after a retry")
	}
	evs, err := e.store.ListEvents(ctx, e.p.TenantID, e.p.ClientID, sub.CaseID, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Type == hub.EventMailboxReceived {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d mailbox.received events, want 1 (timeline %v)", n, evs)
	}
}
