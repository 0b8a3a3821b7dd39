package sim_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/amthub/amthub/connectors/fachverfahren"
	"github.com/amthub/amthub/connectors/fachverfahren/fvtest"
	"github.com/amthub/amthub/connectors/fachverfahren/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/pipeline"
)

// TestDeadLetterReplayed: a submission the simulator refuses as poison is
// handed back until the queue's delivery limit moves it to the
// dead-letter queue; an operator lists it through the pipeline's
// DeadLetters (tenant-checked) and replays it once the cause is gone, and
// the simulator accepts it. On RabbitMQ and on the in-process bus.
func TestDeadLetterReplayed(t *testing.T) {
	for _, be := range fvtest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			b := be.New(t)
			db := hubtest.NewSQLite(t)
			tenant, other := hubtest.MustTenant(t, db), hubtest.MustTenant(t, db)
			store := catalogue.NewStore(db)
			if err := store.CreateDestination(ctx, &hub.Destination{ID: b.DestinationID, TenantID: tenant, Name: "Gewerbeamt",
				Services: []hub.DestinationService{{LeikaKey: "99050012104000", Name: "Gewerbeanmeldung", SchemaURI: "urn:x",
					Schema: json.RawMessage(`{}`)}}}); err != nil {
				t.Fatal(err)
			}
			dlb, ok := b.Bus.(pipeline.DeadLetterBus)
			if !ok {
				t.Fatalf("%T does not serve dead letters", b.Bus)
			}
			dead := pipeline.NewDeadLetters(dlb, store, slog.New(slog.DiscardHandler), prometheus.NewRegistry())

			var poison atomic.Bool
			poison.Store(true)
			var refused atomic.Int32
			s, _ := start(t, b, sim.Config{StatusDelay: -1, Statuses: []string{}, Poison: func(*fachverfahren.Submission) bool {
				if poison.Load() {
					refused.Add(1)
					return true
				}
				return false
			}})
			sub := b.Submission(`{"name":"Erika Mustermann"}`)
			id := b.Publish(t, tenant, sub)

			var letters []hubDeadLetter
			deadline := time.Now().Add(30 * time.Second)
			for len(letters) == 0 {
				got, err := dead.List(ctx, tenant, b.DestinationID)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range got {
					letters = append(letters, hubDeadLetter{d.ID, d.Reason, d.Submission})
				}
				if time.Now().After(deadline) {
					t.Fatalf("no dead letter after 30 s (%d refusals)", refused.Load())
				}
				time.Sleep(50 * time.Millisecond)
			}
			if want := (hubDeadLetter{id, "delivery_limit", sub.SubmissionID}); len(letters) != 1 || letters[0] != want {
				t.Fatalf("dead letters = %+v, want %+v", letters, want)
			}
			if n := refused.Load(); n < 2 {
				t.Fatalf("refused %d times before dead-lettering", n)
			}
			if len(s.Applied()) != 0 {
				t.Fatalf("the simulator applied a submission it refused: %+v", s.Applied())
			}
			if _, err := dead.List(ctx, other, b.DestinationID); hub.ErrorCode(err) != hub.ENOTFOUND {
				t.Fatalf("another tenant lists the dead letters: %v", err)
			}
			if _, err := dead.Replay(ctx, other, b.DestinationID, id); hub.ErrorCode(err) != hub.ENOTFOUND {
				t.Fatalf("another tenant replays: %v", err)
			}

			poison.Store(false)
			dl, err := dead.Replay(ctx, tenant, b.DestinationID, id)
			if err != nil || dl.Submission != sub.SubmissionID {
				t.Fatalf("replay = %+v, %v", dl, err)
			}
			r := b.NextReply(t)
			if r.RoutingKey != b.DestinationID+"."+hub.ReplyAccept || r.Body.SubmissionID != sub.SubmissionID {
				t.Fatalf("reply after the replay = %s %+v, want accept of %s", r.RoutingKey, r.Body, sub.SubmissionID)
			}
			if applied := s.Applied(); len(applied) != 1 || applied[0].Decision != sim.DecisionAccepted {
				t.Fatalf("applied = %+v", applied)
			}
			if got, err := dead.List(ctx, tenant, b.DestinationID); err != nil || len(got) != 0 {
				t.Fatalf("dead letters after the replay: %+v, %v", got, err)
			}
		})
	}
}

type hubDeadLetter struct{ id, reason, submission string }
