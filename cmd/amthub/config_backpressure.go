package main

import (
	"context"
	"strconv"
	"time"

	"github.com/amthub/amthub/hub/backpressure"
	"github.com/amthub/amthub/hub/bus"
)

// loadBackpressure reads the bounds past which the hub sheds new
// submissions with 503 (AMTHUB_BACKPRESSURE_*); 0 turns a bound off.
func (c *Config) loadBackpressure(getenv func(string) string) error {
	c.Backpressure = backpressure.Config{MaxOutboxRows: 1000, MaxOutboxAge: time.Second, MaxQueueDepth: 200,
		RetryAfter: 2 * time.Second}
	for _, n := range []struct {
		name string
		to   *int
	}{{"AMTHUB_BACKPRESSURE_OUTBOX_MESSAGES", &c.Backpressure.MaxOutboxRows}, {"AMTHUB_BACKPRESSURE_QUEUE_MESSAGES", &c.Backpressure.MaxQueueDepth}} {
		if v := getenv(n.name); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i < 0 {
				return &configError{n.name, "want a whole number, 0 for no bound"}
			}
			*n.to = off(i)
		}
	}
	ds := map[string]*time.Duration{"AMTHUB_BACKPRESSURE_RETRY_AFTER": &c.Backpressure.RetryAfter}
	if getenv("AMTHUB_BACKPRESSURE_OUTBOX_AGE") == "0" {
		c.Backpressure.MaxOutboxAge = -1
	} else {
		ds["AMTHUB_BACKPRESSURE_OUTBOX_AGE"] = &c.Backpressure.MaxOutboxAge
	}
	if err := durations(getenv, ds); err != nil {
		return err
	}
	if c.Backpressure.RetryAfter < time.Second {
		return &configError{"AMTHUB_BACKPRESSURE_RETRY_AFTER", "want at least 1s"}
	}
	return nil
}

// off maps the configuration's 0 (no bound) to the gate's negative.
func off(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// newGate builds the backpressure gate over the outbox and, on RabbitMQ,
// the destinations' queues.
func (a *App) newGate() *backpressure.Gate {
	var depth backpressure.QueueDepth
	if q, ok := a.Bus.(interface {
		DestinationDepth(ctx context.Context, destinationID string) (int, error)
	}); ok {
		depth = q.DestinationDepth
	}
	return backpressure.New(a.Config.Backpressure, a.DB.OutboxBacklog, depth, a.DB.Now, a.Registry, a.Logger)
}

var _ interface {
	DestinationDepth(ctx context.Context, destinationID string) (int, error)
} = (*bus.AMQP)(nil)
