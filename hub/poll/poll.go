// Package poll runs the hub's background jobs: a job that looks for due
// work now, and again on an interval, until its context ends.
package poll

import (
	"context"
	"reflect"
	"time"
)

// Loop calls job at once and then on every tick of interval until ctx
// ends. While job reports more (a full batch: work is waiting), it is
// called again at once instead of waiting for the tick. A value on any of
// the wake channels calls it early, e.g. on a commit that queued work.
// job handles and logs its own errors: a failed round waits for the next.
func Loop(ctx context.Context, interval time.Duration, job func(ctx context.Context) (more bool), wake ...<-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	cases := []reflect.SelectCase{
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())},
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(t.C)},
	}
	for _, w := range wake {
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(w)})
	}
	for {
		for ctx.Err() == nil && job(ctx) {
		}
		if len(wake) == 0 {
			select { // the common case, without reflection
			case <-ctx.Done():
				return
			case <-t.C:
			}
			continue
		}
		if chosen, _, _ := reflect.Select(cases); chosen == 0 {
			return
		}
	}
}
