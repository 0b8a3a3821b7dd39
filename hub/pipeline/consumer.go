package pipeline

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/telemetry"
)

// ReplyConsumer applies the Fachverfahren's replies to the case timelines.
type ReplyConsumer struct {
	store   *Store
	mailbox MailboxDeliverer
	sub     message.Subscriber
	logger  *slog.Logger
	workers int
	applied *prometheus.CounterVec
	tracer  trace.TracerProvider
}

// NewReplyConsumer returns a consumer of the replies queue with the given
// number of parallel subscriptions. reg may be nil.
func NewReplyConsumer(store *Store, sub message.Subscriber, logger *slog.Logger, reg prometheus.Registerer, workers int) *ReplyConsumer {
	c := &ReplyConsumer{store: store, sub: sub, logger: logger, workers: max(workers, 1),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "amthub_replies_total",
			Help: "Replies from Fachverfahren by type and outcome (applied, duplicate, refused, retried)."}, []string{"type", "outcome"})}
	if reg != nil {
		reg.MustRegister(c.applied)
	}
	return c
}

// MailboxDeliverer puts a Fachverfahren's message for the applicant into
// the citizen's mailbox, at most once per message id.
type MailboxDeliverer func(ctx context.Context, messageID, destinationID, caseID string, m hub.MailboxReply) error

// DeliverMailbox makes the consumer hand mailbox replies to deliver, after
// recording them on the timeline. Both steps are idempotent, so a reply
// redelivered after a failure between them is completed, not doubled.
func (c *ReplyConsumer) DeliverMailbox(deliver MailboxDeliverer) { c.mailbox = deliver }

// Trace makes the consumer process each reply in a span, a child of the
// trace context the reply carries (the Fachverfahren's handling of the
// submission).
func (c *ReplyConsumer) Trace(tp trace.TracerProvider) { c.tracer = tp }

// Run consumes until ctx ends.
func (c *ReplyConsumer) Run(ctx context.Context) {
	done := make(chan struct{}, c.workers)
	for i := 0; i < c.workers; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			c.consume(ctx)
		}()
	}
	for i := 0; i < c.workers; i++ {
		<-done
	}
}

func (c *ReplyConsumer) consume(ctx context.Context) {
	for ctx.Err() == nil {
		msgs, err := c.sub.Subscribe(ctx, bus.RepliesQueue)
		if err != nil {
			c.logger.Warn("subscribe to replies failed; retrying", "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		for msg := range msgs {
			c.handle(ctx, msg)
		}
	}
}

// handle applies one reply. Malformed or foreign replies are acknowledged
// and counted (redelivering them cannot help). A failure of our own (the
// database restarting) is retried here with back-off for up to
// transientRetry before the reply is handed back: nacking at once would
// burn through the queue's delivery limit within milliseconds and
// dead-letter a perfectly good reply.
func (c *ReplyConsumer) handle(ctx context.Context, msg *message.Message) {
	if c.tracer != nil {
		var span trace.Span
		ctx, span = telemetry.StartProcess(ctx, c.tracer, bus.RepliesQueue, msg.UUID, msg.Metadata)
		span.SetAttributes(attribute.String("amthub.reply.routing_key", msg.Metadata.Get(bus.RoutingKeyKey)))
		defer span.End()
	}
	r, err := decodeReply(msg)
	if err != nil {
		c.refuse(ctx, msg, r.Type, err)
		return
	}
	var applied bool
	delay := 50 * time.Millisecond
	for start := time.Now(); ; {
		applied, err = c.apply(ctx, msg, r)
		if err == nil || hub.ErrorCode(err) != hub.EINTERNAL || ctx.Err() != nil || time.Since(start) > transientRetry {
			break
		}
		c.applied.WithLabelValues(r.Type, "retried").Inc()
		c.logger.WarnContext(ctx, "applying a reply failed; retrying", "message_id", msg.UUID, "error", err, "in", delay)
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
		delay = min(delay*2, 5*time.Second)
	}
	switch {
	case err == nil && applied:
		c.applied.WithLabelValues(r.Type, "applied").Inc()
		msg.Ack()
	case err == nil:
		c.applied.WithLabelValues(r.Type, "duplicate").Inc()
		msg.Ack()
	case hub.ErrorCode(err) != hub.EINTERNAL:
		c.refuse(ctx, msg, r.Type, err)
	default:
		c.logger.WarnContext(ctx, "applying a reply failed; handing it back to the broker", "message_id", msg.UUID, "error", err)
		msg.Nack()
	}
}

// transientRetry bounds how long one reply is retried in place.
const transientRetry = 2 * time.Minute

// apply records the reply on the timeline and hands a mailbox reply on;
// both are idempotent, so a retry after a partial failure completes it.
func (c *ReplyConsumer) apply(ctx context.Context, msg *message.Message, r Reply) (bool, error) {
	applied, err := c.store.ApplyReply(ctx, r)
	if err == nil && r.Type == hub.ReplyMailbox && c.mailbox != nil && r.Body.Mailbox != nil {
		err = c.mailbox(ctx, msg.UUID, r.DestinationID, r.Body.CaseID, *r.Body.Mailbox)
	}
	return applied, err
}

func (c *ReplyConsumer) refuse(ctx context.Context, msg *message.Message, typ string, err error) {
	c.applied.WithLabelValues(typ, "refused").Inc()
	c.logger.WarnContext(ctx, "refused a reply", "message_id", msg.UUID, "routing_key", msg.Metadata.Get(bus.RoutingKeyKey), "error", err)
	msg.Ack()
}

// decodeReply reads sender and type from the routing key
// "<destinationId>.<replyType>" (which the broker's permissions bind to the
// sender) and the body.
func decodeReply(msg *message.Message) (Reply, error) {
	key := msg.Metadata.Get(bus.RoutingKeyKey)
	dest, typ, ok := strings.Cut(key, ".")
	r := Reply{MessageID: msg.UUID, DestinationID: dest, Type: typ}
	if !ok || !hub.ValidID(dest) {
		return r, hub.Errorf(hub.EINVALID, "routing key %q is not <destinationId>.<replyType>", key)
	}
	if msg.UUID == "" {
		return r, hub.Errorf(hub.EINVALID, "reply without a message id")
	}
	if err := json.Unmarshal(msg.Payload, &r.Body); err != nil {
		return r, hub.Errorf(hub.EINVALID, "reply body is not JSON: %v", err)
	}
	if t := msg.Metadata.Get("cloudEvents:time"); t != "" {
		at, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			return r, hub.Errorf(hub.EINVALID, "cloudEvents:time %q is not an RFC 3339 time", t)
		}
		r.Time = at
	}
	if r.Body.Sequence < 0 {
		return r, hub.Errorf(hub.EINVALID, "negative sequence %d", r.Body.Sequence)
	}
	if !hub.ValidID(r.Body.SubmissionID) {
		return r, hub.Errorf(hub.EINVALID, "reply without a valid submissionId")
	}
	switch typ {
	case hub.ReplyAccept:
	case hub.ReplyMailbox:
		if r.Body.Mailbox == nil || r.Body.Mailbox.Title == "" || r.Body.Mailbox.Body == "" {
			return r, hub.Errorf(hub.EINVALID, "mailbox reply without title or body")
		}
	case hub.ReplyReject:
		if r.Body.Reason == nil || r.Body.Reason.Message == "" {
			return r, hub.Errorf(hub.EINVALID, "reject without a reason")
		}
	case hub.ReplyStatus:
		switch r.Body.Status {
		case hub.StatusReceived, hub.StatusProcessing, hub.StatusActionRequired, hub.StatusCompleted:
		default:
			return r, hub.Errorf(hub.EINVALID, "unknown status %q", r.Body.Status)
		}
	default:
		return r, hub.Errorf(hub.EINVALID, "unknown reply type %q", typ)
	}
	return r, nil
}
