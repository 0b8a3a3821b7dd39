// Package fitconnect is amthub's outbound connector to FIT-Connect: it
// forwards the submissions of one amthub destination of kind fitconnect to
// a FIT-Connect destination, as a FIT-Connect sender.
//
// To the hub it is a Fachverfahren: it consumes the destination's queue
// fv.<destinationId> under the AsyncAPI contract (openapi/asyncapi.yaml)
// through the Fachverfahren SDK, and answers on amthub.replies. Each
// submission is first taken into the connector's own table
// (fitconnect_outbound) and acknowledged after that commit; a worker then
// forwards it: an access token from FIT-Connect's OAuth server (client
// credentials), the destination's encryption key (its x5c chain checked
// against the configured trust anchor), create submission, the attachments
// encrypted and uploaded, metadata and data encrypted and submitted. Then
// it reads the case's event log, verifies every SET's signature with the
// key its issuer publishes (chain checked too) and mirrors the decision
// into the amthub timeline: accept-submission becomes an accept reply,
// reject-submission a reject reply, each with the SET's jti as reply id, so
// that mirroring it again changes nothing.
//
// Delivery is at least once and forwarding idempotent: a redelivered or
// resent submission finds its row and creates nothing at FIT-Connect. A
// failed step (FIT-Connect down, a timeout) is retried with backoff from
// the row, not by the broker, so an outage of any length dead-letters
// nothing. One window remains: a crash after FIT-Connect created a
// submission and before the row recorded it leaves that submission
// incomplete at FIT-Connect (it expires there); the retry creates a new
// one and only that one is submitted.
package fitconnect
