package admin

import (
	"context"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/catalogue"
)

// mayManageUnit checks that the actor may manage units at unitID (and so
// below it) in a tenant it sees; an unknown unit is 404.
func (s *Service) mayManageUnit(ctx context.Context, a *Actor, tenantID, unitID string) error {
	if _, err := s.Tenant(ctx, a, tenantID); err != nil {
		return err
	}
	path, err := s.unitPath(ctx, tenantID, unitID)
	if hub.IsCode(err, hub.EINVALID) || unitID == "" {
		return notFound("Organisationseinheit")
	}
	if err != nil {
		return err
	}
	if !a.May(access.UnitsManage, access.Resource{TenantID: tenantID, UnitPath: path}) {
		return forbidden()
	}
	return nil
}

// Unit returns one organisational unit, for anyone who may manage it.
func (s *Service) Unit(ctx context.Context, a *Actor, tenantID, unitID string) (*catalogue.OrgUnit, error) {
	if err := s.mayManageUnit(ctx, a, tenantID, unitID); err != nil {
		return nil, err
	}
	units, err := s.Units.Units(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		if u.ID == unitID {
			return &u, nil
		}
	}
	return nil, notFound("Organisationseinheit")
}

// UpdateUnit changes a unit's name, address and contact; the audit entry
// is written in the change's transaction.
func (s *Service) UpdateUnit(ctx context.Context, a *Actor, tenantID, unitID string, u catalogue.OrgUnit) (*catalogue.OrgUnit, error) {
	if err := s.mayManageUnit(ctx, a, tenantID, unitID); err != nil {
		return nil, err
	}
	ch, err := s.editor(a, tenantID).UpdateUnit(ctx, tenantID, unitID, u)
	if err != nil {
		return nil, err
	}
	return ch.After, nil
}

// MoveUnit puts a unit under another one (or at the top when parentID is
// empty); the actor needs the right on the unit and on its new parent.
func (s *Service) MoveUnit(ctx context.Context, a *Actor, tenantID, unitID, parentID string) (*catalogue.OrgUnit, error) {
	if err := s.mayManageUnit(ctx, a, tenantID, unitID); err != nil {
		return nil, err
	}
	path, err := s.parentPath(ctx, tenantID, parentID)
	if err != nil {
		return nil, err
	}
	if !a.May(access.UnitsManage, access.Resource{TenantID: tenantID, UnitPath: path}) {
		return nil, forbidden()
	}
	ch, err := s.editor(a, tenantID).MoveUnit(ctx, tenantID, unitID, parentID)
	if err != nil {
		return nil, err
	}
	return ch.After, nil
}

// DeleteUnit removes a unit nothing refers to any more (409 otherwise).
func (s *Service) DeleteUnit(ctx context.Context, a *Actor, tenantID, unitID string) error {
	if err := s.mayManageUnit(ctx, a, tenantID, unitID); err != nil {
		return err
	}
	_, err := s.editor(a, tenantID).DeleteUnit(ctx, tenantID, unitID)
	return err
}

// parentPath returns the path of a unit named as a parent; an unknown one
// is a field error on parentId.
func (s *Service) parentPath(ctx context.Context, tenantID, parentID string) ([]string, error) {
	path, err := s.unitPath(ctx, tenantID, parentID)
	if hub.IsCode(err, hub.EINVALID) {
		return nil, hub.FieldError("parentId", "Diese übergeordnete Einheit gibt es nicht.")
	}
	return path, err
}
