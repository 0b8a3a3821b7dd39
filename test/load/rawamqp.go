package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/amthub/amthub/hub/bus"
)

// rawPublish publishes n persistent messages of the given body and headers
// to the submissions exchange with key, on window channels of one
// connection, each waiting for its broker confirm before the next publish:
// the relay's confirm window (PublishChannels and Parallel are 16). It
// returns messages per second.
func rawPublish(ctx context.Context, url, key string, body []byte, headers amqp.Table, n, window int) (float64, error) {
	conn, err := amqp.Dial(url)
	if err != nil {
		return 0, fmt.Errorf("raw publish: %w", err)
	}
	defer conn.Close()
	var next atomic.Int64
	errs := make(chan error, window)
	start := time.Now()
	var wg sync.WaitGroup
	for range window {
		ch, err := conn.Channel()
		if err != nil {
			return 0, fmt.Errorf("raw publish: %w", err)
		}
		if err := ch.Confirm(false); err != nil {
			return 0, fmt.Errorf("raw publish: %w", err)
		}
		wg.Go(func() {
			defer ch.Close()
			for next.Add(1) <= int64(n) {
				dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, bus.SubmissionsExchange, key, false, false,
					amqp.Publishing{DeliveryMode: amqp.Persistent, ContentType: "application/json", Headers: headers, Body: body})
				if err == nil {
					var ok bool
					if ok, err = dc.WaitContext(ctx); err == nil && !ok {
						err = fmt.Errorf("nack")
					}
				}
				if err != nil {
					errs <- fmt.Errorf("raw publish: %w", err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return float64(n) / elapsed.Seconds(), nil
}

// rawLatency publishes at rate for d to a quorum queue of its own, with
// confirms, and consumes it; it returns the publish → consume latencies.
func rawLatency(ctx context.Context, url string, body []byte, rate float64, d time.Duration) ([]time.Duration, error) {
	conn, err := amqp.Dial(url)
	if err != nil {
		return nil, fmt.Errorf("raw latency: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return nil, fmt.Errorf("raw latency: %w", err)
	}
	q, err := ch.QueueDeclare("bench.raw", true, false, false, false, amqp.Table{"x-queue-type": "quorum"})
	if err != nil {
		return nil, fmt.Errorf("raw latency: %w", err)
	}
	if err := ch.Qos(16, 0, false); err != nil {
		return nil, fmt.Errorf("raw latency: %w", err)
	}
	deliveries, err := ch.Consume(q.Name, "", false, false, false, false, nil)
	if err != nil {
		return nil, fmt.Errorf("raw latency: %w", err)
	}
	total := int(rate * d.Seconds())
	var mu sync.Mutex
	var lat []time.Duration
	got := make(chan struct{})
	go func() {
		defer close(got)
		for m := range deliveries {
			sent, _ := strconv.ParseInt(fmt.Sprint(m.Headers["sent"]), 10, 64)
			mu.Lock()
			lat = append(lat, time.Since(time.Unix(0, sent)))
			n := len(lat)
			mu.Unlock()
			_ = m.Ack(false)
			if n == total {
				return
			}
		}
	}()
	pubs := make(chan int64, 1024) // the scheduled send time
	var wg sync.WaitGroup
	for range 16 { // publishers, each on its own confirm channel, as the relay
		pc, err := conn.Channel()
		if err != nil {
			return nil, fmt.Errorf("raw latency: %w", err)
		}
		if err := pc.Confirm(false); err != nil {
			return nil, fmt.Errorf("raw latency: %w", err)
		}
		wg.Go(func() {
			for sent := range pubs {
				dc, err := pc.PublishWithDeferredConfirmWithContext(ctx, "", q.Name, false, false, amqp.Publishing{
					DeliveryMode: amqp.Persistent, Body: body, Headers: amqp.Table{"sent": strconv.FormatInt(sent, 10)}})
				if err == nil {
					_, _ = dc.WaitContext(ctx)
				}
			}
		})
	}
	openLoop(rate, total, func() { pubs <- time.Now().UnixNano() })
	close(pubs)
	wg.Wait()
	select {
	case <-got:
	case <-time.After(30 * time.Second):
	}
	_, _ = ch.QueueDelete(q.Name, false, false, false)
	mu.Lock()
	defer mu.Unlock()
	return append([]time.Duration(nil), lat...), nil
}

// openLoop calls fire total times at the given rate, on schedule, whether
// or not earlier calls have finished (fire must not block for long).
func openLoop(rate float64, total int, fire func()) {
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	for i := range total {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		fire()
	}
}
