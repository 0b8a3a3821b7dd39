//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/amthub/amthub/connectors/fachverfahren/sim"
	"github.com/amthub/amthub/test/load/hubproc"
)

// Timeline event types the checker reads (docs/ARCHITECTURE.md, "Contracts").
const (
	evSubmitted   = "submission.submitted"
	evForwarded   = "submission.forwarded"
	evRedelivered = "submission.redelivered"
	evAccepted    = "submission.accepted"
	evRejected    = "submission.rejected"
	evCompleted   = "status.completed"
)

// verdict counts the outcomes in the Jepsen vocabulary.
type verdict struct {
	OK, Lost, Recovered, Unexpected, DuplicatedApplied int
	// Unacked submissions the vendor gave up on and nobody applied: a
	// clean failure, allowed.
	Failed       int
	Redeliveries int
	Problems     []string // one line per lost, unexpected or duplicated
}

func (v *verdict) problem(format string, args ...any) {
	if len(v.Problems) < 50 {
		v.Problems = append(v.Problems, fmt.Sprintf(format, args...))
	}
}

// records are the three records the checker compares.
type records struct {
	ops       []hubproc.Op             // what the vendor was told
	applied   map[string][]sim.Applied // what the simulators applied, by submission
	timelines map[string][]hubproc.Event
}

// readApplied reads the simulators' durable logs.
func readApplied(paths []string) (map[string][]sim.Applied, error) {
	out := map[string][]sim.Applied{}
	for _, p := range paths {
		entries, err := sim.ReadLog(p)
		if err != nil {
			return nil, err
		}
		for _, a := range entries {
			out[a.SubmissionID] = append(out[a.SubmissionID], a)
		}
	}
	return out, nil
}

// drained reports how many acknowledged submissions the simulators have not
// applied yet.
func drained(ops []hubproc.Op, applied map[string][]sim.Applied) int {
	missing := 0
	for _, op := range ops {
		if op.Acked && len(applied[op.SubmissionID]) == 0 {
			missing++
		}
	}
	return missing
}

// fetchTimelines reads the timeline of every case the vendor created, with
// a few requests in parallel.
func fetchTimelines(ctx context.Context, v *hubproc.Vendor, ops []hubproc.Op) (map[string][]hubproc.Event, error) {
	out := map[string][]hubproc.Event{}
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, op := range ops {
		if op.CaseID == "" {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			evs, err := v.Events(ctx, op.CaseID)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			out[op.SubmissionID] = evs
		})
	}
	wg.Wait()
	return out, firstErr
}

// complete reports whether a timeline shows the decision and the last status.
func complete(evs []hubproc.Event) bool {
	n := count(evs)
	return n[evAccepted]+n[evRejected] > 0 && n[evCompleted] > 0
}

func count(evs []hubproc.Event) map[string]int {
	n := map[string]int{}
	for _, e := range evs {
		n[e.Type]++
	}
	return n
}

// check compares the records. A submission is ok when the vendor got a 200
// for its submit, a simulator applied it exactly once, and its timeline
// shows it submitted, forwarded, decided and completed exactly once each.
func check(r records) verdict {
	var v verdict
	known := map[string]bool{}
	for _, op := range r.ops {
		if op.SubmissionID == "" {
			v.Failed++ // never created from the vendor's view
			continue
		}
		known[op.SubmissionID] = true
		applied := len(r.applied[op.SubmissionID])
		n := count(r.timelines[op.SubmissionID])
		v.Redeliveries += n[evRedelivered]
		decided := n[evAccepted] + n[evRejected]
		var dups []string
		if applied > 1 {
			dups = append(dups, fmt.Sprintf("applied %d times by the simulator", applied))
		}
		for typ, c := range n {
			if c > 1 && typ != evRedelivered {
				dups = append(dups, fmt.Sprintf("%d× %s on the timeline", c, typ))
			}
		}
		if len(dups) > 0 {
			v.DuplicatedApplied++
			v.problem("duplicated %s: %s", op.SubmissionID, strings.Join(dups, ", "))
		}
		if decided > 0 && applied == 0 {
			v.Unexpected++
			v.problem("unexpected %s: decided on the timeline, never applied by the simulator", op.SubmissionID)
			continue
		}
		whole := applied > 0 && decided > 0 && n[evSubmitted] > 0 && n[evForwarded] > 0 && n[evCompleted] > 0
		switch {
		case op.Acked && whole:
			v.OK++
		case op.Acked:
			v.Lost++
			v.problem("lost %s (case %s): acknowledged at %s; applied %d×, timeline %v", op.SubmissionID, op.CaseID,
				op.AckedAt.Format(time.RFC3339Nano), applied, n)
		case applied > 0:
			v.Recovered++
		default:
			v.Failed++
		}
	}
	for id := range r.applied {
		if !known[id] {
			v.Unexpected++
			v.problem("unexpected %s: applied by the simulator, never created by the vendor", id)
		}
	}
	sort.Strings(v.Problems)
	return v
}
