// Package bus is the hub's messaging seam: a Watermill publisher and
// subscriber pair, on RabbitMQ in production and in process for
// `amthub dev`, with the same addressing on both.
//
// Publishers address an exchange and a routing key, written as the topic
// "exchange/key" (see Topic); subscribers name a queue. Queues are bound to
// exchanges by the Topology, up front, so a publish never vanishes into an
// exchange without a queue.
package bus

import (
	"context"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"
)

// Exchanges and queues of the hub (see docs/ARCHITECTURE.md, "AMQP topology").
const (
	SubmissionsExchange = "amthub.submissions" // direct: routing key = destination id
	RepliesExchange     = "amthub.replies"     // topic: routing key = "<destinationId>.<replyType>"
	RepliesQueue        = "amthub.replies.hub" // the hub's consumer of all replies
)

// Topic returns the publish topic for an exchange and routing key.
func Topic(exchange, key string) string { return exchange + "/" + key }

// SplitTopic splits a publish topic into exchange and routing key.
func SplitTopic(topic string) (exchange, key string) {
	exchange, key, _ = strings.Cut(topic, "/")
	return exchange, key
}

// DestinationQueue is the queue a Fachverfahren consumes: fv.<destinationId>.
func DestinationQueue(destinationID string) string { return "fv." + destinationID }

// DeadLetterQueue is the dead-letter queue of a queue.
func DeadLetterQueue(queue string) string { return queue + ".dlq" }

// Bus is a publisher, a subscriber and the topology they share.
type Bus interface {
	message.Publisher
	message.Subscriber
	// DeclareDestination makes sure the queue of a destination exists and
	// is bound, with its dead-letter queue.
	DeclareDestination(ctx context.Context, destinationID string) error
	// Ready reports whether the broker answers.
	Ready(ctx context.Context) error
	DeadLetters
}
