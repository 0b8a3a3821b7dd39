package catalogue

import (
	"context"
	"fmt"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Units returns the tenant's organisational units, ordered by name: the
// tree is in their ParentIDs.
func (e *Editor) Units(ctx context.Context, tenantID string) ([]OrgUnit, error) {
	us, err := e.store.units(ctx, `SELECT `+unitColumns("u")+` FROM org_units u WHERE u.tenant_id = $1
		ORDER BY u.name, u.id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list organisational units: %w", err)
	}
	return us, nil
}

// validUnit checks a unit's own fields (not its id or parent).
func validUnit(u *OrgUnit) checks {
	var c checks
	c.text("name", u.Name, true, 200)
	c.text("address.street", u.Address.Street, false, 200)
	if u.Address.Postcode != "" && !postcodeRe.MatchString(u.Address.Postcode) {
		c.add("address.postcode", "invalid_postcode", "Bitte geben Sie eine Postleitzahl mit fünf Ziffern an.")
	}
	c.text("address.city", u.Address.City, false, 200)
	c.text("openingHours", u.OpeningHours, false, 2000)
	c.text("contact.phone", u.Contact.Phone, false, 50)
	c.email("contact.email", u.Contact.Email)
	c.link("contact.website", u.Contact.Website)
	return c
}

// CreateUnit adds an organisational unit to the tenant's tree, under
// u.ParentID if set. Without an ID it gets a new one.
func (e *Editor) CreateUnit(ctx context.Context, tenantID string, u OrgUnit) (Change[OrgUnit], error) {
	if u.ID == "" {
		u.ID = hub.NewID()
	}
	c := validUnit(&u)
	if !unitIDRe.MatchString(u.ID) {
		c.add("id", "invalid_id", "Die Kennung darf nur Buchstaben, Ziffern und . _ : - enthalten.")
	}
	if err := c.err(); err != nil {
		return Change[OrgUnit]{}, err
	}
	err := e.store.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if u.ParentID != "" {
			if _, err := findUnit(ctx, tx, tenantID, u.ParentID, "parentId"); err != nil {
				return err
			}
		}
		if _, err := findUnit(ctx, tx, tenantID, u.ID, ""); err == nil {
			return &hub.Error{Code: hub.ECONFLICT, Kind: "authority_exists", Field: "id",
				Message: "Eine Behörde mit dieser Kennung gibt es schon."}
		} else if !hub.IsCode(err, hub.ENOTFOUND) {
			return err
		}
		if err := WriteUnits(ctx, tx, tenantID, e.store.db.Now(), []Hashed[OrgUnit]{{Record: u}}); err != nil {
			return err
		}
		return e.changed(ctx, tx, "org_unit.created", "org_unit", u.ID, nil, &u)
	})
	if err != nil {
		return Change[OrgUnit]{}, fmt.Errorf("create organisational unit: %w", err)
	}
	return Change[OrgUnit]{After: &u}, nil
}

// UpdateUnit replaces an organisational unit's name, address, opening
// hours and contact; its id and place in the tree stay (see MoveUnit).
func (e *Editor) UpdateUnit(ctx context.Context, tenantID, id string, u OrgUnit) (Change[OrgUnit], error) {
	if err := validUnit(&u).err(); err != nil {
		return Change[OrgUnit]{}, err
	}
	var ch Change[OrgUnit]
	err := e.store.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		before, err := findUnit(ctx, tx, tenantID, id, "")
		if err != nil {
			return err
		}
		u.ID, u.ParentID = before.ID, before.ParentID
		ch = Change[OrgUnit]{Before: before, After: &u}
		if err := WriteUnits(ctx, tx, tenantID, e.store.db.Now(), []Hashed[OrgUnit]{{Record: u}}); err != nil {
			return err
		}
		return e.changed(ctx, tx, "org_unit.updated", "org_unit", id, before, &u)
	})
	if err != nil {
		return Change[OrgUnit]{}, fmt.Errorf("update organisational unit %s: %w", id, err)
	}
	return ch, nil
}

// MoveUnit puts an organisational unit under another one, or at the top
// of the tree when parentID is empty. A unit cannot move under itself or
// under one of its own descendants.
func (e *Editor) MoveUnit(ctx context.Context, tenantID, id, parentID string) (Change[OrgUnit], error) {
	var ch Change[OrgUnit]
	err := e.store.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		before, err := findUnit(ctx, tx, tenantID, id, "")
		if err != nil {
			return err
		}
		// Walk up from the new parent: meeting the unit means a cycle.
		for p := parentID; p != ""; {
			if p == id {
				return &hub.Error{Code: hub.EINVALID, Kind: "authority_cycle", Field: "parentId",
					Message: "Eine Behörde kann nicht unter sich selbst oder einer ihrer Untereinheiten stehen."}
			}
			parent, err := findUnit(ctx, tx, tenantID, p, "parentId")
			if err != nil {
				return err
			}
			p = parent.ParentID
		}
		if _, err := tx.ExecContext(ctx, `UPDATE org_units SET parent_id = $3, content_hash = '', updated_at = $4
			WHERE tenant_id = $1 AND id = $2`, tenantID, id, nullString(parentID), e.store.db.Now()); err != nil {
			return fmt.Errorf("move: %w", err)
		}
		after := *before
		after.ParentID = parentID
		ch = Change[OrgUnit]{Before: before, After: &after}
		return e.changed(ctx, tx, "org_unit.moved", "org_unit", id, before, &after)
	})
	if err != nil {
		return Change[OrgUnit]{}, fmt.Errorf("move organisational unit %s: %w", id, err)
	}
	return ch, nil
}

// DeleteUnit removes an organisational unit that nothing refers to any
// more: no unit below it, no responsibility and no destination.
func (e *Editor) DeleteUnit(ctx context.Context, tenantID, id string) (Change[OrgUnit], error) {
	var ch Change[OrgUnit]
	err := e.store.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		before, err := findUnit(ctx, tx, tenantID, id, "")
		if err != nil {
			return err
		}
		for _, ref := range []struct{ query, kind, message string }{
			{`SELECT count(*) FROM org_units WHERE tenant_id = $1 AND parent_id = $2`, "authority_has_children",
				"Diese Behörde hat Untereinheiten. Verschieben oder löschen Sie diese zuerst."},
			{`SELECT count(*) FROM responsibilities WHERE tenant_id = $1 AND org_unit_id = $2`, "authority_responsible",
				"Diese Behörde ist noch für Leistungen zuständig. Ändern Sie zuerst diese Zuständigkeiten."},
			{`SELECT count(*) FROM destinations WHERE tenant_id = $1 AND org_unit_id = $2`, "authority_has_destinations",
				"Diese Behörde hat noch Empfangsstellen. Ordnen Sie diese zuerst einer anderen Behörde zu."},
		} {
			var n int
			if err := tx.QueryRowContext(ctx, ref.query, tenantID, id).Scan(&n); err != nil {
				return fmt.Errorf("count references: %w", err)
			}
			if n > 0 {
				return &hub.Error{Code: hub.ECONFLICT, Kind: ref.kind, Message: ref.message}
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM org_units WHERE tenant_id = $1 AND id = $2`, tenantID, id); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		ch = Change[OrgUnit]{Before: before}
		return e.changed(ctx, tx, "org_unit.deleted", "org_unit", id, before, nil)
	})
	if err != nil {
		return Change[OrgUnit]{}, fmt.Errorf("delete organisational unit %s: %w", id, err)
	}
	return ch, nil
}

// findUnit loads (and on PostgreSQL locks) one unit in tx. A missing unit
// is ENOTFOUND, naming field if the caller gave one.
func findUnit(ctx context.Context, tx *sqlstore.Tx, tenantID, id, field string) (*OrgUnit, error) {
	u := &OrgUnit{}
	err := tx.QueryRowContext(ctx, `SELECT `+unitColumns("u")+` FROM org_units u WHERE u.tenant_id = $1 AND u.id = $2`+
		tx.DB().Dialect.ForUpdate(), tenantID, id).Scan(unitFields(u)...)
	if sqlstore.ErrNoRows(err) {
		code := hub.ENOTFOUND
		if field != "" {
			code = hub.EINVALID
		}
		return nil, &hub.Error{Code: code, Kind: "authority_not_found", Field: field, Message: "Diese Behörde gibt es nicht."}
	}
	if err != nil {
		return nil, fmt.Errorf("find organisational unit %s: %w", id, err)
	}
	return u, nil
}
