package citizens

import (
	"context"
	"time"

	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/sqlstore"
)

// accountItem is the account in the citizen's archive (section "account").
type accountItem struct {
	ID          string    `json:"id"`
	Email       string    `json:"email"`
	DisplayName string    `json:"displayName"`
	Confirmed   bool      `json:"confirmed"`
	CreatedAt   time.Time `json:"createdAt"`
}

// ExportCitizen writes the account to the citizen's archive: section
// "account", one item (the password is kept only as a hash and left out).
func (s *Store) ExportCitizen(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := a.Section("account"); err != nil {
		return err
	}
	c, err := s.Get(ctx, tenantID, citizenID)
	if err != nil {
		return err
	}
	return a.Add(accountItem{ID: c.ID, Email: c.Email, DisplayName: c.DisplayName, Confirmed: c.Confirmed, CreatedAt: c.CreatedAt})
}

// ForgetCitizen deletes the account inside tx (account deletion).
func (s *Store) ForgetCitizen(ctx context.Context, tx *sqlstore.Tx, tenantID, citizenID string) error {
	return s.DeleteTx(ctx, tx, tenantID, citizenID)
}
