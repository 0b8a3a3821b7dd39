package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/amthub/amthub/connectors/fachverfahren/sim"
	"github.com/amthub/amthub/test/load/hubproc"
)

// hubIngest runs workers vendors in a closed loop for d, each creating and
// submitting one submission after the other; it returns acknowledged
// submissions per second and the number of failed ones.
func hubIngest(ctx context.Context, v *hubproc.Vendor, dests []hubproc.Destination, workers int, d time.Duration) (float64, int) {
	var ok, failed atomic.Int64
	stop := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := 0; time.Now().Before(stop); i++ {
				if op := v.Submit(ctx, dests[(w+i)%len(dests)], 5*time.Second); op.Acked {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return float64(ok.Load()) / time.Since(start).Seconds(), int(failed.Load())
}

// hubLatency offers submissions at rate for d (open loop) and returns, per
// submission, the time from the submit's 200 to the Fachverfahren applying
// it, read from the simulators' applied logs.
func hubLatency(ctx context.Context, v *hubproc.Vendor, dests []hubproc.Destination, logs []string, rate float64, d time.Duration) ([]time.Duration, *stages, error) {
	var mu sync.Mutex
	acked := map[string]time.Time{}
	cases := map[string]string{} // submission → case
	failed := 0
	var wg sync.WaitGroup
	n := 0
	openLoop(rate, int(rate*d.Seconds()), func() {
		dest := dests[n%len(dests)]
		n++
		wg.Go(func() {
			op := v.Submit(ctx, dest, 10*time.Second)
			mu.Lock()
			defer mu.Unlock()
			if op.Acked {
				acked[op.SubmissionID] = op.AckedAt
				cases[op.SubmissionID] = op.CaseID
			} else {
				failed++
			}
		})
	})
	wg.Wait()
	deadline := time.Now().Add(60 * time.Second)
	for {
		applied := map[string]time.Time{}
		for _, p := range logs {
			entries, err := sim.ReadLog(p)
			if err != nil {
				return nil, nil, err
			}
			for _, a := range entries {
				applied[a.SubmissionID] = a.AppliedAt
			}
		}
		var lat []time.Duration
		for id, at := range acked {
			if ap, ok := applied[id]; ok {
				lat = append(lat, ap.Sub(at))
			}
		}
		if len(lat) == len(acked) || time.Now().After(deadline) {
			if len(lat) < len(acked) || failed > 0 {
				return lat, nil, fmt.Errorf("%d of %d submissions not applied within 60 s, %d failed", len(acked)-len(lat), len(acked), failed)
			}
			st, err := breakDown(ctx, v, acked, cases, applied)
			return lat, st, err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// stages splits the end-to-end latency of a sample of submissions at the
// hub's submission.forwarded event (written when the broker confirmed).
type stages struct {
	toForwarded, toApplied []time.Duration // 200 → forwarded; forwarded → applied
}

// breakDown reads the timelines of up to 200 submissions.
func breakDown(ctx context.Context, v *hubproc.Vendor, acked map[string]time.Time, cases map[string]string, applied map[string]time.Time) (*stages, error) {
	st := &stages{}
	n := 0
	for id, at := range acked {
		if n++; n > 200 {
			break
		}
		evs, err := v.Events(ctx, cases[id])
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			if e.Type == "submission.forwarded" {
				st.toForwarded = append(st.toForwarded, e.Time.Sub(at))
				st.toApplied = append(st.toApplied, applied[id].Sub(e.Time))
			}
		}
	}
	return st, nil
}

// relayDrain starts the hub over a full outbox and measures how fast the
// relay empties it: messages per second from the first relayed batch to
// the empty outbox.
func relayDrain(ctx context.Context, pool *pgxpool.Pool, h *hubproc.Hub) (float64, int, error) {
	count := func() (int, error) {
		var n int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox`).Scan(&n)
		return n, err
	}
	initial, err := count()
	if err != nil {
		return 0, 0, fmt.Errorf("count outbox: %w", err)
	}
	started := make(chan error, 1)
	t0 := time.Now()
	go func() { started <- h.Start(ctx) }()
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		n, err := count()
		if err != nil {
			return 0, 0, fmt.Errorf("count outbox: %w", err)
		}
		now := time.Now()
		if n == initial {
			t0 = now
		}
		if n == 0 {
			if err := <-started; err != nil {
				return 0, 0, err
			}
			return float64(initial) / now.Sub(t0).Seconds(), initial, nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0, initial, fmt.Errorf("outbox not empty after 5 minutes")
}

// percentile returns the p-th percentile (0–100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p / 100 * float64(len(s)-1))
	return s[i]
}

// simLogs returns the applied-log paths of the given simulators' dir.
func simLogs(dir string, dests []hubproc.Destination, name func(id string) string) []string {
	var out []string
	for _, d := range dests {
		out = append(out, filepath.Join(dir, name(d.DestinationID)))
	}
	return out
}

// pipelineMax measures the end-to-end maximum: workers vendors in a closed
// loop for d while the Fachverfahren simulators behind logs consume, then
// the wait until they have applied everything. It returns submissions
// applied per second from the first submit to the last application: what
// the whole pipeline sustains, not just its front door.
func pipelineMax(ctx context.Context, v *hubproc.Vendor, dests []hubproc.Destination, logs []string, workers int, d time.Duration) (float64, error) {
	start := time.Now()
	hubIngest(ctx, v, dests, workers, d)
	n, last, err := waitApplied(logs, start)
	if err != nil || n == 0 {
		return 0, err
	}
	return float64(n) / last.Sub(start).Seconds(), nil
}

// waitApplied waits until the simulators behind logs have applied nothing
// new for a second and returns how many submissions they applied since
// since, and when the last one.
func waitApplied(logs []string, since time.Time) (n int, last time.Time, err error) {
	deadline := time.Now().Add(2 * time.Minute)
	for prev := -1; ; prev = n {
		time.Sleep(time.Second)
		n, last = 0, time.Time{}
		for _, p := range logs {
			entries, err := sim.ReadLog(p)
			if err != nil {
				return 0, last, err
			}
			for _, a := range entries {
				if !a.AppliedAt.Before(since) {
					n++
					last = maxTime(last, a.AppliedAt)
				}
			}
		}
		if n == prev {
			return n, last, nil
		}
		if time.Now().After(deadline) {
			return n, last, fmt.Errorf("the simulators still apply submissions after 2 minutes")
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
