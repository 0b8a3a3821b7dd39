package bus

import (
	"context"
	"errors"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/amthub/amthub/hub"
)

// ListDeadLetters reads up to limit messages of the destination's
// dead-letter queue without acknowledging them; closing the channel
// returns them to the queue. While a listing runs, the messages it holds
// are invisible to another listing. A destination without a dead-letter
// queue has none.
//
// Reading a message and handing it back counts as a delivery on a quorum
// queue; the dead-letter queues are declared without a delivery limit, so
// that counts for nothing. (On RabbitMQ 4, where quorum queues default to
// a limit of 20, give the dlq queues a policy with delivery-limit -1.)
func (b *AMQP) ListDeadLetters(ctx context.Context, destinationID string, limit int) ([]DeadLetter, error) {
	dlq := DeadLetterQueue(DestinationQueue(destinationID))
	out := []DeadLetter{}
	err := b.withChannel(ctx, func(ch *amqp.Channel) error {
		for len(out) < limit {
			d, ok, err := ch.Get(dlq, false)
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			out = append(out, deadLetterOf(&d))
		}
		return nil
	})
	if isNotFound(err) {
		return []DeadLetter{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list dead letters of %s: %w", destinationID, err)
	}
	return out, nil
}

// ReplayDeadLetter publishes one dead letter to the destination's queue
// (through the default exchange, so it reaches that queue only), waits for
// the broker's confirm and only then removes it from the dead-letter queue.
func (b *AMQP) ReplayDeadLetter(ctx context.Context, destinationID, messageID string) error {
	queue := DestinationQueue(destinationID)
	err := b.withChannel(ctx, func(ch *amqp.Channel) error {
		if _, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil); err != nil {
			return err
		}
		if err := ch.Confirm(false); err != nil {
			return fmt.Errorf("confirm mode: %w", err)
		}
		confirms := ch.NotifyPublish(make(chan amqp.Confirmation, 1))
		return takeDeadLetter(ch, DeadLetterQueue(queue), messageID, func(d *amqp.Delivery) error {
			if err := ch.PublishWithContext(ctx, "", queue, false, false, republishing(d)); err != nil {
				return fmt.Errorf("publish to %s: %w", queue, err)
			}
			select {
			case c, ok := <-confirms:
				if !ok || !c.Ack {
					return &hub.Error{Code: hub.EUNAVAILABLE, Message: "The broker did not take the message back."}
				}
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	})
	if isNotFound(err) {
		return errDeadLetterNotFound(messageID)
	}
	if err != nil {
		return fmt.Errorf("replay dead letter %s of %s: %w", messageID, destinationID, err)
	}
	return nil
}

// DiscardDeadLetter removes one dead letter for good.
func (b *AMQP) DiscardDeadLetter(ctx context.Context, destinationID, messageID string) error {
	err := b.withChannel(ctx, func(ch *amqp.Channel) error {
		return takeDeadLetter(ch, DeadLetterQueue(DestinationQueue(destinationID)), messageID, func(*amqp.Delivery) error { return nil })
	})
	if isNotFound(err) {
		return errDeadLetterNotFound(messageID)
	}
	if err != nil {
		return fmt.Errorf("discard dead letter %s of %s: %w", messageID, destinationID, err)
	}
	return nil
}

// takeDeadLetter looks for a message in dlq, runs fn on it and, if fn
// succeeds, acknowledges it; every other message read returns to the queue
// when the channel closes.
func takeDeadLetter(ch *amqp.Channel, dlq, messageID string, fn func(*amqp.Delivery) error) error {
	for range maxScan {
		d, ok, err := ch.Get(dlq, false)
		if err != nil {
			return err
		}
		if !ok {
			return errDeadLetterNotFound(messageID)
		}
		if deadLetterOf(&d).ID != messageID {
			continue
		}
		if err := fn(&d); err != nil {
			return err
		}
		if err := d.Ack(false); err != nil {
			return fmt.Errorf("acknowledge: %w", err)
		}
		return nil
	}
	return errDeadLetterNotFound(messageID)
}

// isNotFound reports whether err is the broker's "no such queue".
func isNotFound(err error) bool {
	var ae *amqp.Error
	return errors.As(err, &ae) && ae.Code == amqp.NotFound
}
