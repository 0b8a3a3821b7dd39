package bus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wamqp "github.com/ThreeDotsLabs/watermill-amqp/v3/pkg/amqp"
	"github.com/ThreeDotsLabs/watermill/message"
	amqp "github.com/rabbitmq/amqp091-go"
)

// AMQPConfig configures the RabbitMQ bus.
type AMQPConfig struct {
	URL string
	// DeliveryLimit is how often a queue delivers a message before it
	// dead-letters it (quorum queues' x-delivery-limit). Default 20.
	DeliveryLimit int
	// PublishChannels is the number of channels publishes run on in
	// parallel, each waiting for its own broker confirm. Default 16.
	PublishChannels int
	// Prefetch bounds unacknowledged deliveries per subscription. Default 16.
	Prefetch int
}

func (c *AMQPConfig) defaults() {
	if c.DeliveryLimit <= 0 {
		c.DeliveryLimit = DefaultDeliveryLimit
	}
	if c.PublishChannels <= 0 {
		c.PublishChannels = 16
	}
	if c.Prefetch <= 0 {
		c.Prefetch = 16
	}
}

// AMQP is the RabbitMQ bus: persistent messages, publisher confirms, durable
// quorum queues with a delivery limit and a dead-letter queue each.
type AMQP struct {
	cfg    AMQPConfig
	pub    *wamqp.Publisher
	sub    *wamqp.Subscriber
	logger watermill.LoggerAdapter

	mu       sync.Mutex
	declared map[string]bool
}

// NewAMQP connects to RabbitMQ and declares the hub's exchanges and the
// reply queue.
func NewAMQP(ctx context.Context, cfg AMQPConfig, logger watermill.LoggerAdapter) (*AMQP, error) {
	cfg.defaults()
	b := &AMQP{cfg: cfg, logger: logger, declared: map[string]bool{}}
	if err := b.withChannel(ctx, func(ch *amqp.Channel) error {
		if err := ch.ExchangeDeclare(SubmissionsExchange, "direct", true, false, false, false, nil); err != nil {
			return fmt.Errorf("declare exchange %s: %w", SubmissionsExchange, err)
		}
		if err := ch.ExchangeDeclare(RepliesExchange, "topic", true, false, false, false, nil); err != nil {
			return fmt.Errorf("declare exchange %s: %w", RepliesExchange, err)
		}
		return b.declareQueue(ch, RepliesQueue, RepliesExchange, "#")
	}); err != nil {
		return nil, err
	}
	pc := b.config()
	pc.Publish.ConfirmDelivery = true
	pc.Publish.ChannelPoolSize = cfg.PublishChannels
	pub, err := wamqp.NewPublisher(pc, logger)
	if err != nil {
		return nil, fmt.Errorf("amqp publisher: %w", err)
	}
	sub, err := wamqp.NewSubscriber(b.config(), logger)
	if err != nil {
		pub.Close()
		return nil, fmt.Errorf("amqp subscriber: %w", err)
	}
	b.pub, b.sub = pub, sub
	return b, nil
}

// config is the Watermill configuration: exchange and routing key from the
// topic, and our own topology (declared up front, never by Watermill).
func (b *AMQP) config() wamqp.Config {
	return wamqp.Config{
		Connection: wamqp.ConnectionConfig{
			AmqpURI:   b.cfg.URL,
			Reconnect: wamqp.DefaultReconnectConfig(),
		},
		Marshaler: Marshaler{},
		Exchange: wamqp.ExchangeConfig{
			GenerateName: func(topic string) string { ex, _ := SplitTopic(topic); return ex },
		},
		Queue: wamqp.QueueConfig{GenerateName: wamqp.GenerateQueueNameTopicName, Durable: true},
		// Bindings are declared up front; Watermill still asks for a key.
		QueueBind: wamqp.QueueBindConfig{GenerateRoutingKey: func(string) string { return "" }},
		Publish: wamqp.PublishConfig{
			GenerateRoutingKey: func(topic string) string { _, key := SplitTopic(topic); return key },
		},
		Consume: wamqp.ConsumeConfig{
			Qos: wamqp.QosConfig{PrefetchCount: b.cfg.Prefetch},
		},
		TopologyBuilder: declared{},
	}
}

// declared is a topology builder for a topology that is already declared.
type declared struct{}

func (declared) BuildTopology(*amqp.Channel, wamqp.BuildTopologyParams, wamqp.Config, watermill.LoggerAdapter) error {
	return nil
}

func (declared) ExchangeDeclare(*amqp.Channel, string, wamqp.Config) error { return nil }

// Publish sends msgs to the topic's exchange and routing key and returns
// once the broker has confirmed each.
func (b *AMQP) Publish(topic string, msgs ...*message.Message) error {
	return b.pub.Publish(topic, msgs...)
}

// Subscribe consumes the named queue; the queue must be declared.
func (b *AMQP) Subscribe(ctx context.Context, queue string) (<-chan *message.Message, error) {
	return b.sub.Subscribe(ctx, queue)
}

// DeclareDestination declares fv.<id> and fv.<id>.dlq and binds the
// former to the submissions exchange with the destination id as key.
func (b *AMQP) DeclareDestination(ctx context.Context, destinationID string) error {
	q := DestinationQueue(destinationID)
	b.mu.Lock()
	done := b.declared[q]
	b.mu.Unlock()
	if done {
		return nil
	}
	err := b.withChannel(ctx, func(ch *amqp.Channel) error {
		return b.declareQueue(ch, q, SubmissionsExchange, destinationID)
	})
	if err == nil {
		b.mu.Lock()
		b.declared[q] = true
		b.mu.Unlock()
	}
	return err
}

// DestinationDepth returns how many messages wait in the destination's
// queue fv.<id> (ready, not yet delivered to its Fachverfahren), by a
// passive declare: the backpressure gate's measure of consumer lag. A
// queue not declared yet holds nothing.
func (b *AMQP) DestinationDepth(ctx context.Context, destinationID string) (int, error) {
	q := DestinationQueue(destinationID)
	n := 0
	err := b.withChannel(ctx, func(ch *amqp.Channel) error {
		st, err := ch.QueueDeclarePassive(q, true, false, false, false, nil)
		var aerr *amqp.Error
		if errors.As(err, &aerr) && aerr.Code == amqp.NotFound {
			return nil
		}
		if err != nil {
			return fmt.Errorf("inspect queue %s: %w", q, err)
		}
		n = st.Messages
		return nil
	})
	return n, err
}

// declareQueue declares a durable quorum queue with a delivery limit, its
// dead-letter queue (reached through the default exchange), and binds it.
func (b *AMQP) declareQueue(ch *amqp.Channel, queue, exchange, key string) error {
	dlq := DeadLetterQueue(queue)
	if _, err := ch.QueueDeclare(dlq, true, false, false, false, amqp.Table{"x-queue-type": "quorum"}); err != nil {
		return fmt.Errorf("declare queue %s: %w", dlq, err)
	}
	args := amqp.Table{
		"x-queue-type":              "quorum",
		"x-delivery-limit":          int64(b.cfg.DeliveryLimit),
		"x-dead-letter-exchange":    "",
		"x-dead-letter-routing-key": dlq,
	}
	if _, err := ch.QueueDeclare(queue, true, false, false, false, args); err != nil {
		return fmt.Errorf("declare queue %s: %w", queue, err)
	}
	if err := ch.QueueBind(queue, key, exchange, false, nil); err != nil {
		return fmt.Errorf("bind queue %s: %w", queue, err)
	}
	return nil
}

// withChannel runs fn on a short-lived connection, for declarations.
func (b *AMQP) withChannel(ctx context.Context, fn func(*amqp.Channel) error) error {
	conn, err := amqp.DialConfig(b.cfg.URL, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second)})
	if err != nil {
		return fmt.Errorf("connect to amqp: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("open amqp channel: %w", err)
	}
	defer ch.Close()
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(ch)
}

// Ready reports whether the publisher is connected.
func (b *AMQP) Ready(context.Context) error {
	if !b.pub.IsConnected() {
		return fmt.Errorf("amqp: not connected")
	}
	return nil
}

// Close closes subscriber and publisher.
func (b *AMQP) Close() error {
	err1 := b.sub.Close()
	err2 := b.pub.Close()
	if err1 != nil {
		return err1
	}
	return err2
}
