package register

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/amthub/amthub/hub"
)

// Request/reply over AMQP (RabbitMQ; the contract is
// openapi/registers-asyncapi.yaml). The hub publishes a query to the
// register's request queue through the default exchange, with
//   - reply_to amq.rabbitmq.reply-to (RabbitMQ's Direct Reply-to: no reply
//     queue to declare or clean up; replies come straight back on the
//     channel that asked),
//   - a fresh correlation_id,
//   - type naming the operation (PopulationType, TradeType),
//   - expiration set to the time the caller still waits, so a request no
//     register took in time dies in the queue instead of being answered
//     for no one,
//   - mandatory set, so a request to a queue that does not exist comes
//     back at once and fails as unavailable instead of timing out.
// The register answers on reply_to with the same correlation_id, the
// header StatusHeader (HTTP-like: 200 an answer, 4xx refused, 5xx failed)
// and the JSON answer as body.

// Names of the AMQP request/reply protocol.
const (
	ReplyTo        = "amq.rabbitmq.reply-to"
	StatusHeader   = "status"
	PopulationType = "xmeld.auskunft"
	TradeType      = "handelsregister.auskunft"
	// QueueParam is the query parameter of an amqp(s) URL that names a
	// register's request queue; it is removed before dialling.
	QueueParam = "queue"
)

// DefaultQueue is the request queue of a register when its URL names none.
func DefaultQueue(register string) string { return "register." + register }

// SplitAMQPURL splits an amqp(s) register URL into the broker URL and the
// request queue (the "queue" parameter, default DefaultQueue(register)).
// Errors never repeat the URL: it may hold a password.
func SplitAMQPURL(raw, register string) (brokerURL, queue string, err error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "amqp" && u.Scheme != "amqps") || u.Host == "" {
		return "", "", errors.New("want an amqp(s):// URL with a host")
	}
	q := u.Query()
	queue = q.Get(QueueParam)
	if queue == "" {
		queue = DefaultQueue(register)
	}
	if len(queue) > 255 {
		return "", "", errors.New("queue name longer than 255 bytes")
	}
	q.Del(QueueParam)
	u.RawQuery = q.Encode()
	return u.String(), queue, nil
}

// RPCConfig configures an AMQP request/reply connection.
type RPCConfig struct {
	// URL is the broker's amqp(s):// URL. Required.
	URL string
	// DialTimeout bounds connecting (and reconnecting). Default 5 s; a
	// query's own deadline bounds it further.
	DialTimeout time.Duration
	// Expiration is the request's expiration when the caller's context has
	// no deadline. Default 30 s.
	Expiration time.Duration
	// Logger logs connection changes. Default slog.Default().
	Logger *slog.Logger
}

// RPC is one AMQP connection with one channel, shared by every register
// client that uses it. It connects on first use and, when the connection
// or channel closes, fails the queries in flight as unavailable and
// connects again on the next query. It is safe for concurrent use.
type RPC struct {
	cfg RPCConfig

	mu     sync.Mutex // guards cur and closed; held while connecting
	cur    *session
	closed bool
}

// NewRPC returns an RPC connection; it does not connect yet.
func NewRPC(cfg RPCConfig) (*RPC, error) {
	if u, err := url.Parse(cfg.URL); err != nil || (u.Scheme != "amqp" && u.Scheme != "amqps") || u.Host == "" {
		return nil, errors.New("register rpc: want an amqp(s):// URL with a host")
	}
	if cfg.DialTimeout < 0 || cfg.Expiration < 0 {
		return nil, errors.New("register rpc: timeouts must not be negative")
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.Expiration == 0 {
		cfg.Expiration = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &RPC{cfg: cfg}, nil
}

// Close closes the connection; later calls fail.
func (r *RPC) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.cur != nil {
		r.cur.kill(errors.New("closed"))
		r.cur = nil
	}
	return nil
}

// reply is what came back for one request.
type reply struct {
	status int
	body   []byte
	err    error
}

// session is one connection and its channel; it dies once, failing every
// request still waiting.
type session struct {
	conn *amqp.Connection
	ch   *amqp.Channel

	mu      sync.Mutex
	pending map[string]chan reply
	dead    bool
}

// session returns the live session, connecting if there is none.
func (r *RPC) session(ctx context.Context) (*session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, errors.New("rpc closed")
	}
	if r.cur != nil && !r.cur.isDead() {
		return r.cur, nil
	}
	timeout := r.cfg.DialTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	if timeout <= 0 {
		return nil, context.DeadlineExceeded
	}
	conn, err := amqp.DialConfig(r.cfg.URL, amqp.Config{Dial: amqp.DefaultDial(timeout), Heartbeat: 10 * time.Second,
		Properties: amqp.Table{"connection_name": "amthub registers"}})
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	s, err := startSession(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if r.cur != nil {
		r.cfg.Logger.Info("register rpc reconnected")
	}
	r.cur = s
	return s, nil
}

func startSession(conn *amqp.Connection) (*session, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, fmt.Errorf("open channel: %w", err)
	}
	// Direct Reply-to: consume the pseudo-queue in no-ack mode on the
	// channel that publishes, before the first request.
	deliveries, err := ch.Consume(ReplyTo, "", true, false, false, false, nil)
	if err != nil {
		return nil, fmt.Errorf("consume replies: %w", err)
	}
	s := &session{conn: conn, ch: ch, pending: map[string]chan reply{}}
	returns := ch.NotifyReturn(make(chan amqp.Return, 16))
	closed := ch.NotifyClose(make(chan *amqp.Error, 1))
	go s.loop(deliveries, returns, closed)
	return s, nil
}

// loop hands replies and returned requests to their waiters until the
// channel closes.
func (s *session) loop(deliveries <-chan amqp.Delivery, returns <-chan amqp.Return, closed <-chan *amqp.Error) {
	for {
		select {
		case d, ok := <-deliveries:
			if !ok {
				s.kill(errors.New("reply consumer cancelled"))
				return
			}
			status, _ := statusOf(d.Headers)
			s.answer(d.CorrelationId, reply{status: status, body: d.Body})
		case ret, ok := <-returns:
			if !ok {
				returns = nil
				continue
			}
			s.answer(ret.CorrelationId, reply{err: fmt.Errorf("request returned by the broker: %d %s (no queue %q)",
				ret.ReplyCode, ret.ReplyText, ret.RoutingKey)})
		case err := <-closed:
			cause := errors.New("channel closed")
			if err != nil {
				cause = err
			}
			s.kill(cause)
			return
		}
	}
}

// statusOf reads the status header, whatever integer type it came as.
func statusOf(h amqp.Table) (int, bool) {
	switch v := h[StatusHeader].(type) {
	case int:
		return v, true
	case int8:
		return int(v), true
	case int16:
		return int(v), true
	case int32:
		return int(v), true
	case int64:
		return int(v), true
	case uint8:
		return int(v), true
	case uint16:
		return int(v), true
	case uint32:
		return int(v), true
	case string:
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	return 0, false
}

func (s *session) answer(id string, r reply) {
	s.mu.Lock()
	ch := s.pending[id]
	delete(s.pending, id)
	s.mu.Unlock()
	if ch != nil {
		ch <- r // buffered: never blocks
	} // else a late reply to a request that gave up: dropped
}

func (s *session) add(id string, ch chan reply) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return false
	}
	s.pending[id] = ch
	return true
}

func (s *session) remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pending, id)
}

func (s *session) isDead() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dead
}

// kill ends the session once: waiting requests fail, the connection
// closes.
func (s *session) kill(cause error) {
	s.mu.Lock()
	if s.dead {
		s.mu.Unlock()
		return
	}
	s.dead = true
	waiting := s.pending
	s.pending = nil
	s.mu.Unlock()
	for _, ch := range waiting {
		ch <- reply{err: fmt.Errorf("connection lost: %w", cause)}
	}
	go s.conn.Close() // may block on a broken socket; nobody waits for it
}

// Call sends body as a request of type typ to queue and waits for the
// reply until ctx ends. It returns the reply's status and body; err is
// ctx's error when the caller gave up, else a *hub.Error with code
// EUNAVAILABLE.
func (r *RPC) Call(ctx context.Context, queue, typ string, body []byte) (status int, answer []byte, err error) {
	s, err := r.session(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, nil, err
		}
		return 0, nil, unavailable(fmt.Errorf("amqp: %w", err))
	}
	id := hub.NewID()
	wait := make(chan reply, 1)
	if !s.add(id, wait) {
		return 0, nil, unavailable(errors.New("amqp: connection lost"))
	}
	defer s.remove(id)
	expiration := r.cfg.Expiration
	if dl, ok := ctx.Deadline(); ok {
		expiration = time.Until(dl)
	}
	err = s.ch.PublishWithContext(ctx, "", queue, true, false, amqp.Publishing{
		ContentType: "application/json", DeliveryMode: amqp.Transient, CorrelationId: id, MessageId: id,
		ReplyTo: ReplyTo, Type: typ, Timestamp: time.Now().UTC(), Body: body,
		Expiration: strconv.FormatInt(max(expiration.Milliseconds(), 1), 10),
	})
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		s.kill(err)
		return 0, nil, unavailable(fmt.Errorf("amqp: publish: %w", err))
	}
	select {
	case rep := <-wait:
		if rep.err != nil {
			return 0, nil, unavailable(fmt.Errorf("amqp: %w", rep.err))
		}
		if rep.status == 0 {
			return 0, nil, unavailable(errors.New("amqp: reply without status header"))
		}
		return rep.status, rep.body, nil
	case <-ctx.Done():
		return 0, nil, ctx.Err()
	}
}
