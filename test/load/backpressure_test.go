package main

import (
	"context"
	"testing"
	"time"
)

// TestBackpressureTiny runs the backpressure mode at a tiny size, against
// a real `amthub serve` on PostgreSQL and RabbitMQ with low bounds, so
// that the hub sheds within seconds: every offered submission is either
// answered 2xx and reaches its simulator, or answered 503
// /problems/overloaded with Retry-After; nothing else. The full-size run
// (60 s at 3× the maximum) is the command in the note; its p99 is
// not checked here, on a machine shared with other tests.
func TestBackpressureTiny(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := run(ctx, options{only: "backpressure", workers: 4, duration: 3 * time.Second, overload: 3, noDev: true,
		hubEnv: []string{"AMTHUB_BACKPRESSURE_QUEUE_MESSAGES=5", "AMTHUB_BACKPRESSURE_OUTBOX_MESSAGES=20"}})
	if err != nil {
		t.Fatal(err)
	}
	b := res.bp
	t.Logf("\n%s", b.markdown())
	if b.n == 0 || b.acked == 0 || b.shed == 0 {
		t.Fatalf("offered %d: %d accepted, %d shed; want some of each at 3× the maximum", b.n, b.acked, b.shed)
	}
	if b.lost != 0 || b.failed != 0 || b.shedNoRetry != 0 || b.wrongType != 0 || b.acked+b.shed != b.n {
		t.Fatalf("lost %d, failed %d (%v), shed without Retry-After %d, of another type %d; %d + %d ≠ %d",
			b.lost, b.failed, b.failures, b.shedNoRetry, b.wrongType, b.acked, b.shed, b.n)
	}
}
