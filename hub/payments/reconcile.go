package payments

import (
	"context"
	"time"

	"github.com/amthub/amthub/hub/poll"
)

// Run reconciles due payments until ctx ends: the provider has no push, so
// the hub asks for the status of every open payment on the back-off
// schedule, until it is final or expired.
func (s *Service) Run(ctx context.Context) {
	poll.Loop(ctx, s.cfg.Interval, func(ctx context.Context) bool {
		n, err := s.ReconcileOnce(ctx, 50)
		if err != nil && ctx.Err() == nil {
			s.logger.Warn("payment reconciliation failed; retrying", "error", err)
		}
		return err == nil && n == 50
	})
}

// ReconcileOnce checks up to limit due payments and returns how many it
// looked at. Provider calls happen outside any transaction: the payments
// are leased first.
func (s *Service) ReconcileOnce(ctx context.Context, limit int) (int, error) {
	due, err := s.store.leaseDue(ctx, s.cfg.Lease, limit)
	if err != nil {
		return 0, err
	}
	for _, p := range due {
		if ctx.Err() != nil {
			break
		}
		var err error
		if p.Status == StatusPending {
			err = s.retryPending(ctx, p)
		} else {
			err = s.Check(ctx, p)
		}
		if err != nil {
			s.logger.Info("payment check failed; trying again later", "payment", p.ID, "error", err)
		}
	}
	return len(due), nil
}

// retryPending completes a creation that a crash or an error interrupted,
// or drops it once the payment would have expired.
func (s *Service) retryPending(ctx context.Context, p *Payment) error {
	if !s.store.db.Now().Before(p.ExpiresAt) {
		return s.store.deletePending(ctx, p.ID)
	}
	if err := s.finishCreate(ctx, p); err != nil {
		return s.store.recordError(ctx, p.ID, s.next(p), err.Error())
	}
	return nil
}

// Check asks the provider for the status of an INITIAL payment and applies
// it: a final status moves the payment, with its events; an open one past
// its expiry is recorded as canceled; otherwise the next check is
// scheduled.
func (s *Service) Check(ctx context.Context, p *Payment) error {
	t, err := s.provider.Transaction(ctx, p.TransactionID)
	if err != nil {
		if rerr := s.store.recordError(context.WithoutCancel(ctx), p.ID, s.next(p), err.Error()); rerr != nil {
			return rerr
		}
		return err
	}
	reason := ""
	if !Final(t.Status) && !s.store.db.Now().Before(p.ExpiresAt) {
		t = &Transaction{ID: t.ID, Status: StatusCanceled, PaymentMethod: t.PaymentMethod}
		reason = "expired"
	}
	changed, err := s.store.applyStatus(ctx, p, t, s.next(p), reason)
	if err == nil && changed {
		s.logger.Info("payment reconciled", "payment", p.ID, "status", p.Status)
	}
	return err
}

// next returns when to check p again: the back-off step for its number of
// checks, but no later than its expiry, so expiry is noticed in time.
func (s *Service) next(p *Payment) time.Time {
	step := s.cfg.Backoff[min(p.Checks+1, len(s.cfg.Backoff)-1)]
	now := s.store.db.Now()
	at := now.Add(step)
	if now.Before(p.ExpiresAt) && at.After(p.ExpiresAt) {
		at = p.ExpiresAt
	}
	return at
}
