package registers

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/sqlstore"
)

// DeletedAccount stands in the audit log for the acting citizen once the
// account is deleted: the entry stays (who asked a register, why, for
// which case) but no longer names the account.
const DeletedAccount = "deleted-account"

// CitizenCases is what the audit log's side of a citizen's data needs of
// the pipeline's cases: the cases a citizen applied for.
type CitizenCases interface {
	CitizenCaseIDs(ctx context.Context, q sqlstore.Querier, tenantID, citizenID string) ([]string, error)
}

// AuditStore is the audit log as a citizen's data: the queries made on
// the citizen's consent, by the citizen, or for the citizen's cases. It
// works whether or not registers are connected.
type AuditStore struct {
	db    *sqlstore.DB
	cases CitizenCases
}

// NewAuditStore returns the audit log's citizen side on db.
func NewAuditStore(db *sqlstore.DB, cases CitizenCases) *AuditStore {
	return &AuditStore{db: db, cases: cases}
}

// auditItem is one register query in the citizen's archive.
type auditItem struct {
	ID         string    `json:"id"`
	ClientID   string    `json:"clientId"`
	Subject    string    `json:"subject"` // who acted: the client, or the citizen it acted for
	Register   string    `json:"register"`
	LegalBasis string    `json:"legalBasis"`
	Purpose    string    `json:"purpose"`
	CaseID     string    `json:"caseId,omitempty"`
	Outcome    string    `json:"outcome"`
	DurationMS int64     `json:"durationMs"`
	CreatedAt  time.Time `json:"createdAt"`
}

// ExportCitizen writes the section "registerQueries": who looked the
// citizen up in which register, on which legal basis and why.
func (s *AuditStore) ExportCitizen(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := a.Section("registerQueries"); err != nil {
		return err
	}
	caseIDs, err := s.cases.CitizenCaseIDs(ctx, s.db, tenantID, citizenID)
	if err != nil {
		return fmt.Errorf("export register queries: %w", err)
	}
	args := []any{tenantID, citizenID}
	byCase := ""
	if len(caseIDs) > 0 {
		byCase = ` OR case_id IN (` + sqlstore.Placeholders(3, len(caseIDs)) + `)`
		for _, id := range caseIDs {
			args = append(args, id)
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, client_id, subject, register, legal_basis, purpose, case_id, outcome,
		duration_ms, created_at FROM register_audit
		WHERE tenant_id = $1 AND (citizen_id = $2 OR subject = $2`+byCase+`) ORDER BY created_at, id`, args...)
	if err != nil {
		return fmt.Errorf("export register queries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it auditItem
		var caseID sql.NullString
		if err := rows.Scan(&it.ID, &it.ClientID, &it.Subject, &it.Register, &it.LegalBasis, &it.Purpose, &caseID, &it.Outcome,
			&it.DurationMS, &it.CreatedAt); err != nil {
			return fmt.Errorf("export register queries: %w", err)
		}
		it.CaseID = caseID.String
		if err := a.Add(it); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ForgetCitizen unlinks, inside tx, the audit entries of a citizen whose
// account is deleted: they stay, as the register's and the authority's
// record of who asked and why (deleted by the audit log's retention), but
// name no account any more.
func (s *AuditStore) ForgetCitizen(ctx context.Context, tx *sqlstore.Tx, tenantID, citizenID string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE register_audit SET citizen_id = NULL,
		subject = CASE WHEN subject = $2 THEN $3 ELSE subject END
		WHERE tenant_id = $1 AND (citizen_id = $2 OR subject = $2)`, tenantID, citizenID, DeletedAccount); err != nil {
		return fmt.Errorf("forget citizen in register audit: %w", err)
	}
	return nil
}
