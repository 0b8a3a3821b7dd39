package bus

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub"
)

// SubmissionEnvelope wraps a submission's message for its destination as
// the outbox message the relay publishes: a CloudEvent in AMQP binary mode
// (attributes as "cloudEvents:*" headers, see docs/ARCHITECTURE.md) on the
// submissions exchange, routed by the destination id, with the hub's own
// headers that name tenant, submission and destination.
func SubmissionEnvelope(tenantID string, m *hub.SubmissionMessage, now time.Time) (hub.OutboxMessage, error) {
	payload, err := json.Marshal(m)
	if err != nil {
		return hub.OutboxMessage{}, fmt.Errorf("encode submission message: %w", err)
	}
	id := hub.NewID()
	return hub.OutboxMessage{
		ID: id, TenantID: tenantID, Topic: Topic(SubmissionsExchange, m.DestinationID), Payload: payload,
		Metadata: map[string]string{
			"cloudEvents:specversion": hub.CloudEventsSpec,
			"cloudEvents:id":          id,
			"cloudEvents:type":        hub.EventTypeSubmission,
			"cloudEvents:source":      "/amthub/" + tenantID,
			"cloudEvents:subject":     m.CaseID,
			"cloudEvents:time":        now.Format(time.RFC3339Nano),
			ContentTypeKey:            "application/json",
			hub.HeaderTenant:          tenantID,
			hub.HeaderSubmission:      m.SubmissionID,
			hub.HeaderDestination:     m.DestinationID,
		},
	}, nil
}
