package fitconnect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/amthub/amthub/connectors/fachverfahren"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/poll"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Replier sends the hub a reply; *fachverfahren.Client is one.
type Replier interface {
	Send(ctx context.Context, r fachverfahren.Reply) error
}

// Connector forwards one destination's submissions to FIT-Connect.
type Connector struct {
	cfg     Config
	api     *API
	fv      *fachverfahren.Client
	store   *store
	logger  *slog.Logger
	metrics *metrics
	wake    chan struct{}
}

// lease is how long a worker holds a submission it is forwarding.
const lease = 2 * time.Minute

// batch is how many due submissions one round takes.
const batch = 16

// New returns a connector. fv consumes the destination's queue and sends
// replies (its DestinationID must be cfg.DestinationID); db holds the
// connector's table; reg, if not nil, gets its metrics.
func New(cfg Config, api *API, fv *fachverfahren.Client, db *sqlstore.DB, logger *slog.Logger, reg prometheus.Registerer) (*Connector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if api == nil || fv == nil || db == nil {
		return nil, errors.New("fitconnect: api, fachverfahren client and database are required")
	}
	if fv.DestinationID() != cfg.DestinationID {
		return nil, fmt.Errorf("fitconnect: client serves %s, config names %s", fv.DestinationID(), cfg.DestinationID)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	return &Connector{cfg: cfg.withDefaults(), api: api, fv: fv, store: &store{db: db}, metrics: m,
		logger: logger.With("component", "fitconnect", "destination", cfg.DestinationID), wake: make(chan struct{}, 1)}, nil
}

// Run consumes the destination's queue and forwards what it took until
// ctx ends.
func (c *Connector) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { poll.Loop(ctx, c.cfg.PollInterval, c.round, c.wake) })
	err := c.fv.Consume(ctx, c.take)
	wg.Wait()
	return err
}

// Subscribed is closed once the connector consumes its queue.
func (c *Connector) Subscribed() <-chan struct{} { return c.fv.Subscribed() }

// take stores a consumed submission; the broker's message is acknowledged
// when it returns nil, after the commit.
func (c *Connector) take(ctx context.Context, sub *fachverfahren.Submission) error {
	msg, err := json.Marshal(sub.SubmissionMessage)
	if err != nil {
		return fmt.Errorf("fitconnect: encode submission %s: %w", sub.SubmissionID, err)
	}
	isNew, err := c.store.take(ctx, item{SubmissionID: sub.SubmissionID, TenantID: sub.Tenant, DestinationID: c.cfg.DestinationID,
		CaseID: sub.CaseID, TraceParent: sub.TraceParent, Message: msg}, c.cfg.Now())
	if err != nil {
		return err
	}
	if isNew {
		c.metrics.taken.Inc()
		select {
		case c.wake <- struct{}{}:
		default:
		}
	} else {
		c.logger.Info("submission taken before; not forwarded again", "submission", sub.SubmissionID, "message_id", sub.MessageID)
	}
	return nil
}

// round forwards the due submissions; it reports whether a full batch
// suggests more are waiting.
func (c *Connector) round(ctx context.Context) bool {
	now := c.cfg.Now()
	items, err := c.store.claimDue(ctx, c.cfg.DestinationID, now, now.Add(lease), batch)
	if err != nil && ctx.Err() == nil {
		c.logger.Error("looking for due submissions failed", "error", err)
	}
	for _, it := range items {
		c.step(ctx, it)
	}
	return len(items) == batch
}

// step takes one submission as far as it can go now and records the
// outcome: progress, or a failure with the time of the next attempt.
func (c *Connector) step(ctx context.Context, it item) {
	was := it.State
	err := c.forward(ctx, &it)
	now := c.cfg.Now()
	if err != nil {
		if ctx.Err() != nil {
			return // shutting down: the lease runs out and another round retries
		}
		it.Attempts++
		wait := c.backoff(it.Attempts)
		reason := err.Error()
		if ErrUntrustedKey(err) {
			reason = "key refused: " + err.Error()
		}
		c.metrics.failures.WithLabelValues(was).Inc()
		c.logger.Warn("forwarding to FIT-Connect failed; retrying", "submission", it.SubmissionID, "state", was,
			"attempt", it.Attempts, "in", wait, "error", err)
		if err := c.store.failed(ctx, it.SubmissionID, it.Attempts, truncate(reason, 500), now.Add(wait), now); err != nil {
			c.logger.Error("recording a failure failed", "submission", it.SubmissionID, "error", err)
		}
		return
	}
	next := now.Add(c.cfg.PollInterval)
	if err := c.store.advance(ctx, it, next, now); err != nil {
		c.logger.Error("recording progress failed", "submission", it.SubmissionID, "error", err)
		return
	}
	if it.State != was {
		c.metrics.steps.WithLabelValues(it.State).Inc()
		c.logger.Info("forwarded to FIT-Connect", "submission", it.SubmissionID, "state", it.State,
			"fit_submission", it.FITSubmissionID)
	}
}

// forward runs the steps due for it's state, updating it as it goes.
func (c *Connector) forward(ctx context.Context, it *item) error {
	if it.State == stateReceived || it.State == stateCreated {
		var m hub.SubmissionMessage
		if err := json.Unmarshal(it.Message, &m); err != nil {
			return fmt.Errorf("fitconnect: stored message of %s: %w", it.SubmissionID, err)
		}
		if _, _, err := payload(&m); err != nil {
			// No retry can help (sealed for the hub's key): say so on
			// the timeline instead of retrying forever.
			return c.refuse(ctx, it, err)
		}
		key, err := c.api.EncryptionKey(ctx)
		if err != nil {
			return err
		}
		if it.State == stateReceived {
			cr, err := c.api.Create(ctx, &m)
			if err != nil {
				return err
			}
			it.State, it.FITSubmissionID, it.FITCaseID = stateCreated, cr.SubmissionID, cr.CaseID
			// Record FIT-Connect's ids before anything else can fail, so
			// that a retry never creates a second submission.
			if err := c.store.advance(ctx, *it, c.cfg.Now().Add(lease), c.cfg.Now()); err != nil {
				return err
			}
		}
		if err := c.submit(ctx, it, &m, key); err != nil {
			return err
		}
		it.State = stateSubmitted
		if err := c.store.advance(ctx, *it, c.cfg.Now().Add(lease), c.cfg.Now()); err != nil {
			return err
		}
	}
	if it.State == stateSubmitted {
		return c.mirror(ctx, it)
	}
	return nil
}

// backoff is the wait after n failed attempts: RetryMin doubling up to
// RetryMax.
func (c *Connector) backoff(n int) time.Duration {
	d := c.cfg.RetryMin
	for i := 1; i < n && d < c.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, c.cfg.RetryMax)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
