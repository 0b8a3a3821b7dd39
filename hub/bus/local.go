package bus

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
)

// Local is the in-process bus of `amthub dev`: Watermill's GoChannel with
// AMQP-like bindings in front, so code addresses it as it addresses
// RabbitMQ. Messages live in memory only; the outbox is what makes them
// durable.
type Local struct {
	ch *gochannel.GoChannel

	mu       sync.RWMutex
	bindings map[string][]binding // exchange → bindings
}

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
	}
	l.Bind(RepliesExchange, "#", RepliesQueue)
	return l
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

// Subscribe consumes the named queue.
func (l *Local) Subscribe(ctx context.Context, queue string) (<-chan *message.Message, error) {
	return l.ch.Subscribe(ctx, queue)
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
