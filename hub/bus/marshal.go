package bus

import (
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"
	amqp "github.com/rabbitmq/amqp091-go"
)

// Metadata keys with a meaning beyond a header.
const (
	// RoutingKeyKey carries, on consumed messages, the routing key the
	// message was published with: for replies, "<destinationId>.<type>".
	RoutingKeyKey = "amqp:routing-key"
	// ContentTypeKey carries the CloudEvents datacontenttype; on AMQP it
	// travels as the content-type property (CloudEvents binary mode).
	ContentTypeKey = "content-type"
)

// Marshaler maps Watermill messages to AMQP publishings in CloudEvents
// binary mode: metadata become application headers (cloudEvents:*,
// traceparent, …), the payload the body; the message id travels as the
// message-id property. Every publishing is persistent.
type Marshaler struct{}

// Marshal implements the Watermill AMQP Marshaler.
func (Marshaler) Marshal(msg *message.Message) (amqp.Publishing, error) {
	headers := make(amqp.Table, len(msg.Metadata))
	for k, v := range msg.Metadata {
		if k != ContentTypeKey && k != RoutingKeyKey {
			headers[k] = v
		}
	}
	return amqp.Publishing{
		MessageId:    msg.UUID,
		ContentType:  msg.Metadata.Get(ContentTypeKey),
		DeliveryMode: amqp.Persistent,
		Headers:      headers,
		Body:         msg.Payload,
	}, nil
}

// Unmarshal implements the Watermill AMQP Marshaler. Header values of any
// type are kept as text, so peers with other AMQP clients interoperate.
func (Marshaler) Unmarshal(d amqp.Delivery) (*message.Message, error) {
	id := d.MessageId
	if id == "" {
		if v, ok := d.Headers["cloudEvents:id"]; ok {
			id = fmt.Sprint(v)
		}
	}
	msg := message.NewMessage(id, d.Body)
	msg.Metadata = make(message.Metadata, len(d.Headers)+1)
	for k, v := range d.Headers {
		msg.Metadata.Set(k, fmt.Sprint(v))
	}
	if d.ContentType != "" {
		msg.Metadata.Set(ContentTypeKey, d.ContentType)
	}
	msg.Metadata.Set(RoutingKeyKey, d.RoutingKey)
	if d.Redelivered {
		msg.Metadata.Set("amqp:redelivered", "true")
	}
	if n, ok := d.Headers["x-delivery-count"]; ok {
		msg.Metadata.Set("amqp:delivery-count", fmt.Sprint(n))
	}
	return msg, nil
}
