package pipeline_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/backpressure"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/pipeline"
)

// TestServiceSheds runs the service with the backpressure gate on the real
// outbox (bound: 1 waiting message): creating and submitting are refused
// while the outbox is fuller, with nothing stored, and taken again once it
// has drained.
func TestServiceSheds(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			db := d.Open(t)
			clock := hubtest.NewClock(time.Now())
			db.Now = clock.Now
			e := newEnv(t, db, "", nil)
			gate := backpressure.New(backpressure.Config{MaxOutboxRows: 1, MaxOutboxAge: -1}, db.OutboxBacklog, nil, clock.Now, nil, nil)
			var err error
			e.svc, err = pipeline.NewService(pipeline.Deps{Store: e.store, Routing: e.routes, Validator: requireName{},
				Mapper: failingMapper{}, Issuer: "http://hub.test", SecretKey: make([]byte, 32), Now: db.Now, Gate: gate},
				pipeline.Config{InsecureCallbacks: true})
			if err != nil {
				t.Fatal(err)
			}
			a, b := e.create(t), e.create(t)
			submit := func(sub *hub.Submission) error {
				_, err := e.svc.Submit(ctx, e.p, sub.ID, pipeline.SubmitRequest{Data: json.RawMessage(`{"name":"x"}`)})
				return err
			}
			if err := submit(a); err != nil {
				t.Fatal(err)
			}
			clock.Add(1100 * time.Millisecond)
			if err := submit(b); err != nil { // one message waits: at the bound, taken
				t.Fatal(err)
			}
			clock.Add(1100 * time.Millisecond)
			cases := hubtest.Count(t, db, `SELECT count(*) FROM cases`)
			_, _, err = e.svc.Create(ctx, e.p, pipeline.CreateRequest{DestinationID: e.dest.ID, ServiceType: hub.ServiceType{Identifier: leika}}, "")
			if hub.ErrorKind(err) != "overloaded" {
				t.Fatalf("create with two messages waiting: %v, want overloaded", err)
			}
			if got := hubtest.Count(t, db, `SELECT count(*) FROM cases`); got != cases {
				t.Fatalf("a refused create stored a case (%d → %d)", cases, got)
			}
			if _, err := db.ExecContext(ctx, `DELETE FROM outbox`); err != nil { // the relay caught up
				t.Fatal(err)
			}
			clock.Add(1100 * time.Millisecond)
			if _, _, err := e.svc.Create(ctx, e.p, pipeline.CreateRequest{DestinationID: e.dest.ID,
				ServiceType: hub.ServiceType{Identifier: leika}}, ""); err != nil {
				t.Fatalf("create after draining: %v", err)
			}
		})
	}
}
