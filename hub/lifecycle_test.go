package hub_test

import (
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
)

func TestTransition(t *testing.T) {
	states := []hub.State{hub.StateIncomplete, hub.StateSubmitted, hub.StateForwarded, hub.StateAccepted,
		hub.StateRejected, hub.StateExpired}
	legal := map[[2]hub.State]string{
		{hub.StateIncomplete, hub.StateSubmitted}: hub.EventSubmissionSubmitted,
		{hub.StateIncomplete, hub.StateExpired}:   hub.EventSubmissionExpired,
		{hub.StateSubmitted, hub.StateForwarded}:  hub.EventSubmissionForwarded,
		{hub.StateSubmitted, hub.StateAccepted}:   hub.EventSubmissionAccepted,
		{hub.StateSubmitted, hub.StateRejected}:   hub.EventSubmissionRejected,
		{hub.StateForwarded, hub.StateAccepted}:   hub.EventSubmissionAccepted,
		{hub.StateForwarded, hub.StateRejected}:   hub.EventSubmissionRejected,
	}
	at := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	for _, from := range states {
		for _, to := range append(states, hub.State("bogus")) {
			t.Run(from.String()+"To"+to.String(), func(t *testing.T) {
				sub := &hub.Submission{ID: "s", CaseID: "c", State: from}
				err := sub.Transition(to, at, "hub", nil)
				wantEvent, ok := legal[[2]hub.State{from, to}]
				if !ok {
					if got, want := hub.ErrorKind(err), "illegal_transition"; got != want {
						t.Fatalf("kind = %q, want %q (err %v)", got, want, err)
					}
					if sub.State != from || len(sub.Pending().Events) != 0 {
						t.Fatalf("an illegal move changed the submission: %s", sub.State)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				evs := sub.Pending().Events
				if sub.State != to || len(evs) != 1 || evs[0].Type != wantEvent || evs[0].CaseID != "c" {
					t.Fatalf("state %s, events %+v; want %s and one %s", sub.State, evs, to, wantEvent)
				}
			})
		}
	}
}

func TestParseState(t *testing.T) {
	for _, tc := range []struct {
		in      string
		wantErr bool
	}{{"incomplete", false}, {"accepted", false}, {"", true}, {"Accepted", true}, {"done", true}} {
		st, err := hub.ParseState(tc.in)
		if (err != nil) != tc.wantErr || err == nil && st.String() != tc.in {
			t.Errorf("ParseState(%q) = %q, %v", tc.in, st, err)
		}
	}
}

func TestDecide(t *testing.T) {
	now := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	t.Run("OvertakesForward", func(t *testing.T) {
		sub := &hub.Submission{State: hub.StateSubmitted}
		if moved, err := sub.Decide(hub.StateAccepted, "fachverfahren:d", nil, now); !moved || err != nil {
			t.Fatalf("moved %v, err %v", moved, err)
		}
		var types []string
		for _, e := range sub.Pending().Events {
			types = append(types, e.Type)
		}
		if sub.State != hub.StateAccepted || sub.Deliveries != 1 || len(types) != 2 ||
			types[0] != hub.EventSubmissionForwarded || types[1] != hub.EventSubmissionAccepted {
			t.Fatalf("state %s, deliveries %d, events %v", sub.State, sub.Deliveries, types)
		}
	})
	t.Run("LateDuplicateChangesNothing", func(t *testing.T) {
		sub := &hub.Submission{State: hub.StateRejected}
		if moved, err := sub.Decide(hub.StateAccepted, "fachverfahren:d", nil, now); moved || err != nil {
			t.Fatalf("moved %v, err %v", moved, err)
		}
		if sub.State != hub.StateRejected || len(sub.Pending().Events) != 0 {
			t.Fatalf("state %s", sub.State)
		}
	})
	t.Run("ErrNotADecision", func(t *testing.T) {
		sub := &hub.Submission{State: hub.StateSubmitted}
		if _, err := sub.Decide(hub.StateExpired, "x", nil, now); hub.ErrorCode(err) != hub.EINVALID {
			t.Fatalf("err %v", err)
		}
	})
}

func TestRedeliver(t *testing.T) {
	now := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	sub := &hub.Submission{State: hub.StateForwarded, Deliveries: 2}
	if !sub.Redeliver(3, now) || sub.Deliveries != 3 || !sub.Pending().Deliver {
		t.Fatalf("first redelivery: deliveries %d", sub.Deliveries)
	}
	if sub.Redeliver(3, now) {
		t.Fatalf("redelivered past the limit")
	}
}
