package pipeline

import (
	"context"
	"fmt"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// The methods here are what other modules (payments, mailbox, registers,
// the portal) may know of the pipeline's cases: they read and change them
// through these, never with SQL of their own.

// FindCase returns the case id through q (the database, or the caller's
// transaction). A case that does not exist is ENOTFOUND case_not_found.
func (s *Store) FindCase(ctx context.Context, q sqlstore.Querier, id string) (*hub.Case, error) {
	c := &hub.Case{ID: id}
	var citizen *string
	err := q.QueryRowContext(ctx, `SELECT tenant_id, case_number, client_id, citizen_id, destination_id, leika_key, created_at
		FROM cases WHERE id = $1`, id).Scan(&c.TenantID, &c.Number, &c.ClientID, &citizen, &c.DestinationID, &c.LeikaKey, &c.CreatedAt)
	if sqlstore.ErrNoRows(err) {
		return nil, hub.ErrCaseNotFound("")
	}
	if err != nil {
		return nil, fmt.Errorf("find case %s: %w", id, err)
	}
	c.CitizenID = sqlstore.Deref(citizen)
	return c, nil
}

// FindOwnedCase returns a case of clientID; another tenant's or client's
// case is not found, with field naming the input that named it.
func (s *Store) FindOwnedCase(ctx context.Context, q sqlstore.Querier, tenantID, clientID, id, field string) (*hub.Case, error) {
	if !hub.ValidID(id) {
		return nil, hub.ErrCaseNotFound(field)
	}
	c, err := s.FindCase(ctx, q, id)
	if hub.IsCode(err, hub.ENOTFOUND) || err == nil && (c.TenantID != tenantID || c.ClientID != clientID) {
		return nil, hub.ErrCaseNotFound(field)
	}
	return c, err
}

// CitizenCaseIDs returns the ids of the cases a citizen of tenantID applied
// for.
func (s *Store) CitizenCaseIDs(ctx context.Context, q sqlstore.Querier, tenantID, citizenID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM cases WHERE tenant_id = $1 AND citizen_id = $2 ORDER BY id`, tenantID, citizenID)
	if err != nil {
		return nil, fmt.Errorf("list citizen cases: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list citizen cases: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// UnlinkCitizen detaches a deleted account's cases from it inside tx: the
// cases stay (they are the authorities' records) but point to no account.
func (s *Store) UnlinkCitizen(ctx context.Context, tx *sqlstore.Tx, tenantID, citizenID string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET citizen_id = NULL WHERE tenant_id = $1 AND citizen_id = $2`, tenantID, citizenID); err != nil {
		return fmt.Errorf("unlink cases: %w", err)
	}
	return nil
}
