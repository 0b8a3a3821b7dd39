package hub

import "time"

// OutboxMessage is a message written in the same transaction as the state
// change it announces, and relayed to the message bus afterwards.
type OutboxMessage struct {
	ID       string // message id; consumers deduplicate by it
	TenantID string
	Topic    string            // bus topic (for AMQP: the exchange routing key)
	Metadata map[string]string // headers (CloudEvents attributes, traceparent, …)
	Payload  []byte
	// NotBefore delays relaying until then; zero means at once.
	NotBefore time.Time
	CreatedAt time.Time
	// Attempts counts failed relays so far.
	Attempts int
}

// Clock gives the current time; tests inject a fixed one.
type Clock func() time.Time
