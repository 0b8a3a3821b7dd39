package payments

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Message is the body of the payment event a Fachverfahren receives on its
// queue (CloudEvents type EventTypePayment, subject = case id).
type Message struct {
	PaymentID     string    `json:"paymentId"`
	CaseID        string    `json:"caseId"`
	CaseNumber    string    `json:"caseNumber"`
	Status        string    `json:"status"`
	StatusDetail  string    `json:"statusDetail,omitempty"`
	Amount        int64     `json:"amount"`
	Currency      string    `json:"currency"`
	Purpose       string    `json:"purpose"`
	Items         []Item    `json:"items"`
	TransactionID string    `json:"transactionId"`
	PaymentMethod string    `json:"paymentMethod,omitempty"`
	ChangedAt     time.Time `json:"changedAt"`
}

// announce records p's current status on the case timeline (which queues
// the vendor's callback) and puts the payment message for the case's
// Fachverfahren into the outbox — inside tx.
func (s *Store) announce(ctx context.Context, tx *sqlstore.Tx, p *Payment, reason string) error {
	// No purpose (the vendor's free text): the timeline outlives the
	// payment record and keeps no personal data.
	data := map[string]any{"paymentId": p.ID, "status": p.Status, "amount": p.Amount, "currency": p.Currency,
		"transactionId": p.TransactionID}
	if reason != "" {
		data["reason"] = reason
	}
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode payment event: %w", err)
	}
	actor := "hub"
	if p.Status == StatusInitial {
		actor = p.ClientID
	}
	if err := s.cases.AppendEventTx(ctx, tx, &hub.Event{TenantID: p.TenantID, CaseID: p.CaseID,
		Type: eventType(p.Status), Actor: actor, Data: b}); err != nil {
		return fmt.Errorf("append payment event: %w", err)
	}
	c, err := s.cases.FindCase(ctx, tx, p.CaseID)
	if err != nil {
		return fmt.Errorf("find destination of case %s: %w", p.CaseID, err)
	}
	destID, caseNumber := c.DestinationID, c.Number
	payload, err := json.Marshal(Message{PaymentID: p.ID, CaseID: p.CaseID, CaseNumber: caseNumber, Status: p.Status,
		StatusDetail: p.StatusDetail, Amount: p.Amount, Currency: p.Currency, Purpose: p.Purpose, Items: p.Items,
		TransactionID: p.TransactionID, PaymentMethod: p.PaymentMethod, ChangedAt: p.UpdatedAt})
	if err != nil {
		return fmt.Errorf("encode payment message: %w", err)
	}
	id := hub.NewID()
	return sqlstore.Enqueue(ctx, tx, hub.OutboxMessage{
		ID: id, TenantID: p.TenantID, Topic: bus.Topic(bus.SubmissionsExchange, destID), Payload: payload,
		Metadata: map[string]string{
			"cloudEvents:specversion": hub.CloudEventsSpec,
			"cloudEvents:id":          id,
			"cloudEvents:type":        EventTypePayment,
			"cloudEvents:source":      "/amthub/" + p.TenantID,
			"cloudEvents:subject":     p.CaseID,
			"cloudEvents:time":        p.UpdatedAt.UTC().Format(time.RFC3339Nano),
			bus.ContentTypeKey:        "application/json",
			hub.HeaderTenant:          p.TenantID,
			hub.HeaderDestination:     destID,
			HeaderPayment:             p.ID,
		},
	})
}
