package pipeline_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/pipeline"
)

// fcCallback is a FIT-Connect callback as its receiver saw it.
type fcCallback struct {
	Path          string
	Type          string   `json:"type"`
	SubmissionIDs []string `json:"submissionIds"`
	Submissions   []struct {
		DestinationID, SubmissionID, CaseID string
	} `json:"submissions"`
}

// TestFITConnectCallbacks: a destination's FIT-Connect callback learns of
// a submission ready for pickup, the sender's of its accept, each signed
// with the secret its owner chose and in FIT-Connect's payload; the
// timeline's other events reach neither.
func TestFITConnectCallbacks(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			db := d.Open(t)
			e := &env{db: db, store: pipeline.NewStore(db), routes: catalogue.NewStore(db)}
			tenant := hubtest.MustTenant(t, db)
			e.p = &hub.Principal{TenantID: tenant, ClientID: "fc-sender", Subject: "fc-sender"}
			e.dest = &hub.Destination{TenantID: tenant, Name: "Amt", Pickup: true, Services: []hub.DestinationService{
				{LeikaKey: leika, Name: "Dienst", SchemaURI: "urn:x", Schema: json.RawMessage(`{}`)}}}
			if err := e.routes.CreateDestination(ctx, e.dest); err != nil {
				t.Fatal(err)
			}
			var err error
			if e.svc, err = pipeline.NewService(pipeline.Deps{Store: e.store, Routing: e.routes, Validator: requireName{},
				Issuer: "http://hub.test", SecretKey: make([]byte, 32), Now: db.Now}, pipeline.Config{InsecureCallbacks: true}); err != nil {
				t.Fatal(err)
			}
			secrets := map[string]string{"/sender": "sender-secret-0123456789-0123456789", "/dest": "destination-secret-0123456789-0123"}
			var mu sync.Mutex
			var got []fcCallback
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if err := hub.VerifyCallback([]byte(secrets[r.URL.Path]), r.Header.Get("Callback-Timestamp"),
					r.Header.Get("Callback-Authentication"), body, time.Now()); err != nil {
					t.Errorf("callback to %s: %v", r.URL.Path, err)
				}
				cb := fcCallback{Path: r.URL.Path}
				if err := json.Unmarshal(body, &cb); err != nil {
					t.Errorf("callback body %s: %v", body, err)
				}
				mu.Lock()
				got = append(got, cb)
				mu.Unlock()
			}))
			defer srv.Close()
			if err := e.svc.PutFITConnectCallback(ctx, e.p, "", srv.URL+"/sender", "short"); hub.ErrorCode(err) != hub.EINVALID {
				t.Fatalf("a 5-character secret was taken: %v", err)
			}
			if err := e.svc.PutFITConnectCallback(ctx, e.p, "", srv.URL+"/sender", secrets["/sender"]); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.PutFITConnectCallback(ctx, e.p, e.dest.ID, srv.URL+"/dest", secrets["/dest"]); err != nil {
				t.Fatal(err)
			}
			d := pipeline.NewDispatcher(e.svc, slog.New(slog.DiscardHandler), nil)
			sub := e.create(t)
			if _, err := e.svc.Submit(ctx, e.p, sub.ID, pipeline.SubmitRequest{Data: json.RawMessage(`{"name":"x"}`)}); err != nil {
				t.Fatal(err)
			}
			if n := d.RunOnce(ctx); n != 1 {
				t.Fatalf("dispatched %d after create and submit, want 1 (the destination's new-submissions)", n)
			}
			if _, err := e.store.Update(ctx, sub.ID, func(s *hub.Submission) error {
				return s.ApplyReply(hub.Reply{MessageID: "m1", DestinationID: e.dest.ID, Type: hub.ReplyAccept, Time: db.Now()}, db.Now())
			}); err != nil {
				t.Fatal(err)
			}
			if n := d.RunOnce(ctx); n != 1 {
				t.Fatalf("dispatched %d after accept, want 1 (the sender's new-events)", n)
			}
			mu.Lock()
			defer mu.Unlock()
			want := []struct{ path, typ string }{{"/dest", pipeline.FITConnectNewSubmissions}, {"/sender", pipeline.FITConnectNewEvents}}
			if len(got) != len(want) {
				t.Fatalf("callbacks = %+v", got)
			}
			for i, w := range want {
				c := got[i]
				if c.Path != w.path || c.Type != w.typ || len(c.SubmissionIDs) != 1 || c.SubmissionIDs[0] != sub.ID || len(c.Submissions) != 1 ||
					c.Submissions[0].SubmissionID != sub.ID || c.Submissions[0].CaseID != sub.CaseID || c.Submissions[0].DestinationID != e.dest.ID {
					t.Errorf("callback %d = %+v, want %s to %s about %s", i, c, w.typ, w.path, sub.ID)
				}
			}
		})
	}
}
