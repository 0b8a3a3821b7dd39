package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/test/load/hubproc"
)

// results are one run's figures.
type results struct {
	ingest, rawIngest     float64 // submissions/s
	ingestFailed          int
	ingestCPU, rawCPU     cpuPerSub
	relay, rawRelay       float64 // messages/s
	relayN, msgSize       int
	e2eMax, devE2EMax     float64 // submissions/s applied, closed loop
	e2eRate               float64 // offered submissions/s
	e2e, rawE2E           latency
	e2eStages, devStages  *stages
	devIngest, devE2ERate float64
	devE2E                latency
	bp                    *bpResults        // the backpressure run (-only backpressure)
	retention             *retentionResults // the retention run (-only retention)
}

// cpuPerSub is CPU time per submission, in milliseconds: the hub's and
// its PostgreSQL backends'.
type cpuPerSub struct{ hub, pg float64 }

// measureCPU runs fn, which returns submissions per second, and the CPU
// each submission took in the hub at base (empty: none) and in the
// backends of the database at dbURL. CPU figures are zero when they cannot
// be sampled.
func measureCPU(ctx context.Context, base, dbURL string, fn func() float64) (float64, cpuPerSub) {
	before, err1 := sampleCPU(ctx, base, dbURL)
	rate := fn()
	after, err2 := sampleCPU(ctx, base, dbURL)
	if err := errors.Join(err1, err2); err != nil {
		log.Printf("CPU per submission not measured: %v", err)
		return rate, cpuPerSub{}
	}
	n := rate * after.at.Sub(before.at).Seconds()
	if n == 0 {
		return rate, cpuPerSub{}
	}
	hub, pg := after.since(before)
	return rate, cpuPerSub{hub: hub / n * 1000, pg: pg / n * 1000}
}

// latency summarises a sample.
type latency struct {
	n        int
	p50, p99 time.Duration
}

func summarise(ds []time.Duration) latency {
	return latency{n: len(ds), p50: percentile(ds, 50), p99: percentile(ds, 99)}
}

// run measures everything in order, on fresh databases and a virtual host
// of its own, and cleans up after itself.
func run(ctx context.Context, o options) (*results, error) {
	var r results
	dir, err := os.MkdirTemp("", "amthub-load-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	log.Printf("building amthub")
	bin, err := hubproc.Build(ctx, dir)
	if err != nil {
		return nil, err
	}
	db, err := hubproc.NewDatabase(ctx, os.Getenv("AMTHUB_TEST_DATABASE_URL"))
	if err != nil {
		return nil, err
	}
	defer db.Drop(context.Background())
	vh, err := hubproc.NewVhost(ctx)
	if err != nil {
		return nil, err
	}
	defer vh.Delete(context.Background())
	amqpURL := vh.URL(hubproc.DefaultAMQPHost)
	if err := r.serve(ctx, o, bin, filepath.Join(dir, "serve"), db, amqpURL); err != nil {
		return nil, err
	}
	if !o.noDev && o.only == "" {
		if err := r.dev(ctx, o, bin, filepath.Join(dir, "dev")); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

// serve measures `amthub serve` and the raw baselines.
func (r *results) serve(ctx context.Context, o options, bin, dir string, db *hubproc.Database, amqpURL string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	addr, err := hubproc.FreeAddr()
	if err != nil {
		return err
	}
	h, err := hubproc.StartHub(ctx, hubproc.HubConfig{Bin: bin, Dir: dir, Addr: addr, Env: append([]string{
		"AMTHUB_DATABASE_URL=" + db.URL, "AMTHUB_AMQP_URL=" + amqpURL, "AMTHUB_REDIS_URL=" + hubproc.DefaultRedisURL,
		"AMTHUB_KEY_ENCRYPTION_KEY=" + hubproc.KeyEncryptionKey,
	}, o.hubEnv...)})
	if err != nil {
		return err
	}
	// h.Proc changes when the relay measurement starts the hub again.
	defer func() { _ = h.Proc.Stop(15 * time.Second) }()
	dests := h.Demo.Destinations
	v := hubproc.NewVendor(h.Base, h.Demo.Vendor.ClientID, h.Demo.Vendor.ClientSecret)
	switch o.only {
	case "e2e":
		return r.serveLatency(ctx, o, bin, dir, h, v, amqpURL)
	case "backpressure":
		return r.serveBackpressure(ctx, o, bin, dir, h, v, amqpURL)
	case "retention":
		return r.serveRetention(ctx, o, h, v, db)
	}
	log.Printf("serve: ingest, %d vendors, %s", o.workers, o.duration)
	hubIngest(ctx, v, dests, o.workers, 2*time.Second) // warm-up
	r.ingest, r.ingestCPU = measureCPU(ctx, h.Base, db.URL, func() float64 {
		var rate float64
		rate, r.ingestFailed = hubIngest(ctx, v, dests, o.workers, o.duration)
		return rate
	})
	if o.only == "ingest" {
		log.Printf("serve: ingest %.0f submissions/s (%d failed); CPU per submission: hub %.2f ms, PostgreSQL %.2f ms",
			r.ingest, r.ingestFailed, r.ingestCPU.hub, r.ingestCPU.pg)
		return nil
	}

	if err := h.Proc.Stop(15 * time.Second); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, db.URL+"&pool_max_conns="+fmt.Sprint(o.workers))
	if err != nil {
		return fmt.Errorf("raw pgx: %w", err)
	}
	defer pool.Close()
	target, err := loadRawTarget(ctx, pool, h.Demo.Tenant.ID, h.Demo.Vendor.ClientID)
	if err != nil {
		return err
	}
	log.Printf("raw pgx: ingest, %d connections, %s", o.workers, o.duration)
	if _, _, err := rawIngest(ctx, pool, target, o.workers, 2*time.Second); err != nil { // warm-up, as for the hub
		return err
	}
	r.rawIngest, r.rawCPU = measureCPU(ctx, "", db.URL, func() float64 {
		var rate float64
		rate, _, err = rawIngest(ctx, pool, target, o.workers, o.duration)
		return rate
	})
	if err != nil {
		return err
	}

	log.Printf("serve: relay drains the outbox the raw ingest filled")
	if r.relay, r.relayN, err = relayDrain(ctx, pool, h); err != nil {
		return err
	}
	body, meta := submissionMessage(target, target.dests[0], newID(), newID(), newID(), "2026-XXXX-XXXX", time.Now())
	r.msgSize = len(body)
	var headers map[string]string
	_ = json.Unmarshal(meta, &headers)
	table := amqp.Table{}
	for k, v := range headers {
		table[k] = v
	}
	log.Printf("raw amqp091: publish %d messages of %d bytes", r.relayN, r.msgSize)
	if r.rawRelay, err = rawPublish(ctx, amqpURL, target.dests[0].id, body, table, r.relayN, 16); err != nil {
		return err
	}
	if err := purge(amqpURL, dests); err != nil {
		return err
	}

	if err := r.serveLatency(ctx, o, bin, dir, h, v, amqpURL); err != nil {
		return err
	}
	log.Printf("raw amqp091: publish → consume at %.0f messages/s", r.e2eRate)
	raw, err := rawLatency(ctx, amqpURL, body, r.e2eRate, o.duration)
	if err != nil {
		return err
	}
	r.rawE2E = summarise(raw)
	return nil
}

// serveLatency measures the end-to-end latency through `amthub serve` with
// a Fachverfahren simulator per destination, at half the ingest rate or
// the rate asked for, and logs the hub's relay and connection-pool figures
// of the run.
func (r *results) serveLatency(ctx context.Context, o options, bin, dir string, h *hubproc.Hub, v *hubproc.Vendor, amqpURL string) error {
	dests := h.Demo.Destinations
	logs, stop, err := startSims(o, bin, dir, dests, amqpURL)
	defer stop()
	if err != nil {
		return err
	}
	if o.e2eRate > 0 {
		r.e2eRate = o.e2eRate
	} else {
		log.Printf("serve: end-to-end maximum, %d vendors, %s", o.workers, o.duration)
		max, err := pipelineMax(ctx, v, dests, logs, o.workers, o.duration)
		if err != nil {
			return err
		}
		r.e2eMax, r.e2eRate = max, max/2
	}
	log.Printf("serve: end-to-end latency at %.0f submissions/s", r.e2eRate)
	lat, st, err := hubLatency(ctx, v, dests, logs, r.e2eRate, o.duration)
	if err != nil {
		return err
	}
	r.e2e, r.e2eStages = summarise(lat), st
	if m, err := hubMetrics(ctx, h.Base, "amthub_outbox_", "go_sql_wait", "go_sql_in_use", "amthub_replies_total"); err == nil {
		log.Printf("serve: hub metrics after the latency run:\n%s", m)
	}
	if o.only == "e2e" {
		log.Printf("serve: e2e p50 %v p99 %v (%d samples); 200 → forwarded p50 %v p99 %v; forwarded → applied p50 %v p99 %v",
			r.e2e.p50, r.e2e.p99, r.e2e.n, percentile(st.toForwarded, 50), percentile(st.toForwarded, 99),
			percentile(st.toApplied, 50), percentile(st.toApplied, 99))
	}
	return nil
}

// startSims runs a Fachverfahren simulator per destination, waits for
// them to subscribe, and returns their applied logs and how to stop them.
func startSims(o options, bin, dir string, dests []hubproc.Destination, amqpURL string) ([]string, func(), error) {
	var logs []string
	var procs []*hubproc.Proc
	stop := func() {
		for _, p := range procs {
			_ = p.Stop(10 * time.Second)
		}
	}
	for _, d := range dests {
		s := &hubproc.Sim{Bin: bin, AMQPURL: amqpURL, DestinationID: d.DestinationID, Dir: dir,
			LogPath: filepath.Join(dir, "applied-"+d.DestinationID+".jsonl"), AcceptOnly: !o.statuses}
		if err := s.Start(); err != nil {
			return nil, stop, err
		}
		procs = append(procs, s.Proc)
		logs = append(logs, s.LogPath)
	}
	time.Sleep(2 * time.Second) // let the simulators subscribe
	return logs, stop, nil
}

// dev measures `amthub dev`: ingest and end-to-end latency with its
// built-in simulators.
func (r *results) dev(ctx context.Context, o options, bin, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	addr, err := hubproc.FreeAddr()
	if err != nil {
		return err
	}
	h, err := hubproc.StartHub(ctx, hubproc.HubConfig{Bin: bin, Dir: dir, Addr: addr, Dev: true})
	if err != nil {
		return err
	}
	defer h.Proc.Stop(15 * time.Second)
	dests := h.Demo.Destinations
	v := hubproc.NewVendor(h.Base, h.Demo.Vendor.ClientID, h.Demo.Vendor.ClientSecret)
	log.Printf("dev: ingest, %d vendors, %s", o.workers, o.duration)
	hubIngest(ctx, v, dests, o.workers, 2*time.Second)
	r.devIngest, _ = hubIngest(ctx, v, dests, o.workers, o.duration)
	logs := simLogs(dir, dests, func(id string) string { return "sim-" + id + ".log" })
	if _, _, err := waitApplied(logs, time.Now()); err != nil { // let the simulators catch up
		return err
	}
	log.Printf("dev: end-to-end maximum, %d vendors, %s", o.workers, o.duration)
	if r.devE2EMax, err = pipelineMax(ctx, v, dests, logs, o.workers, o.duration); err != nil {
		return err
	}
	r.devE2ERate = r.devE2EMax / 2
	log.Printf("dev: end-to-end latency at %.0f submissions/s", r.devE2ERate)
	lat, st, err := hubLatency(ctx, v, dests, logs, r.devE2ERate, o.duration)
	if err != nil {
		return err
	}
	r.devE2E, r.devStages = summarise(lat), st
	return nil
}

// purge empties the destinations' queues, so the simulators start on an
// empty queue.
func purge(url string, dests []hubproc.Destination) error {
	conn, err := amqp.Dial(url)
	if err != nil {
		return fmt.Errorf("purge: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("purge: %w", err)
	}
	for _, d := range dests {
		if _, err := ch.QueuePurge(bus.DestinationQueue(d.DestinationID), false); err != nil {
			return fmt.Errorf("purge: %w", err)
		}
	}
	return nil
}
