package bus

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/amthub/amthub/hub"
)

// DeadLetter is a message a destination's queue gave up on, as it lies in
// the dead-letter queue fv.<destinationId>.dlq: its headers, CloudEvents
// attributes and why it died, but not its payload, which holds personal
// data (Size says how large it is).
type DeadLetter struct {
	// ID is the message id (the CloudEvents id of a submission).
	ID string `json:"id"`
	// CloudEvents are the message's CloudEvents attributes, without the
	// "cloudEvents:" prefix: id, type, source, subject, time, specversion.
	CloudEvents map[string]string `json:"cloudEvents"`
	// Headers are the other application headers, as text; the broker's
	// x-death bookkeeping is in the fields below instead.
	Headers     map[string]string `json:"headers"`
	ContentType string            `json:"contentType,omitempty"`
	Size        int               `json:"size"`
	// Reason is why the message died, from x-death: delivery_limit (the
	// destination handed it back too often), rejected, expired or maxlen.
	Reason string `json:"reason"`
	// Queue is the queue it died in.
	Queue string `json:"queue"`
	// Deaths is how often it died there; DiedAt when it died first.
	Deaths int64     `json:"deaths"`
	DiedAt time.Time `json:"diedAt,omitzero"`
	// Tenant and Submission are the hub's headers naming them, if set.
	Tenant     string `json:"tenant,omitempty"`
	Submission string `json:"submission,omitempty"`
}

// DeadLetters reads and resolves the dead letters of destinations. Replay
// is at least once: the message is published to the destination's queue
// (with the broker's confirm) before it leaves the dead-letter queue, so a
// crash in between leaves it in both; consumers are idempotent.
type DeadLetters interface {
	// ListDeadLetters returns up to limit dead letters of a destination,
	// oldest first, leaving them in place.
	ListDeadLetters(ctx context.Context, destinationID string, limit int) ([]DeadLetter, error)
	// ReplayDeadLetter moves one dead letter back to the destination's
	// queue; ENOTFOUND if it is not there (any more).
	ReplayDeadLetter(ctx context.Context, destinationID, messageID string) error
	// DiscardDeadLetter deletes one dead letter; ENOTFOUND if it is not
	// there (any more).
	DiscardDeadLetter(ctx context.Context, destinationID, messageID string) error
}

// maxScan bounds how many dead letters Replay and Discard look through to
// find one.
const maxScan = 10000

// errDeadLetterNotFound is the answer for a dead letter that is not there.
func errDeadLetterNotFound(id string) error {
	return &hub.Error{Code: hub.ENOTFOUND, Kind: "dead_letter_not_found",
		Message: fmt.Sprintf("Die Nachricht %s liegt nicht (mehr) in der Warteschlange für unzustellbare Nachrichten.", id)}
}

// deadLetterOf describes an AMQP delivery from a dead-letter queue.
func deadLetterOf(d *amqp.Delivery) DeadLetter {
	dl := DeadLetter{ID: d.MessageId, ContentType: d.ContentType, Size: len(d.Body),
		CloudEvents: map[string]string{}, Headers: map[string]string{}}
	for k, v := range d.Headers {
		switch {
		case k == "x-death":
			readDeath(&dl, v)
		case strings.HasPrefix(k, "x-first-death-") || strings.HasPrefix(k, "x-last-death-") || k == "x-delivery-count":
		case strings.HasPrefix(k, "cloudEvents:"):
			dl.CloudEvents[strings.TrimPrefix(k, "cloudEvents:")] = fmt.Sprint(v)
		default:
			dl.Headers[k] = fmt.Sprint(v)
		}
	}
	if dl.ID == "" {
		dl.ID = dl.CloudEvents["id"]
	}
	if dl.Reason == "" {
		if r, ok := d.Headers["x-first-death-reason"]; ok {
			dl.Reason = fmt.Sprint(r)
		}
	}
	dl.Tenant, dl.Submission = dl.Headers[hub.HeaderTenant], dl.Headers[hub.HeaderSubmission]
	return dl
}

// readDeath reads the first (most recent) entry of an x-death header.
func readDeath(dl *DeadLetter, v any) {
	deaths, ok := v.([]any)
	if !ok || len(deaths) == 0 {
		return
	}
	t, ok := deaths[0].(amqp.Table)
	if !ok {
		return
	}
	dl.Reason, _ = t["reason"].(string)
	dl.Queue, _ = t["queue"].(string)
	dl.Deaths, _ = t["count"].(int64)
	dl.DiedAt, _ = t["time"].(time.Time)
}

// republishing returns the publishing that replays a dead letter: the same
// id, body, content type and application headers, without the broker's
// death bookkeeping.
func republishing(d *amqp.Delivery) amqp.Publishing {
	headers := amqp.Table{}
	for k, v := range d.Headers {
		if k == "x-death" || k == "x-delivery-count" || strings.HasPrefix(k, "x-first-death-") || strings.HasPrefix(k, "x-last-death-") {
			continue
		}
		headers[k] = v
	}
	return amqp.Publishing{MessageId: d.MessageId, ContentType: d.ContentType, DeliveryMode: amqp.Persistent,
		Headers: headers, Body: d.Body, Timestamp: d.Timestamp}
}

// localDeadLetter is a dead letter of the in-process bus: the message
// itself and what is known of its death.
type localDeadLetter struct {
	msg    *message.Message
	queue  string
	deaths int64
	diedAt time.Time
}

func (l *localDeadLetter) describe() DeadLetter {
	dl := DeadLetter{ID: l.msg.UUID, Size: len(l.msg.Payload), Reason: "delivery_limit", Queue: l.queue, Deaths: l.deaths,
		DiedAt: l.diedAt, CloudEvents: map[string]string{}, Headers: map[string]string{}}
	for k, v := range l.msg.Metadata {
		switch {
		case k == ContentTypeKey:
			dl.ContentType = v
		case k == RoutingKeyKey || k == localDeliveryCount:
		case strings.HasPrefix(k, "cloudEvents:"):
			dl.CloudEvents[strings.TrimPrefix(k, "cloudEvents:")] = v
		default:
			dl.Headers[k] = v
		}
	}
	dl.Tenant, dl.Submission = dl.Headers[hub.HeaderTenant], dl.Headers[hub.HeaderSubmission]
	return dl
}
