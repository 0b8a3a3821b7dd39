package pipeline

import (
	"context"
	"log/slog"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/poll"
)

// Sweeper expires unfinished submissions, redelivers forwarded ones whose
// receipt is overdue, and stops waiting for status numbers that never came.
type Sweeper struct {
	Store *Store
	Now   hub.Clock
	// Logger receives what the sweeper did.
	Logger *slog.Logger
	// Interval between sweeps. Default 10 s.
	Interval time.Duration
	// ReceiptTimeout is how long a forwarded submission waits for accept
	// or reject before it is sent again. Default 10 min.
	ReceiptTimeout time.Duration
	// MaxDeliveries bounds the deliveries of one submission. Default 10.
	MaxDeliveries int
	// ReorderWait is how long a numbered status report waits for the
	// numbers before it before the gap is skipped. Default 1 min.
	ReorderWait time.Duration
}

// Run sweeps until ctx ends.
func (s *Sweeper) Run(ctx context.Context) {
	if s.Interval <= 0 {
		s.Interval = 10 * time.Second
	}
	poll.Loop(ctx, s.Interval, func(ctx context.Context) bool { s.SweepOnce(ctx); return false })
}

// SweepOnce runs one sweep of each kind.
func (s *Sweeper) SweepOnce(ctx context.Context) {
	if s.ReceiptTimeout <= 0 {
		s.ReceiptTimeout = 10 * time.Minute
	}
	if s.MaxDeliveries <= 0 {
		s.MaxDeliveries = 10
	}
	if s.ReorderWait <= 0 {
		s.ReorderWait = time.Minute
	}
	if n, err := s.Store.ExpireDue(ctx, 500); err != nil {
		s.Logger.Warn("expiring submissions failed", "error", err)
	} else if n > 0 {
		s.Logger.Info("expired submissions", "count", n)
	}
	if n, err := s.Store.RedeliverDue(ctx, s.Now().Add(-s.ReceiptTimeout), s.MaxDeliveries, 500); err != nil {
		s.Logger.Warn("redelivering submissions failed", "error", err)
	} else if n > 0 {
		s.Logger.Info("redelivered submissions without receipt", "count", n)
	}
	if n, err := s.Store.ReleaseOverdue(ctx, s.Now().Add(-s.ReorderWait), 500); err != nil {
		s.Logger.Warn("releasing held statuses failed", "error", err)
	} else if n > 0 {
		s.Logger.Info("applied held statuses across a missing sequence number", "submissions", n)
	}
}
