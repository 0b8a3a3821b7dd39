package cache

import (
	"context"
	"sync"
	"time"
)

// Memory is an in-process cache for a single hub process.
type Memory struct {
	mu    sync.Mutex
	now   func() time.Time
	tat   map[string]time.Time // GCRA theoretical arrival time per rate-limit key
	keys  map[string]time.Time // expiry per marker key
	sweep time.Time
}

// NewMemory returns an empty in-process cache.
func NewMemory() *Memory {
	return NewMemoryClock(time.Now)
}

// NewMemoryClock returns an empty in-process cache that reads the time from
// now (a test's settable clock).
func NewMemoryClock(now func() time.Time) *Memory {
	return &Memory{now: now, tat: map[string]time.Time{}, keys: map[string]time.Time{}}
}

// Allow counts one event under key and reports whether limit allows it
// (generic cell rate algorithm, as Redis's redis_rate uses).
func (m *Memory) Allow(_ context.Context, key string, limit Limit) (Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.sweepLocked(now)
	iv := limit.interval()
	tat := m.tat[key]
	if tat.Before(now) {
		tat = now
	}
	newTAT := tat.Add(iv)
	allowAt := newTAT.Add(-iv * time.Duration(limit.Burst))
	if allowAt.After(now) {
		return Result{Allowed: false, RetryAfter: allowAt.Sub(now)}, nil
	}
	m.tat[key] = newTAT
	remaining := int(now.Sub(allowAt) / iv)
	return Result{Allowed: true, Remaining: remaining}, nil
}

// SetNX sets key for ttl unless it is set; it reports whether it set it.
func (m *Memory) SetNX(_ context.Context, key string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if exp, ok := m.keys[key]; ok && exp.After(now) {
		return false, nil
	}
	m.keys[key] = now.Add(ttl)
	return true, nil
}

// Exists reports whether key is set and not expired.
func (m *Memory) Exists(_ context.Context, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	exp, ok := m.keys[key]
	return ok && exp.After(m.now()), nil
}

// Delete removes key.
func (m *Memory) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, key)
	return nil
}

// Ready always succeeds: the cache lives in this process.
func (m *Memory) Ready(context.Context) error { return nil }

// sweepLocked drops expired entries at most once a minute.
func (m *Memory) sweepLocked(now time.Time) {
	if now.Sub(m.sweep) < time.Minute {
		return
	}
	m.sweep = now
	for k, t := range m.tat {
		if t.Before(now) {
			delete(m.tat, k)
		}
	}
	for k, t := range m.keys {
		if !t.After(now) {
			delete(m.keys, k)
		}
	}
}
