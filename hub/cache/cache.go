// Package cache provides the hub's fast shared state: rate limits, one-time
// markers (revoked token ids, used nonces) and short-lived keys. Memory
// serves `amthub dev` and tests of a single process; Redis serves
// `amthub serve`, where several hub processes share it.
package cache

import "time"

// Limit is a rate: Rate events per Period, with bursts up to Burst.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// PerMinute returns a limit of n per minute with a burst of n.
func PerMinute(n int) Limit { return Limit{Rate: n, Period: time.Minute, Burst: n} }

// PerSecond returns a limit of n per second with a burst of n.
func PerSecond(n int) Limit { return Limit{Rate: n, Period: time.Second, Burst: n} }

// Result is the answer of a rate-limit check.
type Result struct {
	Allowed    bool
	Remaining  int
	RetryAfter time.Duration // when not allowed: how long until the next event is
}

// interval is the time one event "costs" under the limit (GCRA's emission
// interval).
func (l Limit) interval() time.Duration { return l.Period / time.Duration(l.Rate) }
