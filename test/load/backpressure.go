package main

import (
	"context"
	"fmt"
	"log"
	"strings"
	"sync"
	"time"

	"github.com/amthub/amthub/connectors/fachverfahren/sim"
	"github.com/amthub/amthub/test/load/hubproc"
)

// bpResults are the figures of the backpressure run: the hub offered
// overload (open loop) answers 2xx only for what it passes on in time,
// and 503 with Retry-After for the rest.
type bpResults struct {
	max, offered                float64 // submissions/s: end-to-end maximum, offered
	duration                    time.Duration
	n, acked, shed, shedNoRetry int
	wrongType, failed, lost     int
	lat                         latency // acked submissions: submit's 200 → the simulator applied it
	failures                    []string
}

// bpLimit is the Done-when bound on the p99 of the accepted submissions.
const bpLimit = 2 * time.Second

// ok reports whether the run meets the Done-when line: p99 under 2 s,
// nothing answered 2xx lost, everything else a 503 with Retry-After.
func (b *bpResults) ok() bool {
	return b.lat.p99 < bpLimit && b.lost == 0 && b.failed == 0 && b.shedNoRetry == 0 && b.wrongType == 0 &&
		b.acked+b.shed == b.n
}

// serveBackpressure measures the end-to-end maximum (closed loop, unless
// -e2e-rate gives it), then offers factor × that for the duration, each
// submission sent once (a 503 is its answer), and checks every accepted
// submission reaches its simulator.
func (r *results) serveBackpressure(ctx context.Context, o options, bin, dir string, h *hubproc.Hub, v *hubproc.Vendor, amqpURL string) error {
	dests := h.Demo.Destinations
	logs, stop, err := startSims(o, bin, dir, dests, amqpURL)
	defer stop()
	if err != nil {
		return err
	}
	b := &bpResults{max: o.e2eRate, duration: o.duration}
	r.bp = b
	if b.max <= 0 {
		log.Printf("backpressure: end-to-end maximum, %d vendors, %s", o.workers, o.duration)
		if b.max, err = pipelineMax(ctx, v, dests, logs, o.workers, o.duration); err != nil {
			return err
		}
	}
	b.offered = o.overload * b.max
	log.Printf("backpressure: offering %.0f submissions/s (%.1f × %.0f) for %s", b.offered, o.overload, b.max, o.duration)
	offers := offerLoad(ctx, v, dests, b.offered, o.duration)
	applied, err := appliedAfter(logs, offers)
	if err != nil {
		return err
	}
	b.account(offers, applied)
	log.Printf("backpressure: %d offered, %d accepted, %d shed (%d without Retry-After), %d failed, %d accepted but lost; p99 %s",
		b.n, b.acked, b.shed, b.shedNoRetry, b.failed, b.lost, b.lat.p99)
	return nil
}

// offerLoad offers submissions at rate for d, open loop, each once.
func offerLoad(ctx context.Context, v *hubproc.Vendor, dests []hubproc.Destination, rate float64, d time.Duration) []hubproc.Offer {
	var mu sync.Mutex
	var out []hubproc.Offer
	var wg sync.WaitGroup
	n := 0
	openLoop(rate, int(rate*d.Seconds()), func() {
		dest := dests[n%len(dests)]
		n++
		wg.Go(func() {
			o := v.OfferOnce(ctx, dest)
			mu.Lock()
			out = append(out, o)
			mu.Unlock()
		})
	})
	wg.Wait()
	return out
}

// appliedAfter waits up to a minute for the simulators to apply every
// accepted offer and returns when each applied submission was applied.
func appliedAfter(logs []string, offers []hubproc.Offer) (map[string]time.Time, error) {
	want := 0
	for _, o := range offers {
		if o.Acked {
			want++
		}
	}
	deadline := time.Now().Add(time.Minute)
	for {
		applied := map[string]time.Time{}
		for _, p := range logs {
			entries, err := sim.ReadLog(p)
			if err != nil {
				return nil, err
			}
			for _, a := range entries {
				applied[a.SubmissionID] = a.AppliedAt
			}
		}
		got := 0
		for _, o := range offers {
			if _, ok := applied[o.SubmissionID]; o.Acked && ok {
				got++
			}
		}
		if got == want || time.Now().After(deadline) {
			return applied, nil
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// account sorts the offers into the run's figures.
func (b *bpResults) account(offers []hubproc.Offer, applied map[string]time.Time) {
	b.n = len(offers)
	var lat []time.Duration
	for _, o := range offers {
		switch {
		case o.Acked:
			b.acked++
			if at, ok := applied[o.SubmissionID]; ok {
				lat = append(lat, at.Sub(o.AckedAt))
			} else {
				b.lost++
			}
		case o.Shed:
			b.shed++
			if !o.RetryAfter {
				b.shedNoRetry++
			}
			if o.ShedType != "/problems/overloaded" {
				b.wrongType++
			}
		default:
			b.failed++
			if len(b.failures) < 5 {
				b.failures = append(b.failures, o.Err)
			}
		}
	}
	b.lat = summarise(lat)
}

// markdown renders the backpressure run against its Done-when line.
func (b *bpResults) markdown() string {
	var s strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&s, format, args...) }
	verdict := "**missed**"
	if b.ok() {
		verdict = "met"
	}
	w("| backpressure run | figure |\n|---|---|\n")
	w("| end-to-end maximum (submissions/s applied, closed loop) | %.0f |\n", b.max)
	w("| offered (open loop, each submission sent once) | %.0f/s for %s = %d |\n", b.offered, b.duration, b.n)
	w("| answered 2xx (submit 200) | %d |\n", b.acked)
	w("| answered 503 `/problems/overloaded` | %d (without Retry-After: %d; another type: %d) |\n", b.shed, b.shedNoRetry, b.wrongType)
	w("| other failures | %d %v |\n", b.failed, b.failures)
	w("| answered 2xx but never applied by the simulator (lost) | %d |\n", b.lost)
	w("| submit 200 → simulator applied, accepted ones: p50 / p99 | %s / %s (n = %d) |\n", b.lat.p50, b.lat.p99, b.lat.n)
	w("| Done when: p99 < %s, lost = 0, the rest 503 with Retry-After | %s |\n", bpLimit, verdict)
	return s.String()
}
