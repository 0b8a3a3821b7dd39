// Package fachverfahren is the Go SDK for back-office systems
// (Fachverfahren) that receive submissions from amthub and answer them.
//
// The hub publishes each submission to the destination's durable quorum
// queue fv.<destinationId> as a CloudEvent in AMQP binary mode. A
// Fachverfahren consumes that queue with Client.Consume, and answers on the
// exchange amthub.replies with routing key "<destinationId>.<replyType>":
// accept, reject, status (RECEIVED, PROCESSING, ACTION_REQUIRED,
// COMPLETED) and mailbox (a message for the applicant). Every reply waits
// for the broker's confirm. The contract is documented as AsyncAPI 3 in
// openapi/asyncapi.yaml.
//
// Delivery is at least once: a handler that returns nil acknowledges the
// submission, an error hands it back for redelivery, and after the queue's
// delivery limit it lands in the dead-letter queue fv.<destinationId>.dlq.
// So handlers must be idempotent, keyed by Submission.SubmissionID, and a
// reply that may have to be sent again should be built once (NewAccept, …)
// and re-sent with the same id via Send; the hub applies each reply id once.
//
//	c, err := fachverfahren.DialAMQP(ctx, "amqp://user:secret@broker:5672/", destinationID)
//	if err != nil { … }
//	defer c.Close()
//	err = c.Consume(ctx, func(ctx context.Context, s *fachverfahren.Submission) error {
//		if err := store(ctx, s); err != nil {
//			return err // redelivered later
//		}
//		return c.Accept(ctx, s, fileNumber(s))
//	})
//
// The same code runs on the in-process bus of `amthub dev`: pass its
// publisher and subscriber to New.
package fachverfahren
