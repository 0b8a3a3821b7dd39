package poll_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/poll"
)

func TestLoop(t *testing.T) {
	t.Run("RunsAtOnceAndOnEveryTick", func(t *testing.T) {
		var n atomic.Int32
		stop := start(t, 10*time.Millisecond, func(context.Context) bool { n.Add(1); return false })
		waitFor(t, func() bool { return n.Load() >= 3 })
		stop()
	})
	t.Run("DrainsWhileMore", func(t *testing.T) {
		var n atomic.Int32
		// An hour's interval: only the drain can reach five rounds.
		stop := start(t, time.Hour, func(context.Context) bool { return n.Add(1) < 5 })
		waitFor(t, func() bool { return n.Load() == 5 })
		stop()
		if got := n.Load(); got != 5 {
			t.Fatalf("rounds = %d, want 5", got)
		}
	})
	t.Run("WakesEarly", func(t *testing.T) {
		a, b := make(chan struct{}, 1), make(chan struct{}, 1)
		var n atomic.Int32
		stop := start(t, time.Hour, func(context.Context) bool { n.Add(1); return false }, a, b)
		waitFor(t, func() bool { return n.Load() == 1 })
		a <- struct{}{}
		waitFor(t, func() bool { return n.Load() == 2 })
		b <- struct{}{}
		waitFor(t, func() bool { return n.Load() == 3 })
		stop()
	})
	t.Run("StopsOnCancelDuringDrain", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			poll.Loop(ctx, time.Hour, func(context.Context) bool { cancel(); return true })
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Loop did not return after its context ended")
		}
	})
}

// start runs poll.Loop in the background; stop ends it and waits until
// it has returned.
func start(t *testing.T, interval time.Duration, job func(context.Context) bool, wake ...<-chan struct{}) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		poll.Loop(ctx, interval, job, wake...)
	}()
	t.Cleanup(cancel)
	return func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Loop did not return after its context ended")
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}
