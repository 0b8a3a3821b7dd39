package retention

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/poll"
	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Purger deletes one kind of data of a module whose retention ended: what
// it deletes lies in its own module's tables and stores.
type Purger interface {
	// Purge deletes, inside tx, up to limit items of tenantID whose period
	// started before cutoff, and returns how many it deleted. What it
	// deletes is due by the data alone (no state outside tx), so a purge
	// that rolls back is simply done again.
	Purge(ctx context.Context, tx *sqlstore.Tx, tenantID string, cutoff time.Time, limit int) (int, error)
	// Due counts the items of tenantID that Purge would delete.
	Due(ctx context.Context, tenantID string, cutoff time.Time) (int, error)
}

// Funcs adapts a module store's two methods to a Purger.
type Funcs struct {
	PurgeFunc func(ctx context.Context, tx *sqlstore.Tx, tenantID string, cutoff time.Time, limit int) (int, error)
	DueFunc   func(ctx context.Context, tenantID string, cutoff time.Time) (int, error)
}

// Purge calls PurgeFunc.
func (f Funcs) Purge(ctx context.Context, tx *sqlstore.Tx, tenantID string, cutoff time.Time, limit int) (int, error) {
	return f.PurgeFunc(ctx, tx, tenantID, cutoff, limit)
}

// Due calls DueFunc.
func (f Funcs) Due(ctx context.Context, tenantID string, cutoff time.Time) (int, error) {
	return f.DueFunc(ctx, tenantID, cutoff)
}

// Target is the purger of one data kind.
type Target struct {
	Kind   privacy.Kind
	Purger Purger
}

// Config tunes the job.
type Config struct {
	// Interval between runs when nothing is due. Default 1 min.
	Interval time.Duration
	// BatchSize bounds what one transaction deletes per kind. Default 500.
	BatchSize int
}

// Job deletes what is due, kind by kind and tenant by tenant, in batches:
// each batch and its log row commit together.
type Job struct {
	db      *sqlstore.DB
	periods *Periods
	targets []Target
	logger  *slog.Logger
	cfg     Config
	now     hub.Clock
	metrics metrics
}

type metrics struct {
	deleted  *prometheus.CounterVec
	due      *prometheus.GaugeVec
	duration prometheus.Histogram
	failures prometheus.Counter
}

// NewJob returns the deletion job over targets, ordered as Kinds orders
// their kinds. reg may be nil.
func NewJob(db *sqlstore.DB, periods *Periods, targets []Target, logger *slog.Logger, reg prometheus.Registerer, cfg Config) *Job {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Minute
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	ordered := make([]Target, 0, len(targets))
	for _, k := range Kinds() {
		for _, t := range targets {
			if t.Kind == k {
				ordered = append(ordered, t)
			}
		}
	}
	j := &Job{db: db, periods: periods, targets: ordered, logger: logger, cfg: cfg, now: db.Now, metrics: metrics{
		deleted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "amthub_retention_deleted_total",
			Help: "Items the retention job deleted, by data kind."}, []string{"kind"}),
		due: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "amthub_retention_due",
			Help: "Items whose retention ended and that wait for deletion, by data kind (after the last run)."}, []string{"kind"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "amthub_retention_run_seconds",
			Help: "Duration of one run of the retention job over every tenant and kind.", Buckets: prometheus.ExponentialBuckets(0.01, 4, 8)}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "amthub_retention_failures_total",
			Help: "Batches of the retention job that failed (retried on the next run)."}),
	}}
	if reg != nil {
		reg.MustRegister(j.metrics.deleted, j.metrics.due, j.metrics.duration, j.metrics.failures)
	}
	return j
}

// Run deletes what is due until ctx ends: at once, then on every interval,
// and again at once while batches come back full.
func (j *Job) Run(ctx context.Context) {
	poll.Loop(ctx, j.cfg.Interval, func(ctx context.Context) bool {
		more, err := j.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			j.logger.Warn("retention run failed", "error", err)
		}
		return more
	})
}

// Result is what one run deleted.
type Result struct {
	Deleted map[privacy.Kind]int
	// More is true when a batch came back full: more is due now.
	More bool
}

// RunOnce deletes up to one batch per tenant and kind. A failed batch is
// counted and the run goes on with the next; the first error is returned.
func (j *Job) RunOnce(ctx context.Context) (more bool, err error) {
	res, err := j.run(ctx)
	return res.More, err
}

// RunOnceResult is RunOnce with what it deleted, for tests and tools.
func (j *Job) RunOnceResult(ctx context.Context) (Result, error) { return j.run(ctx) }

func (j *Job) run(ctx context.Context) (Result, error) {
	start := time.Now()
	res := Result{Deleted: map[privacy.Kind]int{}}
	tenants, err := j.tenants(ctx)
	if err != nil {
		return res, err
	}
	var firstErr error
	due := map[privacy.Kind]int{}
	for _, tenantID := range tenants {
		periods, err := j.periods.List(ctx, tenantID)
		if err != nil {
			firstErr = cmpErr(firstErr, err)
			continue
		}
		for _, t := range j.targets {
			p := findPeriod(periods, t.Kind)
			if p.Keep {
				continue
			}
			cutoff := j.now().Add(-p.Duration)
			n, err := j.batch(ctx, tenantID, t, cutoff)
			if err != nil {
				j.metrics.failures.Inc()
				firstErr = cmpErr(firstErr, fmt.Errorf("purge %s of tenant %s: %w", t.Kind, tenantID, err))
				continue
			}
			res.Deleted[t.Kind] += n
			if n == j.cfg.BatchSize {
				res.More = true
				continue
			}
			if d, err := t.Purger.Due(ctx, tenantID, cutoff); err == nil {
				due[t.Kind] += d
			}
		}
	}
	if !res.More {
		for _, t := range j.targets {
			j.metrics.due.WithLabelValues(string(t.Kind)).Set(float64(due[t.Kind]))
		}
	}
	j.metrics.duration.Observe(time.Since(start).Seconds())
	return res, firstErr
}

// batch purges one batch and logs its count in the same transaction.
func (j *Job) batch(ctx context.Context, tenantID string, t Target, cutoff time.Time) (int, error) {
	var n int
	err := j.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		if n, err = t.Purger.Purge(ctx, tx, tenantID, cutoff, j.cfg.BatchSize); err != nil || n == 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO retention_log (id, tenant_id, kind, deleted, cutoff, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, hub.NewID(), tenantID, string(t.Kind), n, cutoff, j.now())
		return err
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		j.metrics.deleted.WithLabelValues(string(t.Kind)).Add(float64(n))
		j.logger.Info("retention deleted", "tenant", tenantID, "kind", t.Kind, "count", n)
	}
	return n, nil
}

func (j *Job) tenants(ctx context.Context) ([]string, error) {
	ts, err := sqlstore.NewTenantService(j.db).ListTenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out, nil
}

func findPeriod(ps []Period, k privacy.Kind) Period {
	for _, p := range ps {
		if p.Kind == k {
			return p
		}
	}
	return Period{Kind: k, Keep: true}
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
