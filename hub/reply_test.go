package hub_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
)

var t0 = time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)

// report is a status report in a test: status, sequence (0: none) and
// the Fachverfahren's time as seconds after t0.
func report(status string, seq, sec int) hub.StatusReport {
	return hub.StatusReport{MessageID: hub.NewID(), Status: status, Sequence: seq, Time: t0.Add(time.Duration(sec) * time.Second)}
}

// step is one thing that happens to a submission: a status report arrives,
// or the accept does.
type step struct {
	accept bool
	r      hub.StatusReport
}

func accept() step               { return step{accept: true} }
func st(r hub.StatusReport) step { return step{r: r} }

func (s step) String() string {
	if s.accept {
		return "accept"
	}
	return fmt.Sprintf("%s#%d@%s", s.r.Status, s.r.Sequence, s.r.Time.Format("05"))
}

func statusesOf(evs []*hub.Event) []string {
	var out []string
	for _, e := range evs {
		if s, ok := strings.CutPrefix(e.Type, hub.EventStatusPrefix); ok {
			out = append(out, s)
		}
	}
	return out
}

// run plays steps on a forwarded submission, keeping held reports as the
// store does, and returns the outcomes of the reports, the status events
// in the order they were recorded, and what is still held.
func run(t *testing.T, steps []step) (outcomes []hub.StatusOutcome, timeline []string, sub *hub.Submission, held []hub.StatusReport) {
	t.Helper()
	sub = &hub.Submission{ID: "s", CaseID: "c", DestinationID: "d", State: hub.StateForwarded}
	for _, s := range steps {
		if s.accept {
			if _, err := sub.Decide(hub.StateAccepted, "fachverfahren:d", nil, t0); err != nil {
				t.Fatal(err)
			}
		} else {
			o, err := sub.ReportStatus(s.r, t0)
			if err != nil {
				t.Fatal(err)
			}
			outcomes = append(outcomes, o)
		}
		sub.ReleaseHeld(held, false)
		ch := sub.Pending()
		timeline = append(timeline, statusesOf(ch.Events)...)
		held = append(held, ch.Hold...)
		held = slices.DeleteFunc(held, func(r hub.StatusReport) bool {
			return slices.ContainsFunc(ch.Released, func(x hub.StatusReport) bool { return x.MessageID == r.MessageID })
		})
	}
	if sub.Held != len(held) {
		t.Fatalf("Held = %d, but %d reports are held", sub.Held, len(held))
	}
	return outcomes, timeline, sub, held
}

func TestReportStatusOrder(t *testing.T) {
	const (
		rec  = hub.StatusReceived
		proc = hub.StatusProcessing
		act  = hub.StatusActionRequired
		done = hub.StatusCompleted
	)
	applied, heldO, repeated := hub.StatusApplied, hub.StatusHeld, hub.StatusRepeated
	for _, tc := range []struct {
		name     string
		steps    []step
		outcomes []hub.StatusOutcome
		timeline []string
		current  string
		held     int
	}{
		{"InOrderNumbered", []step{accept(), st(report(rec, 1, 1)), st(report(proc, 2, 2)), st(report(done, 3, 3))},
			[]hub.StatusOutcome{applied, applied, applied}, []string{"received", "processing", "completed"}, done, 0},
		{"InOrderByTime", []step{accept(), st(report(rec, 0, 1)), st(report(proc, 0, 2)), st(report(done, 0, 3))},
			[]hub.StatusOutcome{applied, applied, applied}, []string{"received", "processing", "completed"}, done, 0},
		{"NumberedOutOfOrderWaitsForTheGap", []step{accept(), st(report(done, 3, 3)), st(report(rec, 1, 1)), st(report(proc, 2, 2))},
			[]hub.StatusOutcome{heldO, applied, applied}, []string{"received", "processing", "completed"}, done, 0},
		{"NumberedRepeatWithNewIDAndTime", []step{accept(), st(report(rec, 1, 1)), st(report(rec, 1, 50)), st(report(proc, 2, 2)), st(report(rec, 1, 60))},
			[]hub.StatusOutcome{applied, repeated, applied, repeated}, []string{"received", "processing"}, proc, 0},
		{"SameTimeRepeatWithoutNumber", []step{accept(), st(report(rec, 0, 1)), st(report(rec, 0, 1))},
			[]hub.StatusOutcome{applied, repeated}, []string{"received"}, rec, 0},
		{"OlderByTimeNeverStepsBack", []step{accept(), st(report(proc, 0, 2)), st(report(rec, 0, 1))},
			[]hub.StatusOutcome{applied, repeated}, []string{"processing"}, proc, 0},
		{"CompletedIsFinal", []step{accept(), st(report(done, 0, 3)), st(report(proc, 0, 9))},
			[]hub.StatusOutcome{applied, repeated}, []string{"completed"}, done, 0},
		{"StatusesBeforeTheAcceptWaitForIt", []step{st(report(proc, 2, 2)), st(report(rec, 1, 1)), accept(), st(report(done, 3, 3))},
			[]hub.StatusOutcome{heldO, heldO, applied}, []string{"received", "processing", "completed"}, done, 0},
		{"UnnumberedBeforeTheAcceptInTimeOrder", []step{st(report(proc, 0, 2)), st(report(rec, 0, 1)), accept()},
			[]hub.StatusOutcome{heldO, heldO}, []string{"received", "processing"}, proc, 0},
		{"DuplicatesHeldBeforeTheAcceptCountOnce", []step{st(report(rec, 1, 1)), st(report(rec, 1, 40)), accept()},
			[]hub.StatusOutcome{heldO, heldO}, []string{"received"}, rec, 0},
		{"GapStaysHeld", []step{accept(), st(report(rec, 1, 1)), st(report(done, 3, 3))},
			[]hub.StatusOutcome{applied, heldO}, []string{"received"}, rec, 1},
		{"ActionRequiredAndBack", []step{accept(), st(report(proc, 1, 1)), st(report(act, 2, 2)), st(report(proc, 3, 3))},
			[]hub.StatusOutcome{applied, applied, applied}, []string{"processing", "action_required", "processing"}, proc, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outcomes, timeline, sub, _ := run(t, tc.steps)
			if !slices.Equal(outcomes, tc.outcomes) {
				t.Errorf("outcomes = %v, want %v", outcomes, tc.outcomes)
			}
			if !slices.Equal(timeline, tc.timeline) {
				t.Errorf("timeline = %v, want %v", timeline, tc.timeline)
			}
			if sub.Status != tc.current || sub.Held != tc.held {
				t.Errorf("current = %q, held %d; want %q, %d", sub.Status, sub.Held, tc.current, tc.held)
			}
		})
	}
}

func TestReleaseHeldSkipsGapsWhenTold(t *testing.T) {
	_, _, sub, held := run(t, []step{accept(), st(report(hub.StatusReceived, 1, 1)), st(report(hub.StatusCompleted, 4, 4)),
		st(report(hub.StatusProcessing, 3, 3))})
	if len(held) != 2 {
		t.Fatalf("held %d, want 2", len(held))
	}
	done := sub.ReleaseHeld(held, true)
	ch := sub.Pending()
	if got, want := statusesOf(ch.Events), []string{"processing", "completed"}; !slices.Equal(got, want) || len(done) != 2 {
		t.Fatalf("released %v (%d), want %v", got, len(done), want)
	}
	if sub.Held != 0 || sub.Status != hub.StatusCompleted || sub.StatusSequence != 4 {
		t.Fatalf("held %d, current %s #%d", sub.Held, sub.Status, sub.StatusSequence)
	}
}

func TestReportStatusRefusedBeforeSubmission(t *testing.T) {
	for _, state := range []hub.State{hub.StateIncomplete, hub.StateExpired} {
		sub := &hub.Submission{State: state}
		if _, err := sub.ReportStatus(report(hub.StatusReceived, 1, 1), t0); hub.ErrorKind(err) != "status_before_submission" {
			t.Errorf("%s: err = %v", state, err)
		}
		if ch := sub.Pending(); ch.Changed() {
			t.Errorf("%s: a refused status changed the submission", state)
		}
	}
}

// TestReportStatusAnyArrivalOrder plays the simulator's replies (accept,
// three numbered statuses) in every arrival order, each status twice (the
// second under a new id, as after a redelivery), and checks that the
// timeline is always the Fachverfahren's order, once.
func TestReportStatusAnyArrivalOrder(t *testing.T) {
	statuses := []string{hub.StatusReceived, hub.StatusProcessing, hub.StatusCompleted}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		steps := []step{accept()}
		for n, s := range statuses {
			steps = append(steps, st(report(s, n+1, n+1)), st(report(s, n+1, 100+n)))
		}
		rng.Shuffle(len(steps), func(a, b int) { steps[a], steps[b] = steps[b], steps[a] })
		_, timeline, sub, held := run(t, steps)
		if want := []string{"received", "processing", "completed"}; !slices.Equal(timeline, want) || len(held) != 0 {
			t.Fatalf("arrival %d (%v): timeline %v, held %d; want %v", i, steps, timeline, len(held), want)
		}
		if sub.Status != hub.StatusCompleted {
			t.Fatalf("current %s", sub.Status)
		}
	}
}
