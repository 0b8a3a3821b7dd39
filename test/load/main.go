// Command load is the load benchmark of amthub. In one run on one machine
// it measures, against `amthub serve` on the local PostgreSQL and RabbitMQ:
//
//   - ingest: submissions/s through the whole authenticated pipeline
//     (bearer token, validation, mapping, persistence, outbox), closed loop,
//     vs raw pgx writing the same rows in the same two commits at the same
//     concurrency;
//   - relay: outbox → RabbitMQ messages/s vs raw amqp091 publishing with
//     the same confirm window and message size;
//   - end-to-end latency, submit's 200 → the Fachverfahren simulator
//     applying the submission, p50/p99 at half the measured ingest rate
//     (open loop), vs raw publish → consume at the same rate;
//   - ingest and latency of `amthub dev` (SQLite, in-process bus).
//
// With -only retention it seeds -expired submissions past their retention
// and reports the deletion job's rate and ingest with and without it.
//
// With -only backpressure it measures instead how `amthub serve` sheds
// overload: it offers -overload × the end-to-end maximum for -duration,
// open loop, each submission sent once, and reports how many were
// answered 2xx (and reached the simulator, and how fast) and how many got
// 503 with Retry-After (issue 19's Done-when line).
//
// Run it with `make bench` or `go run ./test/load` (flags: -h).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"
)

// options are the benchmark's flags.
type options struct {
	workers  int
	duration time.Duration
	out      string
	noDev    bool
	e2eRate  float64
	only     string
	statuses bool
	overload float64
	hubEnv   []string // extra AMTHUB_* variables for the hub under test
	// expired and retentionBatch size the retention run (-only retention).
	expired, retentionBatch int
}

func main() {
	var o options
	flag.IntVar(&o.workers, "workers", 16, "concurrent vendors (closed loop) and raw pgx connections")
	flag.DurationVar(&o.duration, "duration", 15*time.Second, "length of each measurement")
	flag.StringVar(&o.out, "out", "", "also write the results as Markdown to this file")
	flag.Float64Var(&o.e2eRate, "e2e-rate", 0, "offered rate of the latency measurement (default: half the measured end-to-end maximum)")
	flag.BoolVar(&o.noDev, "no-dev", false, "skip the amthub dev (SQLite) measurements")
	flag.StringVar(&o.only, "only", "", `measure just one phase of serve, for profiling: "ingest" or "e2e" (set AMTHUB_PPROF_ADDR to profile the hub); or "backpressure": overload as -overload says; or "retention": ingest with and without the deletion job deleting -expired submissions`)
	flag.Float64Var(&o.overload, "overload", 3, "backpressure run: offered load as a multiple of the end-to-end maximum (-e2e-rate gives the maximum instead of measuring it)")
	flag.BoolVar(&o.statuses, "sim-statuses", false, "let the Fachverfahren simulators send three status updates after each accept (default: the accept alone)")
	flag.IntVar(&o.expired, "expired", 10000, "retention run: submissions past their retention to seed")
	flag.IntVar(&o.retentionBatch, "retention-batch", 500, "retention run: the deletion job's batch size (AMTHUB_RETENTION_BATCH)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	if o.only == "backpressure" {
		md := res.bp.markdown()
		fmt.Print(md)
		if o.out != "" {
			if err := os.WriteFile(o.out, []byte(md), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "load:", err)
				os.Exit(1)
			}
		}
		if !res.bp.ok() {
			os.Exit(2)
		}
		return
	}
	if o.only == "retention" {
		fmt.Print(res.retention.markdown())
		return
	}
	if o.only != "" {
		return // the phase logged its figure
	}
	md := res.markdown(o)
	fmt.Print(md)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(md), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "load:", err)
			os.Exit(1)
		}
	}
}
