package registers

import (
	"sync"
	"time"
)

// breaker is a circuit breaker for one register: after threshold failures
// in a row it opens and refuses calls for cooldown, then lets one trial
// call through (half-open); the trial's outcome closes or reopens it.
type breaker struct {
	threshold int
	cooldown  time.Duration

	mu        sync.Mutex
	failures  int
	openUntil time.Time
	trial     bool // a half-open trial is in flight
}

// allow reports whether a call may go ahead now.
func (b *breaker) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failures < b.threshold {
		return true
	}
	if now.Before(b.openUntil) || b.trial {
		return false
	}
	b.trial = true
	return true
}

// success records a call that worked: the breaker closes.
func (b *breaker) success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures, b.trial = 0, false
}

// failure records a failed call; reaching the threshold (or failing the
// trial) opens the breaker for cooldown.
func (b *breaker) failure(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	b.trial = false
	if b.failures >= b.threshold {
		b.openUntil = now.Add(b.cooldown)
	}
}

// open reports whether the breaker currently refuses calls.
func (b *breaker) open(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.failures >= b.threshold && now.Before(b.openUntil)
}
