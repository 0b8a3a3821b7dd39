package fachverfahren

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/telemetry"
)

// Metadata keys the hub's bus sets on a consumed message.
const (
	metaRedelivered   = "amqp:redelivered"
	metaDeliveryCount = "amqp:delivery-count" // x-delivery-count: earlier attempts
	headerEventType   = "cloudEvents:type"
)

// Submission is a submission as the handler sees it: the hub's message and
// how it was delivered.
type Submission struct {
	hub.SubmissionMessage
	// MessageID is the CloudEvents id of this message. A redelivery keeps
	// it; the hub resending a submission after its receipt timeout uses a
	// new one, so deduplicate by SubmissionID.
	MessageID string
	// Tenant is the hub tenant the submission belongs to.
	Tenant string
	// TraceParent is the W3C trace context of the submission; replies carry
	// it on.
	TraceParent string
	// Redelivered is true when an earlier delivery of this message was not
	// acknowledged: the handler may have run before.
	Redelivered bool
	// DeliveryCount is which delivery of the message this is, 1 for the
	// first.
	DeliveryCount int
	// Metadata is FIT-Connect's metadata document of a sealed submission
	// the Client opened with Config.DecryptionKey; nil otherwise.
	Metadata []byte
	// SealError is set when the submission is sealed and did not open with
	// Config.DecryptionKey (it wraps ErrSealed): the handler should reject
	// it. Data and attachments then stay as they came.
	SealError error
}

// ErrPoison marks a handler's error as permanent: the submission cannot be
// processed as it is, and waiting would not help. The Client hands it back
// at once, without the backoff that rides out passing outages, so the
// queue's delivery limit soon moves it to the dead-letter queue, where an
// operator can inspect it and replay it once the cause is fixed. Wrap it:
// fmt.Errorf("…: %w", fachverfahren.ErrPoison).
var ErrPoison = errors.New("fachverfahren: submission cannot be processed")

// Handler processes one submission. Returning nil acknowledges it; an error
// hands it back to the queue for redelivery, until the queue's delivery
// limit moves it to the dead-letter queue. Handlers must be idempotent: a
// submission can arrive more than once.
type Handler func(ctx context.Context, sub *Submission) error

// Consume receives the destination's submissions and calls handler for
// each, up to Config.Concurrency at a time, until ctx ends; then it waits
// for running handlers and returns nil. A message that cannot be decoded is
// refused like a failed handler, so it ends in the dead-letter queue.
func (c *Client) Consume(ctx context.Context, handler Handler) error {
	if handler == nil {
		return errors.New("fachverfahren: consume: handler is nil")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	queue := bus.DestinationQueue(c.cfg.DestinationID)
	n := c.subscriptions()
	chans := make([]<-chan *message.Message, n)
	for i := range chans {
		ch, err := c.sub.Subscribe(ctx, queue)
		if err != nil {
			return fmt.Errorf("fachverfahren: subscribe to %s: %w", queue, err)
		}
		chans[i] = ch
	}
	c.readyOnce.Do(func() { close(c.ready) })
	var wg sync.WaitGroup
	for w := 0; w < c.cfg.Concurrency; w++ {
		ch := chans[w%n]
		wg.Go(func() { c.work(ctx, ch, handler) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("fachverfahren: subscription to %s closed", queue)
}

// subscriptions is how many subscriptions Consume opens.
func (c *Client) subscriptions() int {
	switch {
	case c.cfg.Subscriptions > 0:
		return c.cfg.Subscriptions
	case c.fanOut:
		return 1
	default:
		return c.cfg.Concurrency
	}
}

// work handles messages from ch until the subscriber closes it, which it
// does when ctx ends. Messages still arriving then are handed back, so the
// subscriber is never left blocked on a delivery nobody reads.
func (c *Client) work(ctx context.Context, ch <-chan *message.Message, handler Handler) {
	for msg := range ch {
		if ctx.Err() != nil {
			msg.Nack()
			continue
		}
		c.handle(ctx, msg, handler)
	}
}

// Event is a message on the destination's queue other than a submission:
// a notice about one of its cases, such as a payment status
// (de.amthub.payment.v1).
type Event struct {
	MessageID string
	Type      string // CloudEvents type
	CaseID    string // CloudEvents subject
	Tenant    string
	Data      []byte // JSON
}

// handle decodes msg, runs handler and acknowledges accordingly. Other
// hub events go to Config.OnEvent, or are acknowledged unread when the
// Fachverfahren does not want them.
func (c *Client) handle(ctx context.Context, msg *message.Message, handler Handler) {
	if t := msg.Metadata.Get(headerEventType); t != "" && t != hub.EventTypeSubmission && strings.HasPrefix(t, "de.amthub.") {
		c.handleEvent(msg, t)
		return
	}
	sub, err := c.decode(msg)
	if err != nil {
		c.logger.Warn("undecodable message, handing it back", "message_id", msg.UUID)
		c.tries.failed(msg.UUID)
		msg.Nack() // poison: the delivery limit dead-letters it soon
		return
	}
	hctx, span := telemetry.StartProcess(msg.Context(), c.cfg.Tracer, bus.DestinationQueue(c.cfg.DestinationID), msg.UUID, msg.Metadata)
	err = call(hctx, handler, sub)
	telemetry.RecordError(span, err)
	span.End()
	if err != nil {
		// The error text may quote the submission; log ids only.
		c.tries.failed(msg.UUID)
		wait := backoff(c.tries.attempts(msg.UUID))
		if errors.Is(err, ErrPoison) {
			wait = 0
		}
		c.logger.Warn("submission not processed, handing it back",
			"message_id", msg.UUID, "submission", submissionID(sub), "error_type", fmt.Sprintf("%T", err), "after", wait)
		// Waiting before the nack keeps a passing outage of the
		// Fachverfahren (its database restarting) from using up the
		// queue's delivery limit and dead-lettering good submissions.
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		msg.Nack()
		return
	}
	c.tries.done(msg.UUID)
	msg.Ack()
}

func (c *Client) handleEvent(msg *message.Message, typ string) {
	if c.cfg.OnEvent == nil {
		msg.Ack()
		return
	}
	ev := &Event{MessageID: msg.UUID, Type: typ, CaseID: msg.Metadata.Get("cloudEvents:subject"),
		Tenant: msg.Metadata.Get(hub.HeaderTenant), Data: msg.Payload}
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("event handler panicked: %v", r)
			}
		}()
		ctx, span := telemetry.StartProcess(msg.Context(), c.cfg.Tracer, bus.DestinationQueue(c.cfg.DestinationID), msg.UUID, msg.Metadata)
		defer span.End()
		return c.cfg.OnEvent(ctx, ev)
	}()
	if err != nil {
		c.logger.Warn("event not processed, handing it back", "message_id", msg.UUID, "type", typ)
		msg.Nack()
		return
	}
	msg.Ack()
}

// call runs handler, turning a panic into an error.
func call(ctx context.Context, handler Handler, sub *Submission) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return handler(ctx, sub)
}

func submissionID(sub *Submission) string {
	if sub == nil {
		return ""
	}
	return sub.SubmissionID
}

// decode turns a consumed message into a Submission.
func (c *Client) decode(msg *message.Message) (*Submission, error) {
	if t := msg.Metadata.Get(headerEventType); t != "" && t != hub.EventTypeSubmission {
		return nil, fmt.Errorf("message %s: unexpected event type %q", msg.UUID, t)
	}
	sub := &Submission{
		MessageID:   msg.UUID,
		Tenant:      msg.Metadata.Get(hub.HeaderTenant),
		TraceParent: msg.Metadata.Get(hub.HeaderTraceParent),
	}
	if err := json.Unmarshal(msg.Payload, &sub.SubmissionMessage); err != nil {
		return nil, fmt.Errorf("message %s: decode submission: %w", msg.UUID, err)
	}
	switch {
	case sub.SubmissionID == "":
		return nil, fmt.Errorf("message %s: submission id missing", msg.UUID)
	case sub.CaseID == "":
		return nil, fmt.Errorf("message %s: case id missing", msg.UUID)
	case sub.DestinationID != "" && sub.DestinationID != c.cfg.DestinationID:
		return nil, fmt.Errorf("message %s: for destination %s, not %s", msg.UUID, sub.DestinationID, c.cfg.DestinationID)
	}
	if sub.Tenant == "" {
		return nil, fmt.Errorf("message %s: header %s missing", msg.UUID, hub.HeaderTenant)
	}
	earlier, _ := strconv.Atoi(msg.Metadata.Get(metaDeliveryCount))
	if local := c.tries.attempts(msg.UUID); local > earlier {
		earlier = local
	}
	sub.DeliveryCount = earlier + 1
	sub.Redelivered = msg.Metadata.Get(metaRedelivered) == "true" || earlier > 0
	if sub.ContentType == MediaTypeSealed && c.cfg.DecryptionKey != nil {
		sub.SealError = sub.open(c.cfg.DecryptionKey)
	}
	return sub, nil
}

// redeliveries counts failed deliveries per message id in this process,
// for subscribers that redeliver without saying so (the in-process bus).
type redeliveries struct {
	mu    sync.Mutex
	nacks map[string]int
}

// maxTracked bounds the memory redelivery tracking may use.
const maxTracked = 10000

// backoff is the wait before handing back a submission that failed n
// times here: from 100 ms doubling to 30 s.
func backoff(n int) time.Duration {
	return min(100*time.Millisecond<<min(max(n-1, 0), 9), 30*time.Second)
}

func newRedeliveries() *redeliveries { return &redeliveries{nacks: map[string]int{}} }

func (r *redeliveries) failed(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.nacks[id]; !ok && len(r.nacks) >= maxTracked {
		return
	}
	r.nacks[id]++
}

func (r *redeliveries) done(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.nacks, id)
}

func (r *redeliveries) attempts(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.nacks[id]
}
