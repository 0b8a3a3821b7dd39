package fachverfahren

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/amthub/amthub/hub/fitcrypto"
)

// destinationIDPattern is what may stand in a queue name and before the
// first dot of a routing key: no dots, no wildcards, no whitespace.
var destinationIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// Config configures a Client. The zero value of every field but
// DestinationID has a working default.
type Config struct {
	// DestinationID names the destination this Fachverfahren serves: it
	// consumes the queue fv.<DestinationID> and replies with routing keys
	// "<DestinationID>.<replyType>". Required.
	DestinationID string
	// Concurrency is how many submissions the handler processes at once.
	// Default 4.
	Concurrency int
	// Subscriptions is how many subscriptions Consume opens on the queue.
	// A broker with competing consumers (RabbitMQ) hands each message to
	// one subscription, and one subscription carries one message at a
	// time, so there this is the parallelism; a fan-out subscriber
	// (Watermill's GoChannel, the hub's in-process bus) gives every
	// message to every subscription and needs exactly one. Default:
	// Concurrency, or 1 on a fan-out subscriber the Client recognises.
	Subscriptions int
	// Source is the CloudEvents source of replies. Default
	// "/fachverfahren/<DestinationID>".
	Source string
	// Now is the clock for reply times. Default time.Now.
	Now func() time.Time
	// OnEvent, if set, receives the hub's other notices about this
	// destination's cases (e.g. payment status, de.amthub.payment.v1);
	// an error hands the event back for redelivery. Without it, such
	// events are acknowledged unread.
	OnEvent func(ctx context.Context, ev *Event) error
	// Tracer, if set, makes a span of handling each submission, a child
	// of the trace context the hub sent with it (W3C traceparent), and a
	// span of each reply, whose context the reply carries back to the hub.
	// Nil: no spans, the hub's trace context is passed on unchanged. Pass
	// otel.GetTracerProvider() to use the global provider.
	Tracer trace.TracerProvider
	// DecryptionKey, if set, is the Fachverfahren's private encryption key
	// (FIT-Connect's profile: RSA-OAEP-256, 4096 bits): the Client opens
	// sealed submissions (contentType application/jose, e.g. from
	// FIT-Connect senders) before the handler sees them, and sets
	// Submission.SealError when one does not open. Nil: sealed submissions
	// reach the handler as they came.
	DecryptionKey *fitcrypto.PrivateKey
}

// Validate reports whether the configuration can work.
func (c Config) Validate() error {
	var errs []error
	if c.DestinationID == "" {
		errs = append(errs, errors.New("destination id is required"))
	} else if !destinationIDPattern.MatchString(c.DestinationID) {
		errs = append(errs, fmt.Errorf("destination id %q: want 1-128 letters, digits, '-' or '_'", c.DestinationID))
	}
	if c.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("concurrency %d: must not be negative", c.Concurrency))
	}
	if c.Subscriptions < 0 {
		errs = append(errs, fmt.Errorf("subscriptions %d: must not be negative", c.Subscriptions))
	}
	if c.Subscriptions > 0 && c.Concurrency > 0 && c.Subscriptions > c.Concurrency {
		errs = append(errs, fmt.Errorf("subscriptions %d: more than concurrency %d", c.Subscriptions, c.Concurrency))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("fachverfahren config: %w", err)
	}
	return nil
}

// withDefaults returns c with every unset field defaulted.
func (c Config) withDefaults() Config {
	if c.Concurrency == 0 {
		c.Concurrency = 4
	}
	if c.Source == "" {
		c.Source = "/fachverfahren/" + c.DestinationID
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Tracer == nil {
		c.Tracer = noop.NewTracerProvider()
	}
	return c
}
