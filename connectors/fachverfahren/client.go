package fachverfahren

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wamqp "github.com/ThreeDotsLabs/watermill-amqp/v3/pkg/amqp"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/amthub/amthub/hub/bus"
)

// Client is a Fachverfahren's connection to the hub: it consumes the
// destination's submissions and publishes replies. It is safe for
// concurrent use.
type Client struct {
	cfg    Config
	pub    message.Publisher
	sub    message.Subscriber
	logger *slog.Logger
	fanOut bool
	closer func() error
	tries  *redeliveries

	readyOnce sync.Once
	ready     chan struct{}
}

// New returns a Client on any Watermill publisher and subscriber that use
// the hub's addressing (see package bus): RabbitMQ through bus.NewAMQP or
// DialAMQP, or the in-process bus of `amthub dev`. A nil logger discards.
func New(cfg Config, pub message.Publisher, sub message.Subscriber, logger *slog.Logger) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if pub == nil || sub == nil {
		return nil, errors.New("fachverfahren: publisher and subscriber are required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Client{
		cfg:    cfg.withDefaults(),
		pub:    pub,
		sub:    sub,
		logger: logger.With("destination", cfg.DestinationID),
		fanOut: isFanOut(sub),
		tries:  newRedeliveries(),
		ready:  make(chan struct{}),
	}, nil
}

// isFanOut reports whether sub hands every message to every subscription.
func isFanOut(sub message.Subscriber) bool {
	switch sub.(type) {
	case *bus.Local, *gochannel.GoChannel:
		return true
	}
	return false
}

// Subscribed is closed once Consume has subscribed to the queue. On the
// in-process bus, a submission published before that finds no consumer
// and is gone until the hub publishes it again.
func (c *Client) Subscribed() <-chan struct{} { return c.ready }

// DestinationID is the destination the client serves.
func (c *Client) DestinationID() string { return c.cfg.DestinationID }

// Close releases what DialAMQP opened; for a Client from New it does
// nothing, the caller owns publisher and subscriber.
func (c *Client) Close() error {
	if c.closer == nil {
		return nil
	}
	return c.closer()
}

// DialAMQP connects a Fachverfahren to the hub's RabbitMQ with its own
// credentials in url. It declares nothing: the hub owns the topology, and a
// Fachverfahren's broker user may only read its queue and publish replies
// under its routing-key prefix. Publishes wait for the broker's confirm.
func DialAMQP(ctx context.Context, url, destinationID string) (*Client, error) {
	return DialAMQPConfig(ctx, url, Config{DestinationID: destinationID}, nil)
}

// DialAMQPConfig is DialAMQP with a full Config and a logger.
func DialAMQPConfig(ctx context.Context, url string, cfg Config, logger *slog.Logger) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := checkQueue(ctx, url, bus.DestinationQueue(cfg.DestinationID)); err != nil {
		return nil, err
	}
	pub, sub, err := AMQPPubSub(url, logger)
	if err != nil {
		return nil, err
	}
	c, err := New(cfg, pub, sub, logger)
	if err != nil {
		sub.Close()
		pub.Close()
		return nil, err
	}
	c.closer = func() error { return errors.Join(sub.Close(), pub.Close()) }
	return c, nil
}

// AMQPPubSub returns a Watermill publisher and subscriber on RabbitMQ in
// the hub's addressing, for a Fachverfahren's own broker user: publishes
// wait for the broker's confirm, and nothing is declared. New (or the
// simulator) takes them; the caller closes both.
func AMQPPubSub(url string, logger *slog.Logger) (*wamqp.Publisher, *wamqp.Subscriber, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	wlog := watermill.NewSlogLogger(logger)
	pc := amqpConfig(url)
	pc.Publish.ConfirmDelivery = true
	pc.Publish.ChannelPoolSize = 4
	pub, err := wamqp.NewPublisher(pc, wlog)
	if err != nil {
		return nil, nil, fmt.Errorf("fachverfahren: amqp publisher: %w", err)
	}
	sub, err := wamqp.NewSubscriber(amqpConfig(url), wlog)
	if err != nil {
		pub.Close()
		return nil, nil, fmt.Errorf("fachverfahren: amqp subscriber: %w", err)
	}
	return pub, sub, nil
}

// amqpConfig is the Watermill configuration for the hub's addressing:
// topic "exchange/key" to publish, the queue name to subscribe, the
// CloudEvents binary-mode marshaler, and no declarations.
func amqpConfig(url string) wamqp.Config {
	return wamqp.Config{
		Connection: wamqp.ConnectionConfig{AmqpURI: url, Reconnect: wamqp.DefaultReconnectConfig()},
		Marshaler:  bus.Marshaler{},
		Exchange: wamqp.ExchangeConfig{
			GenerateName: func(topic string) string { ex, _ := bus.SplitTopic(topic); return ex },
		},
		Queue:     wamqp.QueueConfig{GenerateName: wamqp.GenerateQueueNameTopicName, Durable: true},
		QueueBind: wamqp.QueueBindConfig{GenerateRoutingKey: func(string) string { return "" }},
		Publish: wamqp.PublishConfig{
			GenerateRoutingKey: func(topic string) string { _, key := bus.SplitTopic(topic); return key },
		},
		// One subscription carries one message at a time; a larger
		// prefetch would only park messages other subscriptions could take.
		Consume:         wamqp.ConsumeConfig{Qos: wamqp.QosConfig{PrefetchCount: 1}},
		TopologyBuilder: noTopology{},
	}
}

// noTopology declares nothing: the hub declared exchanges and queues.
type noTopology struct{}

func (noTopology) BuildTopology(*amqp.Channel, wamqp.BuildTopologyParams, wamqp.Config, watermill.LoggerAdapter) error {
	return nil
}

func (noTopology) ExchangeDeclare(*amqp.Channel, string, wamqp.Config) error { return nil }

// checkQueue fails clearly when the destination's queue does not exist,
// instead of leaving the subscriber to retry forever. A broker user not
// allowed to look (access refused) is let through.
func checkQueue(ctx context.Context, url, queue string) error {
	conn, err := amqp.DialConfig(url, amqp.Config{Dial: dialContext(ctx, 10*time.Second)})
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("fachverfahren: connect to amqp: %w", ctx.Err())
		}
		if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			// The handshake's read ran into ctx's deadline a moment before
			// ctx noticed; the library reports that as a frame error.
			return fmt.Errorf("fachverfahren: connect to amqp: %w (%v)", context.DeadlineExceeded, err)
		}
		return fmt.Errorf("fachverfahren: connect to amqp: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("fachverfahren: open amqp channel: %w", err)
	}
	defer ch.Close()
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err = ch.QueueDeclarePassive(queue, true, false, false, false, nil)
	var aerr *amqp.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &aerr) && aerr.Code == amqp.AccessRefused:
		return nil
	case errors.As(err, &aerr) && aerr.Code == amqp.NotFound:
		return fmt.Errorf("fachverfahren: queue %s does not exist; the hub declares it when the destination is configured", queue)
	default:
		return fmt.Errorf("fachverfahren: check queue %s: %w", queue, err)
	}
}

// dialContext is amqp.DefaultDial(timeout) bound to ctx as well: the TCP
// connect and the AMQP handshake end when ctx does, or at its deadline if
// that comes first. The library clears the deadline after the handshake.
func dialContext(ctx context.Context, timeout time.Duration) func(network, addr string) (net.Conn, error) {
	return func(network, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: timeout}
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		deadline := time.Now().Add(timeout)
		if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
			deadline = dl
		}
		if err := conn.SetDeadline(deadline); err != nil {
			conn.Close()
			return nil, err
		}
		// A cancel during the handshake moves the deadline to now, which
		// fails the handshake's read; after it, the deadline is cleared and
		// this no longer matters.
		stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
		return &stopConn{Conn: conn, stop: stop}, nil
	}
}

// stopConn stops watching the context once the connection is closed.
type stopConn struct {
	net.Conn
	stop func() bool
}

func (c *stopConn) Close() error {
	c.stop()
	return c.Conn.Close()
}
