// Package backpressure sheds new submissions while the hub cannot drain
// the work it has: when the outbox backlog (messages not yet relayed to the
// broker, or the age of the oldest) or a destination's queue (messages its
// Fachverfahren has not taken yet) passes its bound, the gate refuses new
// work with an "overloaded" error that surfaces answer with 503 and
// Retry-After, instead of accepting work that would wait for minutes.
package backpressure

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/poll"
)

// Config holds the bounds. A zero bound takes its default; a negative one
// is off.
type Config struct {
	// MaxOutboxRows bounds the messages waiting in the outbox. Default 1000.
	MaxOutboxRows int
	// MaxOutboxAge bounds the age of the oldest waiting message. Default 1 s.
	MaxOutboxAge time.Duration
	// MaxQueueDepth bounds the messages waiting in a destination's queue
	// fv.<destinationId>. Default 200: what a Fachverfahren taking 100
	// submissions a second works off in 2 s.
	MaxQueueDepth int
	// RetryAfter is what the refused caller is told to wait. Default 2 s.
	RetryAfter time.Duration
	// CacheFor is how long one measurement is used. Default 250 ms: while
	// a measurement is cached, work keeps being admitted, so the backlog
	// can overshoot its bound by (offered − drained) × CacheFor.
	CacheFor time.Duration
}

func (c *Config) defaults() {
	if c.MaxOutboxRows == 0 {
		c.MaxOutboxRows = 1000
	}
	if c.MaxOutboxAge == 0 {
		c.MaxOutboxAge = time.Second
	}
	if c.MaxQueueDepth == 0 {
		c.MaxQueueDepth = 200
	}
	if c.RetryAfter <= 0 {
		c.RetryAfter = 2 * time.Second
	}
	if c.CacheFor <= 0 {
		c.CacheFor = 250 * time.Millisecond
	}
}

// Outbox reports the outbox backlog: how many messages wait and the age of
// the oldest (sqlstore.DB.OutboxBacklog).
type Outbox func(ctx context.Context) (pending int, oldest time.Duration, err error)

// QueueDepth reports how many messages wait in a destination's queue
// (bus.AMQP.DestinationDepth); nil where there are no queues (the
// in-process bus).
type QueueDepth func(ctx context.Context, destinationID string) (int, error)

// Gate decides whether the hub takes new work. It is safe for concurrent
// use; each measurement is taken at most once per CacheFor (Run keeps them fresh), by the request
// that finds it stale, while the others use the last one.
type Gate struct {
	cfg    Config
	outbox Outbox
	depth  QueueDepth
	now    hub.Clock
	logger *slog.Logger

	mu      sync.Mutex
	backlog reading // the outbox
	queues  map[string]*reading

	shed       *prometheus.CounterVec
	rows, age  prometheus.Gauge
	depthGauge *prometheus.GaugeVec
}

// reading is one cached measurement.
type reading struct {
	at         time.Time
	busy       bool // being measured
	rows       int
	age        time.Duration
	measureErr bool
}

// New returns a gate over the outbox and, if depth is not nil, the
// destinations' queues. reg may be nil; a nil logger discards.
func New(cfg Config, outbox Outbox, depth QueueDepth, now hub.Clock, reg prometheus.Registerer, logger *slog.Logger) *Gate {
	cfg.defaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	g := &Gate{cfg: cfg, outbox: outbox, depth: depth, now: now, logger: logger, queues: map[string]*reading{},
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "amthub_backpressure_shed_total",
			Help: "Requests refused with 503 because the hub could not drain its work, by reason (outbox_rows, outbox_age, queue_depth)."},
			[]string{"reason"}),
		rows: prometheus.NewGauge(prometheus.GaugeOpts{Name: "amthub_outbox_backlog_messages",
			Help: "Messages waiting in the outbox to be relayed to the broker (last measurement)."}),
		age: prometheus.NewGauge(prometheus.GaugeOpts{Name: "amthub_outbox_backlog_age_seconds",
			Help: "Age of the oldest message waiting in the outbox (last measurement)."}),
		depthGauge: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "amthub_destination_queue_messages",
			Help: "Messages waiting in a destination's queue fv.<destination> (last measurement)."}, []string{"destination"}),
	}
	for _, reason := range []string{reasonRows, reasonAge, reasonQueue} {
		g.shed.WithLabelValues(reason) // exported at 0 from the start
	}
	if reg != nil {
		reg.MustRegister(g.shed, g.rows, g.age, g.depthGauge)
	}
	return g
}

// Reasons for shedding, the label of amthub_backpressure_shed_total.
const (
	reasonRows  = "outbox_rows"
	reasonAge   = "outbox_age"
	reasonQueue = "queue_depth"
)

// Admit returns nil when the hub takes new work for destinationID, and an
// EUNAVAILABLE error of kind "overloaded" carrying the Retry-After when it
// does not. A failed measurement admits: the gate protects the hub, it
// must not stop it.
func (g *Gate) Admit(ctx context.Context, destinationID string) error {
	b := g.measure(ctx, &g.backlog, "", g.outboxReading)
	reason := ""
	switch {
	case g.cfg.MaxOutboxRows > 0 && b.rows > g.cfg.MaxOutboxRows:
		reason = reasonRows
	case g.cfg.MaxOutboxAge > 0 && b.age > g.cfg.MaxOutboxAge:
		reason = reasonAge
	case g.depth != nil && g.cfg.MaxQueueDepth > 0 && destinationID != "":
		q := g.measure(ctx, g.queue(destinationID), destinationID, g.queueReading(destinationID))
		if q.rows > g.cfg.MaxQueueDepth {
			reason = reasonQueue
		}
	}
	if reason == "" {
		return nil
	}
	g.shed.WithLabelValues(reason).Inc()
	return Overloaded(g.cfg.RetryAfter)
}

// Run measures the outbox and the queues of the destinations asked about
// once per CacheFor until ctx ends, so that the metrics stay current while
// no requests come in and requests never wait for a measurement.
func (g *Gate) Run(ctx context.Context) {
	poll.Loop(ctx, g.cfg.CacheFor, func(ctx context.Context) bool {
		g.measure(ctx, &g.backlog, "", g.outboxReading)
		if g.depth == nil {
			return false
		}
		g.mu.Lock()
		ids := make([]string, 0, len(g.queues))
		for id := range g.queues {
			ids = append(ids, id)
		}
		g.mu.Unlock()
		for _, id := range ids {
			g.measure(ctx, g.queue(id), id, g.queueReading(id))
		}
		return false
	})
}

func (g *Gate) outboxReading(ctx context.Context) (int, time.Duration, error) { return g.outbox(ctx) }

func (g *Gate) queueReading(destinationID string) func(context.Context) (int, time.Duration, error) {
	return func(ctx context.Context) (int, time.Duration, error) {
		n, err := g.depth(ctx, destinationID)
		return n, 0, err
	}
}

func (g *Gate) queue(destinationID string) *reading {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.queues[destinationID]
	if r == nil {
		r = &reading{}
		g.queues[destinationID] = r
	}
	return r
}

// measure returns r, measured again with fn if it is older than CacheFor
// and no one else is measuring it.
func (g *Gate) measure(ctx context.Context, r *reading, destinationID string,
	fn func(context.Context) (int, time.Duration, error)) reading {
	now := g.now()
	g.mu.Lock()
	if r.busy || now.Sub(r.at) < g.cfg.CacheFor {
		cur := *r
		g.mu.Unlock()
		return cur
	}
	r.busy = true
	g.mu.Unlock()

	rows, age, err := fn(ctx)

	g.mu.Lock()
	defer g.mu.Unlock()
	r.busy, r.at = false, now
	if err != nil {
		// Keep the last values, but only for this period: admit after that.
		if !r.measureErr {
			g.logger.Warn("backpressure: measuring failed; admitting", "destination", destinationID, "error", err)
		}
		r.measureErr, r.rows, r.age = true, 0, 0
		return *r
	}
	r.measureErr, r.rows, r.age = false, rows, age
	if destinationID == "" {
		g.rows.Set(float64(rows))
		g.age.Set(age.Seconds())
	} else {
		g.depthGauge.WithLabelValues(destinationID).Set(float64(rows))
	}
	return *r
}

// Wait is the cause of an overloaded error: how long the caller should
// wait before trying again (httpserver.RetryAfter reads it).
type Wait time.Duration

func (d Wait) Error() string { return fmt.Sprintf("retry after %s", time.Duration(d)) }

// RetryAfter returns the wait.
func (d Wait) RetryAfter() time.Duration { return time.Duration(d) }

// Overloaded is the error for work refused because the hub is behind.
func Overloaded(after time.Duration) error {
	return &hub.Error{Code: hub.EUNAVAILABLE, Kind: "overloaded", Err: Wait(after),
		Message: "The hub is processing more submissions than it can pass on right now. Please try again after the time given in Retry-After."}
}
