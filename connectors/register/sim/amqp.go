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
// package register for the protocol) until Close. When the connection
// drops (a broker restart), it connects again every second.
type AMQPServer struct {
	sim    *Sim
	url    string
	queues []string
	ctx    context.Context
	cancel context.CancelFunc
	loops  sync.WaitGroup // consumer loops, one per queue and connection
	wg     sync.WaitGroup // reply goroutines
	done   chan struct{}  // closed when the serve loop ended

	mu   sync.Mutex
	conn *amqp.Connection
}

// ListenAMQP declares each request queue (transient and auto-deleted: it
// goes away with the simulator, so the hub's requests come back as
// unroutable instead of waiting) and answers every request on its
// reply_to with its correlation id. The request's type says which
// register it asks, so one queue may serve both. Latency, failures and
// SetDown apply as over HTTP; answers are sent concurrently. It returns
// once it consumes, or the first connection's error.
func (s *Sim) ListenAMQP(url string, queues ...string) (*AMQPServer, error) {
	if len(queues) == 0 {
		return nil, errors.New("register simulator: no queue to serve")
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &AMQPServer{sim: s, url: url, queues: queues, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	closed, err := srv.connect()
	if err != nil {
		cancel()
		return nil, err
	}
	go srv.serve(closed)
	return srv, nil
}

// serve reconnects after the connection closed, until Close.
func (srv *AMQPServer) serve(closed <-chan *amqp.Error) {
	defer close(srv.done)
	for {
		select {
		case <-srv.ctx.Done():
			return
		case <-closed:
		}
		if srv.ctx.Err() != nil {
			return
		}
		for {
			var err error
			if closed, err = srv.connect(); err == nil {
				break
			}
			select {
			case <-srv.ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}
}

// connect opens a connection, declares the queues and starts consuming;
// the returned channel tells when the connection closed.
func (srv *AMQPServer) connect() (<-chan *amqp.Error, error) {
	conn, err := amqp.DialConfig(srv.url, amqp.Config{Heartbeat: 10 * time.Second, Dial: amqp.DefaultDial(5 * time.Second),
		Properties: amqp.Table{"connection_name": "amthub register simulator"}})
	if err != nil {
		return nil, fmt.Errorf("register simulator: connect: %w", err)
	}
	fail := func(what string, err error) (<-chan *amqp.Error, error) {
		conn.Close()
		return nil, fmt.Errorf("register simulator: %s: %w", what, err)
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.Qos(64, 0, false)
	}
	if err != nil {
		return fail("channel", err)
	}
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	for _, q := range srv.queues {
		if _, err := ch.QueueDeclare(q, false, true, false, false, nil); err != nil {
			return fail("declare "+q, err)
		}
		deliveries, err := ch.Consume(q, "", false, false, false, false, nil)
		if err != nil {
			return fail("consume "+q, err)
		}
		srv.loops.Go(func() {
			for d := range deliveries {
				srv.wg.Go(func() { srv.sim.reply(srv.ctx, ch, d) })
			}
		})
	}
	srv.mu.Lock()
	srv.conn = conn
	srv.mu.Unlock()
	return closed, nil
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

func (srv *AMQPServer) current() *amqp.Connection {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.conn
}

// Close stops answering and closes the connection; the request queues go
// away with it.
func (srv *AMQPServer) Close() error {
	srv.cancel()
	conn := srv.current()
	var err error
	if conn != nil {
		if err = conn.Close(); errors.Is(err, amqp.ErrClosed) {
			err = nil
		}
	}
	<-srv.done // no more connections after this
	if conn := srv.current(); conn != nil {
		conn.Close() // one opened while closing
	}
	srv.loops.Wait() // their deliveries ended with the connections
	srv.wg.Wait()
	return err
}
