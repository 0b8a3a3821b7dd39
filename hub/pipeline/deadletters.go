package pipeline

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
)

// DeadLetterBus is what DeadLetters needs of the bus: hub/bus's RabbitMQ
// and in-process buses both serve it.
type DeadLetterBus interface {
	ListDeadLetters(ctx context.Context, destinationID string, limit int) ([]bus.DeadLetter, error)
	ReplayDeadLetter(ctx context.Context, destinationID, messageID string) error
	DiscardDeadLetter(ctx context.Context, destinationID, messageID string) error
}

// DestinationFinder finds a tenant's destination (the catalogue).
type DestinationFinder interface {
	FindDestination(ctx context.Context, tenantID, id string) (*hub.Destination, error)
}

// DeadLetters lets operators look into the messages a destination gave up
// on (its dead-letter queue), replay one to the destination once the cause
// is fixed, or discard it: the one code path of pages, admin API and CLI.
// Every operation checks that the destination belongs to the tenant;
// rights are the caller's to check. Logs name ids and the reason of the
// death, never the payload.
type DeadLetters struct {
	bus          DeadLetterBus
	destinations DestinationFinder
	logger       *slog.Logger
	resolved     *prometheus.CounterVec
}

// DeadLetterPage is the most dead letters List returns.
const DeadLetterPage = 100

// maxInspect is how many dead letters Inspect, Replay and Discard look
// through for one.
const maxInspect = 1000

// NewDeadLetters returns the dead-letter operations on b for the
// destinations d finds, counting replays and discards on reg.
func NewDeadLetters(b DeadLetterBus, d DestinationFinder, logger *slog.Logger, reg prometheus.Registerer) *DeadLetters {
	s := &DeadLetters{bus: b, destinations: d, logger: logger,
		resolved: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "amthub_dead_letters_resolved_total",
			Help: "Dead letters replayed to their destination or discarded, by action."}, []string{"action"})}
	reg.MustRegister(s.resolved)
	return s
}

// List returns the oldest DeadLetterPage dead letters of a tenant's
// destination.
func (s *DeadLetters) List(ctx context.Context, tenantID, destinationID string) ([]bus.DeadLetter, error) {
	return s.list(ctx, tenantID, destinationID, DeadLetterPage)
}

func (s *DeadLetters) list(ctx context.Context, tenantID, destinationID string, limit int) ([]bus.DeadLetter, error) {
	if _, err := s.destinations.FindDestination(ctx, tenantID, destinationID); err != nil {
		return nil, err
	}
	all, err := s.bus.ListDeadLetters(ctx, destinationID, limit)
	if err != nil {
		return nil, &hub.Error{Code: hub.EUNAVAILABLE, Message: "The broker cannot be read at the moment.", Err: err}
	}
	// A destination's queue holds its tenant's messages; a message naming
	// another tenant is not shown to this one.
	out := make([]bus.DeadLetter, 0, len(all))
	for _, d := range all {
		if d.Tenant == "" || d.Tenant == tenantID {
			out = append(out, d)
		}
	}
	return out, nil
}

// Inspect returns one dead letter of a tenant's destination.
func (s *DeadLetters) Inspect(ctx context.Context, tenantID, destinationID, messageID string) (*bus.DeadLetter, error) {
	all, err := s.list(ctx, tenantID, destinationID, maxInspect)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == messageID {
			return &all[i], nil
		}
	}
	return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "dead_letter_not_found",
		Message: "Diese Nachricht liegt nicht (mehr) bei den unzustellbaren Nachrichten."}
}

// Replay puts a dead letter back into its destination's queue (at least
// once: published with the broker's confirm before it leaves the
// dead-letter queue) and returns what it was, for the audit log.
func (s *DeadLetters) Replay(ctx context.Context, tenantID, destinationID, messageID string) (*bus.DeadLetter, error) {
	return s.resolve(ctx, "replay", tenantID, destinationID, messageID, s.bus.ReplayDeadLetter)
}

// Discard deletes a dead letter for good and returns what it was.
func (s *DeadLetters) Discard(ctx context.Context, tenantID, destinationID, messageID string) (*bus.DeadLetter, error) {
	return s.resolve(ctx, "discard", tenantID, destinationID, messageID, s.bus.DiscardDeadLetter)
}

func (s *DeadLetters) resolve(ctx context.Context, action, tenantID, destinationID, messageID string,
	do func(ctx context.Context, destinationID, messageID string) error) (*bus.DeadLetter, error) {
	dl, err := s.Inspect(ctx, tenantID, destinationID, messageID)
	if err != nil {
		return nil, err
	}
	if err := do(ctx, destinationID, messageID); err != nil {
		return nil, fmt.Errorf("%s dead letter: %w", action, err)
	}
	s.resolved.WithLabelValues(action).Inc()
	s.logger.Info("dead letter resolved", "action", action, "tenant", tenantID, "destination", destinationID,
		"message_id", messageID, "submission", dl.Submission, "reason", dl.Reason)
	return dl, nil
}
