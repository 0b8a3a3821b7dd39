package sqlstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/amthub/amthub/hub"
)

// TenantService stores tenants.
type TenantService struct{ db *DB }

// NewTenantService returns a TenantService on db.
func NewTenantService(db *DB) *TenantService { return &TenantService{db: db} }

var _ hub.TenantService = (*TenantService)(nil)

// CreateTenant stores a new tenant and fills its ID and CreatedAt.
func (s *TenantService) CreateTenant(ctx context.Context, t *hub.Tenant) error {
	return s.db.InTx(ctx, func(tx *Tx) error { return s.CreateTenantTx(ctx, tx, t) })
}

// CreateTenantTx stores a new tenant in tx, so that a caller can record
// the change (an audit entry) in the same transaction. A tenant without a
// kind is a state; a tenant below another needs a parent of a fitting kind
// (hub.TenantKind.ParentKinds).
func (s *TenantService) CreateTenantTx(ctx context.Context, tx *Tx, t *hub.Tenant) error {
	if t.Kind == "" {
		t.Kind = hub.TenantState
	}
	if err := t.Validate(); err != nil {
		return err
	}
	if t.ParentID != "" {
		var kind string
		err := tx.QueryRowContext(ctx, `SELECT kind FROM tenants WHERE id = $1`, t.ParentID).Scan(&kind)
		if ErrNoRows(err) {
			return hub.FieldError("parent", "no such tenant")
		}
		if err != nil {
			return fmt.Errorf("find parent tenant: %w", err)
		}
		if !slices.Contains(t.Kind.ParentKinds(), hub.TenantKind(kind)) {
			return hub.FieldError("parent", "a %s cannot be placed under a %s", t.Kind, kind)
		}
	}
	if t.ID == "" {
		t.ID = hub.NewID()
	}
	t.CreatedAt = s.db.Now()
	// A state (no parent) takes the columns' defaults, so that the insert
	// also runs on a schema from before the hierarchy (upgrade tests).
	q, args := `INSERT INTO tenants (id, slug, name, created_at) VALUES ($1, $2, $3, $4)`, []any{t.ID, t.Slug, t.Name, t.CreatedAt}
	if t.Kind != hub.TenantState {
		q = `INSERT INTO tenants (id, slug, name, created_at, kind, parent_id) VALUES ($1, $2, $3, $4, $5, $6)`
		args = append(args, string(t.Kind), NullString(t.ParentID))
	}
	_, err := tx.ExecContext(ctx, q, args...)
	if err = Translate(err); hub.IsCode(err, hub.ECONFLICT) {
		return &hub.Error{Code: hub.ECONFLICT, Field: "slug", Message: fmt.Sprintf("A tenant %q exists already.", t.Slug), Err: err}
	}
	return err
}

// FindTenantByID returns the tenant with the given id.
func (s *TenantService) FindTenantByID(ctx context.Context, id string) (*hub.Tenant, error) {
	return s.findTenant(ctx, "id", id)
}

// FindTenantBySlug returns the tenant with the given slug.
func (s *TenantService) FindTenantBySlug(ctx context.Context, slug string) (*hub.Tenant, error) {
	return s.findTenant(ctx, "slug", slug)
}

func (s *TenantService) findTenant(ctx context.Context, column, value string) (*hub.Tenant, error) {
	ts, err := s.listTenants(ctx, ` WHERE `+column+` = $1`, value)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, hub.Errorf(hub.ENOTFOUND, "Tenant not found.")
	}
	return ts[0], nil
}

// ListTenants returns every tenant, by slug.
func (s *TenantService) ListTenants(ctx context.Context) ([]*hub.Tenant, error) {
	return s.listTenants(ctx, ` ORDER BY slug`)
}

func (s *TenantService) listTenants(ctx context.Context, where string, args ...any) ([]*hub.Tenant, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, slug, name, kind, COALESCE(parent_id, ''), created_at FROM tenants`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	defer rows.Close()
	var out []*hub.Tenant
	for rows.Next() {
		t := &hub.Tenant{}
		if err := rows.Scan(&t.ID, &t.Slug, &t.Name, (*string)(&t.Kind), &t.ParentID, &t.CreatedAt); err != nil {
			return nil, fmt.Errorf("list tenants: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
