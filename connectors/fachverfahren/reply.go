package fachverfahren

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.opentelemetry.io/otel/trace"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/telemetry"
)

// ErrInvalidReply is returned, wrapped, for a reply the hub would refuse.
var ErrInvalidReply = errors.New("invalid reply")

// Reply is one answer to the hub, ready to send. The hub applies a reply id
// once, so sending the same Reply again (after a crash, on a redelivered
// submission) is safe, while a new Reply for the same event would count
// twice: keep what you sent if you may need to send it again.
type Reply struct {
	// ID is the message and CloudEvents id, a UUIDv7 from the New* helpers.
	ID string `json:"id"`
	// Type is one of hub.ReplyAccept, ReplyReject, ReplyStatus, ReplyMailbox.
	Type        string           `json:"type"`
	Tenant      string           `json:"tenant"`
	TraceParent string           `json:"traceparent,omitempty"`
	Time        time.Time        `json:"time"`
	Body        hub.ReplyMessage `json:"body"`
}

// NewAccept builds an accept reply; reference is the Fachverfahren's own
// file number (Aktenzeichen), may be empty.
func (c *Client) NewAccept(sub *Submission, reference string) Reply {
	r := c.newReply(sub, hub.ReplyAccept)
	r.Body.Reference = reference
	return r
}

// NewReject builds a reject reply with a machine-readable code and a
// message for the applicant.
func (c *Client) NewReject(sub *Submission, code, msg string) Reply {
	r := c.newReply(sub, hub.ReplyReject)
	r.Body.Reason = &hub.ReplyReason{Code: code, Message: msg}
	return r
}

// NewStatus builds a status reply; status is one of the hub.Status* values.
func (c *Client) NewStatus(sub *Submission, status, msg string) Reply {
	r := c.newReply(sub, hub.ReplyStatus)
	r.Body.Status, r.Body.Message = status, msg
	return r
}

// NewNumberedStatus builds a status reply with its sequence number: 1 for
// the submission's first status, one more for each next. The hub applies
// numbered statuses in this order whatever order they arrive in, and takes
// a number it has applied as a repeat even under a new reply id (say, the
// answer of another instance to a redelivered submission). Number all the
// statuses of a submission or none; without numbers the hub orders by the
// replies' time.
func (c *Client) NewNumberedStatus(sub *Submission, seq int, status, msg string) Reply {
	r := c.NewStatus(sub, status, msg)
	r.Body.Sequence = seq
	return r
}

// NewMailbox builds a reply carrying a message for the applicant's mailbox.
func (c *Client) NewMailbox(sub *Submission, m hub.MailboxReply) Reply {
	r := c.newReply(sub, hub.ReplyMailbox)
	r.Body.Mailbox = &m
	return r
}

func (c *Client) newReply(sub *Submission, replyType string) Reply {
	return Reply{
		ID:          hub.NewID(),
		Type:        replyType,
		Tenant:      sub.Tenant,
		TraceParent: sub.TraceParent,
		Time:        c.cfg.Now().UTC(),
		Body:        hub.ReplyMessage{SubmissionID: sub.SubmissionID, CaseID: sub.CaseID},
	}
}

// Accept tells the hub the submission is taken on.
func (c *Client) Accept(ctx context.Context, sub *Submission, reference string) error {
	return c.Send(ctx, c.NewAccept(sub, reference))
}

// Reject tells the hub the submission is refused, and why.
func (c *Client) Reject(ctx context.Context, sub *Submission, code, msg string) error {
	return c.Send(ctx, c.NewReject(sub, code, msg))
}

// Status reports processing progress (hub.StatusReceived, …).
func (c *Client) Status(ctx context.Context, sub *Submission, status, msg string) error {
	return c.Send(ctx, c.NewStatus(sub, status, msg))
}

// NumberedStatus reports processing progress with its sequence number
// (see NewNumberedStatus).
func (c *Client) NumberedStatus(ctx context.Context, sub *Submission, seq int, status, msg string) error {
	return c.Send(ctx, c.NewNumberedStatus(sub, seq, status, msg))
}

// Mailbox sends a message to the applicant's mailbox.
func (c *Client) Mailbox(ctx context.Context, sub *Submission, m hub.MailboxReply) error {
	return c.Send(ctx, c.NewMailbox(sub, m))
}

// Send publishes r as a CloudEvent to the hub's reply exchange and returns
// once the broker has confirmed it (on RabbitMQ) or the in-process bus has
// taken it.
func (c *Client) Send(ctx context.Context, r Reply) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("send %s reply %s: %w", r.Type, r.ID, err)
	}
	body, err := json.Marshal(r.Body)
	if err != nil {
		return fmt.Errorf("encode %s reply %s: %w", r.Type, r.ID, err)
	}
	msg := message.NewMessage(r.ID, body)
	md := msg.Metadata
	md.Set("cloudEvents:specversion", hub.CloudEventsSpec)
	md.Set("cloudEvents:id", r.ID)
	md.Set("cloudEvents:type", hub.EventTypeReplyBase+r.Type+".v1")
	md.Set("cloudEvents:source", c.cfg.Source)
	md.Set("cloudEvents:subject", r.Body.CaseID)
	md.Set("cloudEvents:time", r.Time.UTC().Format(time.RFC3339Nano))
	md.Set(bus.ContentTypeKey, "application/json")
	md.Set(hub.HeaderTenant, r.Tenant)
	md.Set(hub.HeaderSubmission, r.Body.SubmissionID)
	md.Set(hub.HeaderDestination, c.cfg.DestinationID)
	if r.TraceParent != "" {
		md.Set(hub.HeaderTraceParent, r.TraceParent)
		if !trace.SpanContextFromContext(ctx).IsValid() { // a stored reply sent again: its submission's trace
			ctx = telemetry.Extract(ctx, md)
		}
	}
	topic := bus.Topic(bus.RepliesExchange, c.cfg.DestinationID+"."+r.Type)
	ctx, span := telemetry.StartPublish(ctx, c.cfg.Tracer, topic, r.ID, md)
	defer span.End()
	msg.SetContext(ctx)
	if err := c.pub.Publish(topic, msg); err != nil {
		telemetry.RecordError(span, err)
		return fmt.Errorf("publish %s reply %s for submission %s: %w", r.Type, r.ID, r.Body.SubmissionID, err)
	}
	return nil
}

// Validate reports whether the hub would take r.
func (r Reply) Validate() error {
	var problem string
	switch {
	case r.ID == "":
		problem = "id missing"
	case r.Tenant == "":
		problem = "tenant missing"
	case !hub.ValidID(r.Body.SubmissionID):
		problem = "submission id is not a UUID"
	case r.Body.CaseID == "":
		problem = "case id missing"
	case r.Time.IsZero():
		problem = "time missing"
	case r.Body.Sequence < 0 || r.Body.Sequence > 0 && r.Type != hub.ReplyStatus:
		problem = "sequence must be positive and on a status only"
	}
	if problem == "" {
		problem = r.validateType()
	}
	if problem != "" {
		return fmt.Errorf("%w: %s reply %s: %s", ErrInvalidReply, r.Type, r.ID, problem)
	}
	return nil
}

func (r Reply) validateType() string {
	switch r.Type {
	case hub.ReplyAccept:
	case hub.ReplyReject:
		if r.Body.Reason == nil || r.Body.Reason.Code == "" || r.Body.Reason.Message == "" {
			return "reason code or message missing"
		}
	case hub.ReplyStatus:
		if !ValidStatus(r.Body.Status) {
			return fmt.Sprintf("unknown status %q", r.Body.Status)
		}
	case hub.ReplyMailbox:
		if r.Body.Mailbox == nil || r.Body.Mailbox.Title == "" || r.Body.Mailbox.Body == "" {
			return "mailbox title or body missing"
		}
	default:
		return "unknown reply type"
	}
	return ""
}

// ValidStatus reports whether s is a processing state the hub knows.
func ValidStatus(s string) bool {
	switch s {
	case hub.StatusReceived, hub.StatusProcessing, hub.StatusActionRequired, hub.StatusCompleted:
		return true
	}
	return false
}
