package payments

import (
	"context"
	"fmt"

	"github.com/amthub/amthub/hub/sqlstore"
)

// maxCitizenPayments bounds the list of one citizen's payments.
const maxCitizenPayments = 500

// ListForCitizen returns the payments of the cases a citizen of tenantID
// applied for (cases.citizen_id), newest first, up to 500. Payments the
// provider has not created yet (PENDING) are left out: they have no pay
// page and vanish if the provider refuses them.
func (s *Store) ListForCitizen(ctx context.Context, tenantID, citizenID string) ([]*Payment, error) {
	if tenantID == "" || citizenID == "" {
		return nil, nil
	}
	caseIDs, err := s.cases.CitizenCaseIDs(ctx, s.db, tenantID, citizenID)
	if err != nil || len(caseIDs) == 0 {
		return nil, err
	}
	args := []any{tenantID, maxCitizenPayments}
	for _, id := range caseIDs {
		args = append(args, id)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+paymentColumns+` FROM payments
		WHERE tenant_id = $1 AND status <> 'PENDING' AND case_id IN (`+sqlstore.Placeholders(3, len(caseIDs))+`)
		ORDER BY created_at DESC, id DESC LIMIT $2`, args...)
	if err != nil {
		return nil, fmt.Errorf("list citizen payments: %w", err)
	}
	defer rows.Close()
	var out []*Payment
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, fmt.Errorf("list citizen payments: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
