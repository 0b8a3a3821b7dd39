package access

import (
	"context"
	"fmt"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Store keeps the grants in the table staff_grants.
type Store struct{ db *sqlstore.DB }

// NewStore returns a Store on db (migrated).
func NewStore(db *sqlstore.DB) *Store { return &Store{db: db} }

// Validate checks that g names a known role at a level the role can be
// granted on.
func (g *Grant) Validate() error {
	switch {
	case !g.Role.Valid():
		return hub.FieldError("role", "unknown role %q", g.Role)
	case g.Role.Level() == LevelPlatform && (g.TenantID != "" || g.UnitID != ""):
		return hub.FieldError("tenant", "a %s is granted platform-wide, not per tenant", g.Role)
	case g.Role.Level() != LevelPlatform && g.TenantID == "":
		return hub.FieldError("tenant", "a %s is granted in a tenant", g.Role)
	case g.Role.Level() == LevelTenant && g.UnitID != "":
		return hub.FieldError("unit", "a %s is granted for the whole tenant", g.Role)
	}
	return nil
}

// Add stores grant g in tx (the caller records its audit entry there
// too). Granting a role twice at the same place is a conflict.
func (s *Store) Add(ctx context.Context, tx *sqlstore.Tx, g *Grant) error {
	if err := g.Validate(); err != nil {
		return err
	}
	if g.ID == "" {
		g.ID = hub.NewID()
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO staff_grants (id, person_id, role, tenant_id, unit_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, g.ID, g.PersonID, string(g.Role), sqlstore.NullString(g.TenantID), g.UnitID, s.db.Now())
	if err = sqlstore.Translate(err); hub.IsCode(err, hub.ECONFLICT) {
		return &hub.Error{Code: hub.ECONFLICT, Field: "role", Message: "The role is granted there already.", Err: err}
	}
	if err != nil {
		return fmt.Errorf("add grant: %w", err)
	}
	return nil
}

// Remove deletes grant id of person personID in tx and returns it.
func (s *Store) Remove(ctx context.Context, tx *sqlstore.Tx, personID, id string) (*Grant, error) {
	gs, err := s.list(ctx, tx, `WHERE person_id = $1 AND id = $2`, personID, id)
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 {
		return nil, hub.Errorf(hub.ENOTFOUND, "Grant not found.")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM staff_grants WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("remove grant: %w", err)
	}
	return &gs[0], nil
}

// RemovePerson deletes every grant of a person in tx (the person is
// removed).
func (s *Store) RemovePerson(ctx context.Context, tx *sqlstore.Tx, personID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM staff_grants WHERE person_id = $1`, personID); err != nil {
		return fmt.Errorf("remove grants: %w", err)
	}
	return nil
}

// Of returns the grants of a person, by tenant and role.
func (s *Store) Of(ctx context.Context, personID string) ([]Grant, error) {
	return s.list(ctx, s.db, `WHERE person_id = $1`, personID)
}

// OfPeople returns the grants of several people, keyed by person.
func (s *Store) OfPeople(ctx context.Context, personIDs []string) (map[string][]Grant, error) {
	out := map[string][]Grant{}
	for _, id := range personIDs {
		gs, err := s.Of(ctx, id)
		if err != nil {
			return nil, err
		}
		out[id] = gs
	}
	return out, nil
}

func (s *Store) list(ctx context.Context, q sqlstore.Querier, where string, args ...any) ([]Grant, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, person_id, role, COALESCE(tenant_id, ''), unit_id FROM staff_grants `+where+
		` ORDER BY COALESCE(tenant_id, ''), role, unit_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	defer rows.Close()
	var out []Grant
	for rows.Next() {
		var g Grant
		if err := rows.Scan(&g.ID, &g.PersonID, (*string)(&g.Role), &g.TenantID, &g.UnitID); err != nil {
			return nil, fmt.Errorf("list grants: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
