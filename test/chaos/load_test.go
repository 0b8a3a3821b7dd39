//go:build chaos

package chaos

import (
	"context"
	"sync"
	"time"

	"github.com/amthub/amthub/test/load/hubproc"
)

// loadGen submits continuously at a target rate: each tick one worker
// creates and submits a submission, retrying as a vendor would. Ticks that
// find every worker busy (the hub is down or slow) are dropped, so the
// offered load stays bounded.
type loadGen struct {
	vendor   *hubproc.Vendor
	dests    []hubproc.Destination
	rate     float64
	workers  int
	retryFor time.Duration

	mu  sync.Mutex
	ops []hubproc.Op
}

// run submits until ctx ends, then waits for the submissions in progress
// to finish their retries (they are not cut short: a vendor that gives up
// mid-request leaves an indeterminate outcome).
func (g *loadGen) run(ctx context.Context) {
	ticks := make(chan int)
	var wg sync.WaitGroup
	for range g.workers {
		wg.Go(func() {
			for n := range ticks {
				op := g.vendor.Submit(context.Background(), g.dests[n%len(g.dests)], g.retryFor)
				g.mu.Lock()
				g.ops = append(g.ops, op)
				g.mu.Unlock()
			}
		})
	}
	t := time.NewTicker(time.Duration(float64(time.Second) / g.rate))
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			close(ticks)
			wg.Wait()
			return
		case <-t.C:
			select {
			case ticks <- n:
			default: // every worker busy
			}
		}
	}
}

// snapshot returns the operations finished so far.
func (g *loadGen) snapshot() []hubproc.Op {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]hubproc.Op(nil), g.ops...)
}
