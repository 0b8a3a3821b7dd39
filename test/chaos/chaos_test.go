//go:build chaos

// Package chaos is the fault-injection run: a vendor submits continuously
// to `amthub serve` (one process) with a Fachverfahren simulator process per
// destination, while the run kills the hub, restarts RabbitMQ, stops the
// simulators, restarts PostgreSQL and cuts the hub off from the broker. A
// checker then compares what the vendor was acknowledged, what the
// simulators applied and the case timelines.
//
// It restarts the machine's shared servers, so it runs alone and only with
// the chaos tag: go test -race -count=1 -tags chaos -v ./test/chaos/
// (-soak for the long mode; see the flags below).
package chaos

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/test/load/hubproc"
)

// Flags of the run; the defaults fit CI (about three minutes).
var (
	soak    = flag.Bool("soak", false, "long mode: a minute of steady load, the simulators down for a minute, a minute between faults")
	rate    = flag.Float64("chaos.rate", 20, "submissions per second offered by the vendor")
	workers = flag.Int("chaos.workers", 16, "vendor requests in flight at most")
	steady  = flag.Duration("chaos.steady", 15*time.Second, "steady load before the first fault")
	settle  = flag.Duration("chaos.settle", 10*time.Second, "steady load after each fault")
	simDown = flag.Duration("chaos.simdown", 20*time.Second, "how long the simulators stay down")
	cutFor  = flag.Duration("chaos.cut", 8*time.Second, "how long the hub stays cut off from the broker")
	drain   = flag.Duration("chaos.drain", 120*time.Second, "how long the pipeline may take to drain after the load stops")
)

// receiptTimeout is the hub's AMTHUB_RECEIPT_TIMEOUT in the run: low, so
// that submissions the stopped simulators never acknowledged are sent again.
const receiptTimeout = 5 * time.Second

// run is one fault-injection run's set-up.
type run struct {
	t     *testing.T
	hub   *hubproc.Hub
	sims  []*hubproc.Sim
	proxy *hubtest.Proxy
}

func TestChaos(t *testing.T) {
	if *soak {
		*steady, *settle, *simDown, *cutFor = time.Minute, time.Minute, time.Minute, 30*time.Second
	}
	ctx := context.Background()
	// Registered first, so it runs last: the shared servers are up again
	// whatever happened.
	t.Cleanup(func() {
		if err := ensureServers(context.Background()); err != nil {
			t.Error(err)
		}
	})
	if err := ensureServers(ctx); err != nil {
		t.Fatal(err)
	}
	r := setUp(ctx, t)

	vendor := hubproc.NewVendor(r.hub.Base, r.hub.Demo.Vendor.ClientID, r.hub.Demo.Vendor.ClientSecret)
	gen := &loadGen{vendor: vendor, dests: r.hub.Demo.Destinations, rate: *rate, workers: *workers, retryFor: 90 * time.Second}
	loadCtx, stopLoad := context.WithCancel(ctx)
	loadDone := make(chan struct{})
	loadStart := time.Now()
	go func() { defer close(loadDone); gen.run(loadCtx) }()
	defer func() { stopLoad(); <-loadDone }()

	time.Sleep(*steady)
	var runs []faultRun
	for _, f := range r.faults() {
		runs = append(runs, f.run(ctx, t.Logf))
		time.Sleep(*settle)
	}
	stopLoad()
	<-loadDone
	loadEnd := time.Now()
	for _, fr := range runs {
		if fr.err != nil {
			t.Errorf("%v", fr.err)
		}
	}

	rec, err := r.collect(ctx, vendor, gen.snapshot())
	if err != nil {
		t.Fatal(err)
	}
	v := check(rec)
	report(t.Logf, rec, v, runs, loadStart, loadEnd)
	if v.Lost != 0 || v.Unexpected != 0 || v.DuplicatedApplied != 0 {
		t.Errorf("lost %d, unexpected %d, duplicated-applied %d; want 0 each:\n%s",
			v.Lost, v.Unexpected, v.DuplicatedApplied, strings.Join(v.Problems, "\n"))
	}
	if v.OK == 0 {
		t.Errorf("no submission went through")
	}
}

// setUp builds the binary and starts a hub on a fresh database and virtual
// host, reached through the proxy, and a simulator per destination.
func setUp(ctx context.Context, t *testing.T) *run {
	dir := t.TempDir()
	bin, err := hubproc.Build(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := hubproc.NewDatabase(ctx, os.Getenv("AMTHUB_TEST_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Drop(context.Background()); err != nil {
			t.Log(err)
		}
	})
	vh, err := hubproc.NewVhost(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := vh.Delete(context.Background()); err != nil {
			t.Log(err)
		}
	})
	px, err := hubtest.NewProxy(hubproc.DefaultAMQPHost)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(px.Close)
	addr, err := hubproc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	h, err := hubproc.StartHub(ctx, hubproc.HubConfig{Bin: bin, Dir: dir, Addr: addr, Env: []string{
		"AMTHUB_DATABASE_URL=" + db.URL,
		"AMTHUB_AMQP_URL=" + vh.URL(px.Addr()),
		"AMTHUB_REDIS_URL=" + hubproc.DefaultRedisURL,
		"AMTHUB_KEY_ENCRYPTION_KEY=" + hubproc.KeyEncryptionKey,
		"AMTHUB_RECEIPT_TIMEOUT=" + receiptTimeout.String(),
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := &run{t: t, hub: h, proxy: px}
	t.Cleanup(func() {
		if err := h.Proc.Stop(15 * time.Second); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("hub log (tail, without publish retries):\n%s", tail(h.LogPath(), 40, "outbox publish failed"))
		}
	})
	for _, d := range h.Demo.Destinations {
		s := &hubproc.Sim{Bin: bin, AMQPURL: vh.URL(hubproc.DefaultAMQPHost), DestinationID: d.DestinationID,
			LogPath: filepath.Join(dir, "applied-"+d.DestinationID+".jsonl"), Dir: dir}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		r.sims = append(r.sims, s)
		t.Cleanup(func() {
			_ = s.Proc.Stop(10 * time.Second)
			if t.Failed() {
				t.Logf("simulator %s log (tail):\n%s", d.DestinationID, tail(s.StderrPath(), 20))
			}
		})
	}
	return r
}

// faults is the schedule, in the order of the issue.
func (r *run) faults() []fault {
	return []fault{
		{name: "hub SIGKILL + restart", hold: 2 * time.Second,
			inject: func(context.Context) error { r.hub.Proc.Kill(); return nil },
			heal:   r.hub.Start},
		{name: "RabbitMQ restart", hold: 2 * time.Second, inject: stopRabbit, heal: startRabbit},
		{name: "simulators stopped", hold: *simDown,
			inject: func(context.Context) error {
				for _, s := range r.sims {
					s.Proc.Kill()
				}
				return nil
			},
			heal: func(context.Context) error {
				for _, s := range r.sims {
					if err := s.Start(); err != nil {
						return err
					}
				}
				return nil
			}},
		{name: "PostgreSQL restart", inject: restartPostgres},
		{name: "hub cut off from RabbitMQ", hold: *cutFor,
			inject: func(context.Context) error { r.proxy.Sever(); return nil },
			heal:   func(context.Context) error { r.proxy.Restore(); return nil }},
	}
}

// collect waits (bounded) until every acknowledged submission is applied
// and its timeline complete, then reads the three records.
func (r *run) collect(ctx context.Context, vendor *hubproc.Vendor, ops []hubproc.Op) (records, error) {
	deadline := time.Now().Add(*drain)
	var paths []string
	for _, s := range r.sims {
		paths = append(paths, s.LogPath)
	}
	rec := records{ops: ops}
	for {
		applied, err := readApplied(paths)
		if err != nil {
			return rec, err
		}
		rec.applied = applied
		missing := drained(ops, applied)
		if missing == 0 || time.Now().After(deadline) {
			r.t.Logf("drain: %d acknowledged submissions not applied", missing)
			break
		}
		time.Sleep(time.Second)
	}
	rec.timelines = map[string][]hubproc.Event{}
	pending := ops
	for {
		tl, err := fetchTimelines(ctx, vendor, pending)
		if err != nil {
			return rec, err
		}
		var open []hubproc.Op
		for _, op := range pending {
			rec.timelines[op.SubmissionID] = tl[op.SubmissionID]
			if (op.Acked || len(rec.applied[op.SubmissionID]) > 0) && !complete(tl[op.SubmissionID]) {
				open = append(open, op)
			}
		}
		if len(open) == 0 || time.Now().After(deadline) {
			r.t.Logf("drain: %d timelines incomplete", len(open))
			return rec, nil
		}
		pending = open // read again only what is still incomplete
		time.Sleep(2 * time.Second)
	}
}

// tail returns the last n lines of a file, leaving out lines that contain
// one of skip.
func tail(path string, n int, skip ...string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	var lines []string
next:
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		for _, s := range skip {
			if strings.Contains(l, s) {
				continue next
			}
		}
		lines = append(lines, l)
	}
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
