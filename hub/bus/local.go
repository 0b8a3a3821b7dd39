package bus

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
)

// Local is the in-process bus of `amthub dev`: Watermill's GoChannel with
// AMQP-like bindings in front, so code addresses it as it addresses
// RabbitMQ. Like a quorum queue, a queue hands a message back at most the
// delivery limit times and then moves it to its dead-letter queue, which
// DeadLetters reads. Messages live in memory only; the outbox is what
// makes them durable.
type Local struct {
	ch *gochannel.GoChannel

	mu       sync.RWMutex
	bindings map[string][]binding // exchange → bindings
	limit    int

	deadMu sync.Mutex
	dead   map[string][]*localDeadLetter // dead-letter queue → its messages, oldest first
}

// DefaultDeliveryLimit is how often a queue delivers a message before it
// dead-letters it, on RabbitMQ (AMQPConfig.DeliveryLimit) and in process.
const DefaultDeliveryLimit = 20

// maxLocalDeadLetters bounds each in-process dead-letter queue; past it,
// the oldest go.
const maxLocalDeadLetters = 10000

type binding struct {
	pattern string // exact routing key, or "#" for all
	queue   string
}

// NewLocal returns an in-process bus with the hub's exchanges bound.
func NewLocal(logger watermill.LoggerAdapter) *Local {
	l := &Local{
		ch: gochannel.NewGoChannel(gochannel.Config{
			OutputChannelBuffer:            64,
			BlockPublishUntilSubscriberAck: false,
		}, logger),
		bindings: map[string][]binding{},
		limit:    DefaultDeliveryLimit,
		dead:     map[string][]*localDeadLetter{},
	}
	l.Bind(RepliesExchange, "#", RepliesQueue)
	return l
}

// SetDeliveryLimit changes the delivery limit (default
// DefaultDeliveryLimit) for the subscriptions made after it.
func (l *Local) SetDeliveryLimit(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n > 0 {
		l.limit = n
	}
}

// Bind routes messages published to exchange with a key matching pattern
// ("#" matches all) into queue.
func (l *Local) Bind(exchange, pattern, queue string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range l.bindings[exchange] {
		if b.pattern == pattern && b.queue == queue {
			return
		}
	}
	l.bindings[exchange] = append(l.bindings[exchange], binding{pattern, queue})
}

// Publish delivers msgs to every queue bound to the topic's exchange and key.
func (l *Local) Publish(topic string, msgs ...*message.Message) error {
	exchange, key := SplitTopic(topic)
	l.mu.RLock()
	var queues []string
	if exchange == "" { // the default exchange routes to the queue named by the key
		queues = append(queues, key)
	}
	for _, b := range l.bindings[exchange] {
		if b.pattern == "#" || b.pattern == key || strings.HasSuffix(b.pattern, ".#") && strings.HasPrefix(key, strings.TrimSuffix(b.pattern, "#")) {
			queues = append(queues, b.queue)
		}
	}
	l.mu.RUnlock()
	for _, q := range queues {
		copies := make([]*message.Message, len(msgs))
		for i, m := range msgs {
			copies[i] = m.Copy()
			copies[i].Metadata.Set(RoutingKeyKey, key)
		}
		if err := l.ch.Publish(q, copies...); err != nil {
			return fmt.Errorf("publish to %s: %w", q, err)
		}
	}
	return nil
}

// Subscribe consumes the named queue. A message nacked as often as the
// delivery limit goes to the queue's dead-letter queue instead of back.
func (l *Local) Subscribe(ctx context.Context, queue string) (<-chan *message.Message, error) {
	in, err := l.ch.Subscribe(ctx, queue)
	if err != nil {
		return nil, err
	}
	l.mu.RLock()
	limit := l.limit
	l.mu.RUnlock()
	out := make(chan *message.Message)
	go l.limitDeliveries(ctx, queue, limit, in, out)
	return out, nil
}

// DeclareDestination binds the destination's queue.
func (l *Local) DeclareDestination(_ context.Context, destinationID string) error {
	l.Bind(SubmissionsExchange, destinationID, DestinationQueue(destinationID))
	return nil
}

// Ready always succeeds: the bus lives in this process.
func (l *Local) Ready(context.Context) error { return nil }

// Close stops delivery.
func (l *Local) Close() error { return l.ch.Close() }

// localDeliveryCount is the metadata key that tells a consumer how often
// the message was delivered before, as amqp.go's Unmarshal does.
const localDeliveryCount = "amqp:delivery-count"

// limitDeliveries hands the messages of in to out, each on its own, and
// counts the nacks of each: at the limit, the message is dead-lettered.
func (l *Local) limitDeliveries(ctx context.Context, queue string, limit int, in <-chan *message.Message, out chan<- *message.Message) {
	var (
		mu     sync.Mutex
		counts = map[string]int{}
		wg     sync.WaitGroup
	)
	for msg := range in {
		mu.Lock()
		counts[msg.UUID]++
		n := counts[msg.UUID]
		mu.Unlock()
		wg.Go(func() {
			c := msg.Copy()
			c.SetContext(msg.Context())
			if n > 1 {
				c.Metadata.Set(localDeliveryCount, strconv.Itoa(n-1))
				c.Metadata.Set("amqp:redelivered", "true")
			}
			select {
			case out <- c:
			case <-ctx.Done():
				msg.Nack()
				return
			}
			select {
			case <-c.Acked():
			case <-c.Nacked():
				if n < limit {
					msg.Nack() // GoChannel delivers it again
					return
				}
				l.bury(queue, msg)
			case <-ctx.Done():
				msg.Nack()
				return
			}
			mu.Lock()
			delete(counts, msg.UUID)
			mu.Unlock()
			msg.Ack()
		})
	}
	wg.Wait()
	close(out)
}

// bury puts a message into the queue's dead-letter queue.
func (l *Local) bury(queue string, msg *message.Message) {
	dlq := DeadLetterQueue(queue)
	l.deadMu.Lock()
	defer l.deadMu.Unlock()
	q := append(l.dead[dlq], &localDeadLetter{msg: msg.Copy(), queue: queue, deaths: 1, diedAt: time.Now().UTC()})
	if len(q) > maxLocalDeadLetters {
		q = q[len(q)-maxLocalDeadLetters:]
	}
	l.dead[dlq] = q
}

// ListDeadLetters returns up to limit dead letters of a destination,
// oldest first.
func (l *Local) ListDeadLetters(_ context.Context, destinationID string, limit int) ([]DeadLetter, error) {
	l.deadMu.Lock()
	defer l.deadMu.Unlock()
	q := l.dead[DeadLetterQueue(DestinationQueue(destinationID))]
	out := make([]DeadLetter, 0, min(limit, len(q)))
	for _, d := range q[:min(limit, len(q))] {
		out = append(out, d.describe())
	}
	return out, nil
}

// ReplayDeadLetter publishes a dead letter to the destination's queue and
// then removes it from the dead-letter queue.
func (l *Local) ReplayDeadLetter(_ context.Context, destinationID, messageID string) error {
	queue := DestinationQueue(destinationID)
	d := l.findDead(DeadLetterQueue(queue), messageID)
	if d == nil {
		return errDeadLetterNotFound(messageID)
	}
	m := d.msg.Copy()
	m.Metadata = maps.Clone(m.Metadata)
	delete(m.Metadata, localDeliveryCount)
	delete(m.Metadata, RoutingKeyKey)
	if err := l.Publish(Topic("", queue), m); err != nil {
		return fmt.Errorf("replay dead letter %s: %w", messageID, err)
	}
	l.removeDead(DeadLetterQueue(queue), d)
	return nil
}

// DiscardDeadLetter removes a dead letter.
func (l *Local) DiscardDeadLetter(_ context.Context, destinationID, messageID string) error {
	dlq := DeadLetterQueue(DestinationQueue(destinationID))
	d := l.findDead(dlq, messageID)
	if d == nil {
		return errDeadLetterNotFound(messageID)
	}
	l.removeDead(dlq, d)
	return nil
}

func (l *Local) findDead(dlq, messageID string) *localDeadLetter {
	l.deadMu.Lock()
	defer l.deadMu.Unlock()
	for _, d := range l.dead[dlq] {
		if d.msg.UUID == messageID {
			return d
		}
	}
	return nil
}

func (l *Local) removeDead(dlq string, d *localDeadLetter) {
	l.deadMu.Lock()
	defer l.deadMu.Unlock()
	l.dead[dlq] = slices.DeleteFunc(l.dead[dlq], func(x *localDeadLetter) bool { return x == d })
}
