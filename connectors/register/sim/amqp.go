package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/amthub/amthub/connectors/register"
)

// AMQPServer serves the simulated registers over AMQP request/reply (see
// package register for the protocol) until Close.
type AMQPServer struct {
	conn   *amqp.Connection
	cancel context.CancelFunc
	wg     sync.WaitGroup
	done   chan struct{}
}

// ListenAMQP declares each request queue (transient and auto-deleted: it
// goes away with the simulator, so the hub's requests come back as
// unroutable instead of waiting) and answers every request on its
// reply_to with its correlation id. The request's type says which
// register it asks, so one queue may serve both. Latency, failures and
// SetDown apply as over HTTP; answers are sent concurrently.
func (s *Sim) ListenAMQP(url string, queues ...string) (*AMQPServer, error) {
	if len(queues) == 0 {
		return nil, errors.New("register simulator: no queue to serve")
	}
	conn, err := amqp.DialConfig(url, amqp.Config{Heartbeat: 10 * time.Second,
		Properties: amqp.Table{"connection_name": "amthub register simulator"}})
	if err != nil {
		return nil, fmt.Errorf("register simulator: connect: %w", err)
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.Qos(64, 0, false)
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("register simulator: channel: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &AMQPServer{conn: conn, cancel: cancel, done: make(chan struct{})}
	for _, q := range queues {
		if _, err := ch.QueueDeclare(q, false, true, false, false, nil); err != nil {
			cancel()
			conn.Close()
			return nil, fmt.Errorf("register simulator: declare %s: %w", q, err)
		}
		deliveries, err := ch.Consume(q, "", false, false, false, false, nil)
		if err != nil {
			cancel()
			conn.Close()
			return nil, fmt.Errorf("register simulator: consume %s: %w", q, err)
		}
		srv.wg.Go(func() {
			for d := range deliveries {
				srv.wg.Go(func() { s.reply(ctx, ch, d) })
			}
		})
	}
	go func() { srv.wg.Wait(); close(srv.done) }()
	return srv, nil
}

// reply answers one request; a request without reply_to is dropped.
func (s *Sim) reply(ctx context.Context, ch *amqp.Channel, d amqp.Delivery) {
	if !s.wait(ctx) {
		if ctx.Err() != nil {
			_ = d.Nack(false, true) // closing: another instance may answer
			return
		}
		s.publish(ch, d, http.StatusServiceUnavailable, fehler{"simulierter Ausfall"})
		return
	}
	status, out := s.answer(d.Type, d.Body)
	s.publish(ch, d, status, out)
}

func (s *Sim) publish(ch *amqp.Channel, d amqp.Delivery, status int, out any) {
	defer func() { _ = d.Ack(false) }()
	if d.ReplyTo == "" {
		return
	}
	body, err := json.Marshal(out)
	if err != nil {
		return
	}
	// The requester may have gone (Direct Reply-to): then the reply is
	// dropped by the broker, which is what a timed-out caller wants.
	_ = ch.Publish("", d.ReplyTo, false, false, amqp.Publishing{ContentType: "application/json",
		CorrelationId: d.CorrelationId, Headers: amqp.Table{register.StatusHeader: int32(status)}, Body: body,
		Timestamp: time.Now().UTC()})
}

// Close stops answering and closes the connection; the request queues go
// away with it.
func (srv *AMQPServer) Close() error {
	srv.cancel()
	err := srv.conn.Close()
	if errors.Is(err, amqp.ErrClosed) {
		err = nil
	}
	select {
	case <-srv.done:
	case <-time.After(5 * time.Second):
	}
	return err
}
