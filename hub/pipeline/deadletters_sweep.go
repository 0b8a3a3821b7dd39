package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/poll"
	"github.com/amthub/amthub/hub/sqlstore"
)

// DestinationLister lists a tenant's destinations (the catalogue).
type DestinationLister interface {
	ListDestinations(ctx context.Context, tenantID string) ([]*hub.Destination, error)
}

// DeadLetterSweep discards the dead letters whose submission's content the
// retention job deleted (content_deleted_at set) or whose submission no
// longer exists: a copy of the content in a destination's dead-letter
// queue must not outlive the content itself. It runs beside the retention
// job; it is idempotent (a dead letter already gone is skipped) and logs
// counts only.
type DeadLetterSweep struct {
	db           *sqlstore.DB
	bus          DeadLetterBus
	destinations DestinationLister
	logger       *slog.Logger
	discarded    prometheus.Counter
}

// NewDeadLetterSweep returns the sweep over b's dead-letter queues of the
// destinations d lists, counting on reg (may be nil).
func NewDeadLetterSweep(db *sqlstore.DB, b DeadLetterBus, d DestinationLister, logger *slog.Logger, reg prometheus.Registerer) *DeadLetterSweep {
	s := &DeadLetterSweep{db: db, bus: b, destinations: d, logger: logger,
		discarded: prometheus.NewCounter(prometheus.CounterOpts{Name: "amthub_retention_dead_letters_discarded_total",
			Help: "Dead letters discarded because their submission's content was deleted or the submission is gone."})}
	if reg != nil {
		reg.MustRegister(s.discarded)
	}
	return s
}

// Run sweeps at once and then every interval until ctx ends.
func (s *DeadLetterSweep) Run(ctx context.Context, interval time.Duration) {
	poll.Loop(ctx, interval, func(ctx context.Context) bool {
		if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.logger.Warn("dead-letter sweep failed", "error", err)
		}
		return false
	})
}

// Sweep looks through the dead letters of every tenant's destinations
// (up to maxInspect per destination) and discards those of submissions
// whose content is deleted or that no longer exist. Dead letters that name
// no submission, or another tenant, stay. It returns how many it
// discarded; a failing destination is skipped and its error returned.
func (s *DeadLetterSweep) Sweep(ctx context.Context) (int, error) {
	tenants, err := sqlstore.NewTenantService(s.db).ListTenants(ctx)
	if err != nil {
		return 0, fmt.Errorf("list tenants: %w", err)
	}
	total := 0
	var firstErr error
	for _, t := range tenants {
		dests, err := s.destinations.ListDestinations(ctx, t.ID)
		if err != nil {
			firstErr = cmpFirst(firstErr, fmt.Errorf("list destinations of tenant %s: %w", t.ID, err))
			continue
		}
		for _, d := range dests {
			n, err := s.sweepDestination(ctx, t.ID, d.ID)
			total += n
			if err != nil {
				firstErr = cmpFirst(firstErr, fmt.Errorf("sweep dead letters of destination %s: %w", d.ID, err))
			}
			if n > 0 {
				s.logger.Info("retention discarded dead letters", "tenant", t.ID, "destination", d.ID, "count", n)
			}
		}
	}
	return total, firstErr
}

func (s *DeadLetterSweep) sweepDestination(ctx context.Context, tenantID, destinationID string) (int, error) {
	letters, err := s.bus.ListDeadLetters(ctx, destinationID, maxInspect)
	if err != nil || len(letters) == 0 {
		return 0, err
	}
	candidates := eligible(letters, tenantID, nil)
	if len(candidates) == 0 {
		return 0, nil
	}
	ids := make([]string, len(candidates))
	for i, dl := range candidates {
		ids[i] = dl.Submission
	}
	kept, err := s.contentKept(ctx, ids)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, dl := range eligible(candidates, tenantID, kept) {
		err := s.bus.DiscardDeadLetter(ctx, destinationID, dl.ID)
		if hub.ErrorCode(err) == hub.ENOTFOUND {
			continue // gone meanwhile: another hub process or an operator
		}
		if err != nil {
			return n, err
		}
		n++
		s.discarded.Inc()
	}
	return n, nil
}

// eligible returns the dead letters of tenantID naming a submission whose
// content is not kept (with kept nil: every one naming a submission).
func eligible(letters []bus.DeadLetter, tenantID string, kept map[string]bool) []bus.DeadLetter {
	var out []bus.DeadLetter
	for _, dl := range letters {
		if dl.Submission != "" && (dl.Tenant == "" || dl.Tenant == tenantID) && !kept[dl.Submission] {
			out = append(out, dl)
		}
	}
	return out
}

// contentKept returns the ids among ids of submissions that exist and
// still hold their content.
func (s *DeadLetterSweep) contentKept(ctx context.Context, ids []string) (map[string]bool, error) {
	list, in := sqlstore.InList(1, ids)
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM submissions WHERE content_deleted_at IS NULL AND id IN (`+list+`)`, in...)
	if err != nil {
		return nil, fmt.Errorf("read submissions of dead letters: %w", err)
	}
	defer rows.Close()
	kept := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read submissions of dead letters: %w", err)
		}
		kept[id] = true
	}
	return kept, rows.Err()
}

func cmpFirst(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
