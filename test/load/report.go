package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// markdown renders the results with the targets of issue 8.
func (r *results) markdown(o options) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	met := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**missed**"
	}
	w("| measurement | amthub | raw baseline | ratio | target |\n|---|---|---|---|---|\n")
	ir := r.ingest / r.rawIngest
	w("| ingest, serve (submissions/s, %d vendors, closed loop) | %.0f | %.0f (pgx, same rows, 2 commits, %d conns) | %.2f | ≥ 0.5: %s |\n",
		o.workers, r.ingest, r.rawIngest, o.workers, ir, met(ir >= 0.5))
	rr := r.relay / r.rawRelay
	w("| relay outbox → RabbitMQ (messages/s, %d messages of %d B) | %.0f | %.0f (amqp091, 16 confirms in flight) | %.2f | ≥ 0.7: %s |\n",
		r.relayN, r.msgSize, r.relay, r.rawRelay, rr, met(rr >= 0.7))
	limit := 3*r.rawE2E.p99 + 10*time.Millisecond
	if r.e2eMax > 0 {
		w("| end-to-end maximum, serve (submissions/s applied by the simulators, %d vendors, closed loop) | %.0f | | %.2f of ingest | |\n",
			o.workers, r.e2eMax, r.e2eMax/r.ingest)
	}
	w("| e2e p50, serve, at %.0f/s open loop (submit 200 → simulator applied) | %s | %s (publish → consume) | | |\n",
		r.e2eRate, ms(r.e2e.p50), ms(r.rawE2E.p50))
	w("| e2e p99, serve | %s | %s | %.1f× | ≤ 3× raw + 10 ms = %s: %s |\n",
		ms(r.e2e.p99), ms(r.rawE2E.p99), float64(r.e2e.p99)/float64(max(r.rawE2E.p99, 1)), ms(limit), met(r.e2e.p99 <= limit))
	if r.devIngest > 0 {
		w("| ingest, dev (SQLite, in-process bus) | %.0f | | %.2f of raw pgx | |\n", r.devIngest, r.devIngest/r.rawIngest)
		w("| end-to-end maximum, dev | %.0f | | | |\n", r.devE2EMax)
		w("| e2e p50 / p99, dev, at %.0f/s | %s / %s | | | |\n", r.devE2ERate, ms(r.devE2E.p50), ms(r.devE2E.p99))
	}
	if r.ingestCPU.hub > 0 {
		w("\nCPU per submission during ingest: hub %.2f ms + its PostgreSQL backends %.2f ms; raw pgx: PostgreSQL backends %.2f ms.\n",
			r.ingestCPU.hub, r.ingestCPU.pg, r.rawCPU.pg)
	}
	w("\nSamples: serve e2e %d, raw e2e %d, dev e2e %d; failed vendor submissions during ingest: %d.\n",
		r.e2e.n, r.rawE2E.n, r.devE2E.n, r.ingestFailed)
	for _, s := range []struct {
		name string
		st   *stages
	}{{"serve", r.e2eStages}, {"dev", r.devStages}} {
		if s.st != nil {
			w("Latency split (%s, %d sampled timelines): submit 200 → submission.forwarded p50 %s / p99 %s; forwarded → simulator applied p50 %s / p99 %s.\n",
				s.name, len(s.st.toForwarded), ms(percentile(s.st.toForwarded, 50)), ms(percentile(s.st.toForwarded, 99)),
				ms(percentile(s.st.toApplied, 50)), ms(percentile(s.st.toApplied, 99)))
		}
	}
	w("Machine: %d cores, %s memory, %s; %s.\n", runtime.NumCPU(), memTotal(), runtime.Version(), time.Now().UTC().Format("2006-01-02 15:04 MST"))
	return b.String()
}

// memTotal reads the machine's memory from /proc/meminfo.
func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	var kb int
	for _, l := range strings.Split(string(b), "\n") {
		if _, err := fmt.Sscanf(l, "MemTotal: %d kB", &kb); err == nil {
			return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	return "unknown"
}
