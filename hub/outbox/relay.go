// Package outbox relays messages from the transactional outbox table to the
// message bus. A message is deleted only after the broker confirmed it, in
// the transaction that claimed it: a relay that dies mid-batch leaves its
// batch to the next one (at-least-once; consumers deduplicate by message
// id). Several relays may run at once: they claim disjoint rows.
package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/poll"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/hub/telemetry"
)

// Relay moves outbox messages to a publisher.
type Relay struct {
	db        *sqlstore.DB
	publisher message.Publisher
	logger    *slog.Logger
	cfg       Config
	metrics   *metrics
}

// Config tunes a relay.
type Config struct {
	// BatchSize is how many messages one transaction claims. Default 100.
	BatchSize int
	// Parallel is how many publishes of a batch wait for their broker
	// confirm at once. Default 16.
	Parallel int
	// PollInterval is the fallback when no commit signal arrives. Default 1s.
	PollInterval time.Duration
	// MaxBackoff caps the delay after failed publishes. Default 5 min.
	MaxBackoff time.Duration
	// Workers is how many relay loops Run starts. They claim disjoint
	// batches (SKIP LOCKED), so one batch's bookkeeping and commit overlap
	// the next one's publishing. Default 1; on SQLite, whose single writer
	// serialises them, more do not help.
	Workers int
	// Tracer makes a span per batch, linked to the traces of its messages,
	// and a publish span per message, a child of the trace stored with the
	// message (the request that wrote it). Nil: no spans.
	Tracer trace.TracerProvider
	// OnSent, if set, runs in the claiming transaction for the messages the
	// bus confirmed, before they are deleted: state that depends on the
	// confirm (a submission's "forwarded") commits with the deletion.
	OnSent func(ctx context.Context, tx *sqlstore.Tx, sent []hub.OutboxMessage) error
}

func (c *Config) defaults() {
	if c.BatchSize <= 0 {
		c.BatchSize = 100
	}
	if c.Parallel <= 0 {
		c.Parallel = 16
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 5 * time.Minute
	}
	if c.Workers <= 0 {
		c.Workers = 1
	}
	if c.Tracer == nil {
		c.Tracer = noop.NewTracerProvider()
	}
}

type metrics struct {
	relayed prometheus.Counter
	failed  prometheus.Counter
	batch   prometheus.Histogram
	publish prometheus.Histogram
}

// NewRelay returns a relay from db to publisher. reg may be nil.
func NewRelay(db *sqlstore.DB, publisher message.Publisher, logger *slog.Logger, reg prometheus.Registerer, cfg Config) *Relay {
	cfg.defaults()
	m := &metrics{
		relayed: prometheus.NewCounter(prometheus.CounterOpts{Name: "amthub_outbox_relayed_total", Help: "Outbox messages confirmed by the bus."}),
		failed:  prometheus.NewCounter(prometheus.CounterOpts{Name: "amthub_outbox_publish_failures_total", Help: "Failed outbox publish attempts."}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "amthub_outbox_batch_seconds", Help: "Time to relay one outbox batch.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		publish: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "amthub_outbox_publish_seconds",
			Help:    "Time from a batch's first publish to its last broker confirm (part of amthub_outbox_batch_seconds).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
	}
	if reg != nil {
		reg.MustRegister(m.relayed, m.failed, m.batch, m.publish)
	}
	return &Relay{db: db, publisher: publisher, logger: logger, cfg: cfg, metrics: m}
}

// Run relays until ctx ends. Its loops wake on local commits and, on
// PostgreSQL, on commits of other processes (when the DB listens), and poll
// as a fallback; a loop that finds a full batch rouses a sibling, so a
// backlog is worked on by every loop at once.
func (r *Relay) Run(ctx context.Context) {
	siblings := make(chan struct{}, r.cfg.Workers)
	var wg sync.WaitGroup
	for i := 0; i < r.cfg.Workers; i++ {
		wg.Go(func() { r.loop(ctx, siblings) })
	}
	wg.Wait()
}

func (r *Relay) loop(ctx context.Context, siblings chan struct{}) {
	poll.Loop(ctx, r.cfg.PollInterval, func(ctx context.Context) bool {
		n, err := r.RelayOnce(ctx)
		if err != nil {
			if ctx.Err() == nil {
				r.logger.Warn("outbox relay failed; retrying", "error", err)
			}
			return false
		}
		if n < r.cfg.BatchSize {
			return false
		}
		select { // more is waiting: let a sibling take the next batch
		case siblings <- struct{}{}:
		default:
		}
		return true
	}, r.db.OutboxWake(), siblings)
}

// RelayOnce relays one batch and returns how many messages the bus confirmed.
func (r *Relay) RelayOnce(ctx context.Context) (int, error) {
	start := time.Now()
	sent := 0
	err := r.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		batch, err := sqlstore.ClaimOutbox(ctx, tx, r.cfg.BatchSize)
		if err != nil || len(batch) == 0 {
			return err
		}
		ctx, span := r.startBatch(ctx, batch)
		defer span.End()
		published := time.Now()
		errs := r.publish(ctx, batch)
		r.metrics.publish.Observe(time.Since(published).Seconds())
		var done []string
		var sentMsgs []hub.OutboxMessage
		for i, m := range batch {
			if errs[i] == nil {
				done = append(done, m.ID)
				sentMsgs = append(sentMsgs, m)
				continue
			}
			r.metrics.failed.Inc()
			r.logger.WarnContext(ctx, "outbox publish failed", "message_id", m.ID, "topic", m.Topic, "attempt", m.Attempts+1, "error", errs[i])
			if err := sqlstore.DeferOutbox(ctx, tx, m.ID, r.db.Now().Add(r.backoff(m.Attempts)), errs[i].Error()); err != nil {
				return err
			}
		}
		if r.cfg.OnSent != nil && len(sentMsgs) > 0 {
			if err := r.cfg.OnSent(ctx, tx, sentMsgs); err != nil {
				return fmt.Errorf("after send: %w", err)
			}
		}
		if err := sqlstore.DeleteOutbox(ctx, tx, done...); err != nil {
			return err
		}
		sent = len(done)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("relay outbox batch: %w", err)
	}
	if sent > 0 {
		r.metrics.relayed.Add(float64(sent))
		r.metrics.batch.Observe(time.Since(start).Seconds())
	}
	return sent, nil
}

// startBatch starts the span of one batch, linked to the trace each of its
// messages was written in.
func (r *Relay) startBatch(ctx context.Context, batch []hub.OutboxMessage) (context.Context, trace.Span) {
	var links []trace.Link // none when tracing is off: rows carry no trace context then
	for _, m := range batch {
		if sc := trace.SpanContextFromContext(telemetry.Extract(ctx, m.Metadata)); sc.IsValid() {
			links = append(links, trace.Link{SpanContext: sc})
		}
	}
	return r.cfg.Tracer.Tracer(telemetry.ScopeName).Start(ctx, "outbox relay", trace.WithLinks(links...),
		trace.WithAttributes(attribute.Int("amthub.outbox.batch_size", len(batch))))
}

// publish sends the batch with up to Parallel confirms outstanding and
// returns one error slot per message. Each publish is a span in the trace
// its message was written in, linked to the batch's span.
func (r *Relay) publish(ctx context.Context, batch []hub.OutboxMessage) []error {
	errs := make([]error, len(batch))
	sem := make(chan struct{}, r.cfg.Parallel)
	batchLink := trace.LinkFromContext(ctx)
	var wg sync.WaitGroup
	for i := range batch {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			msg := ToMessage(batch[i])
			mctx := telemetry.Extract(ctx, batch[i].Metadata)
			_, span := telemetry.StartPublish(mctx, r.cfg.Tracer, batch[i].Topic, msg.UUID, msg.Metadata, batchLink)
			errs[i] = r.publisher.Publish(batch[i].Topic, msg)
			telemetry.RecordError(span, errs[i])
			span.End()
		})
	}
	wg.Wait()
	return errs
}

// backoff is the delay after the given number of failed attempts:
// exponential from one second, capped.
func (r *Relay) backoff(attempts int) time.Duration {
	d := time.Second << min(attempts, 20)
	return min(d, r.cfg.MaxBackoff)
}

// ToMessage turns an outbox row into a bus message whose UUID is the outbox
// id, so that consumers can deduplicate.
func ToMessage(m hub.OutboxMessage) *message.Message {
	msg := message.NewMessage(m.ID, m.Payload)
	for k, v := range m.Metadata {
		msg.Metadata.Set(k, v)
	}
	msg.Metadata.Set("amthub:tenant", m.TenantID)
	return msg
}
