package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/sqlstore"
)

// paymentItem is one payment in the citizen's archive.
type paymentItem struct {
	ID            string    `json:"id"`
	CaseID        string    `json:"caseId"`
	ClientID      string    `json:"clientId"`
	Status        string    `json:"status"`
	StatusDetail  string    `json:"statusDetail,omitempty"`
	Amount        int64     `json:"amount"` // cents
	Currency      string    `json:"currency"`
	Purpose       string    `json:"purpose"`
	Description   string    `json:"description"`
	Items         []Item    `json:"items"`
	TransactionID string    `json:"transactionId,omitempty"`
	PaymentMethod string    `json:"paymentMethod,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// ExportCitizen writes the section "payments": every payment of the
// citizen's cases, in every state.
func (s *Store) ExportCitizen(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := a.Section("payments"); err != nil {
		return err
	}
	caseIDs, err := s.cases.CitizenCaseIDs(ctx, s.db, tenantID, citizenID)
	if err != nil || len(caseIDs) == 0 {
		return err
	}
	args := []any{tenantID}
	for _, id := range caseIDs {
		args = append(args, id)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+paymentColumns+` FROM payments
		WHERE tenant_id = $1 AND case_id IN (`+sqlstore.Placeholders(2, len(caseIDs))+`) ORDER BY created_at, id`, args...)
	if err != nil {
		return fmt.Errorf("export payments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return fmt.Errorf("export payments: %w", err)
		}
		if err := a.Add(paymentItem{ID: p.ID, CaseID: p.CaseID, ClientID: p.ClientID, Status: p.Status, StatusDetail: p.StatusDetail,
			Amount: p.Amount, Currency: p.Currency, Purpose: p.Purpose, Description: p.Description, Items: p.Items,
			TransactionID: p.TransactionID, PaymentMethod: p.PaymentMethod, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ForgetCitizen does nothing: a payment belongs to its case, which stays
// with the authority when the citizen's account is deleted (unlinked from
// it), and names no account itself.
func (s *Store) ForgetCitizen(context.Context, *sqlstore.Tx, string, string) error { return nil }
