//go:build chaos

package chaos

import (
	"time"
)

// report prints the verdict, the recovery time after each fault and the
// throughput in each fault window against the steady state before the
// first fault.
func report(logf func(string, ...any), r records, v verdict, runs []faultRun, loadStart, loadEnd time.Time) {
	var acks, applies []time.Time
	for _, op := range r.ops {
		if op.Acked {
			acks = append(acks, op.AckedAt)
		}
	}
	for _, as := range r.applied {
		for _, a := range as {
			applies = append(applies, a.AppliedAt)
		}
	}
	logf("records: %d submissions attempted, %d acknowledged (submit 200), %d applied by the simulators, %d timelines read",
		len(r.ops), len(acks), len(r.applied), len(r.timelines))
	logf("verdict: ok %d, lost %d, recovered %d, unexpected %d, duplicated-applied %d (vendor gave up, nothing applied: %d; redeliveries on timelines: %d)",
		v.OK, v.Lost, v.Recovered, v.Unexpected, v.DuplicatedApplied, v.Failed, v.Redeliveries)
	if len(runs) == 0 {
		return
	}
	steadyFrom, steadyTo := loadStart.Add(2*time.Second), runs[0].injected
	steadyAck, steadyApply := rateIn(acks, steadyFrom, steadyTo), rateIn(applies, steadyFrom, steadyTo)
	logf("steady state: %.1f acknowledged/s, %.1f applied/s", steadyAck, steadyApply)
	logf("%-28s %8s %10s %10s %10s %14s %14s", "fault", "held", "heal took", "API back", "FV back", "ack/s (×st.)", "apply/s (×st.)")
	for _, f := range runs {
		api := firstAfter(acks, f.healing)
		fv := firstAfter(applies, f.healing)
		end := f.healing
		if !api.IsZero() {
			end = api
		}
		ack, apply := rateIn(acks, f.injected, end), rateIn(applies, f.injected, end)
		logf("%-28s %8s %10s %10s %10s %6.1f (%4.2f) %6.1f (%4.2f)", f.name,
			round(f.healing.Sub(f.injected)), round(f.healed.Sub(f.healing)), since(api, f.healing), since(fv, f.healing),
			ack, ratio(ack, steadyAck), apply, ratio(apply, steadyApply))
	}
	logf("(API back / FV back: from the heal action to the first submit acknowledged / first submission applied by a simulator;")
	logf(" the throughput window runs from the injection until the API was back; load ran %s)", round(loadEnd.Sub(loadStart)))
}

func rateIn(ts []time.Time, from, to time.Time) float64 {
	d := to.Sub(from).Seconds()
	if d <= 0 {
		return 0
	}
	n := 0
	for _, t := range ts {
		if !t.Before(from) && t.Before(to) {
			n++
		}
	}
	return float64(n) / d
}

func firstAfter(ts []time.Time, t0 time.Time) time.Time {
	var first time.Time
	for _, t := range ts {
		if !t.Before(t0) && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	return first
}

func since(t, t0 time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return round(t.Sub(t0)).String()
}

func round(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
