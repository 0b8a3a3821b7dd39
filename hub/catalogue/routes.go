package catalogue

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// AddResponsibility records that an organisational unit (named directly or
// by one of its destinations) serves a service in an area, replacing the
// unit recorded for the same service and ARS prefix.
func (s *Store) AddResponsibility(ctx context.Context, tenantID string, r hub.Responsibility) error {
	unit := r.OrgUnitID
	if unit == "" {
		d, err := s.FindDestination(ctx, tenantID, r.DestinationID)
		if err != nil {
			return err
		}
		unit = d.OrgUnitID
	}
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO responsibilities (tenant_id, leika_key, ars_prefix, org_unit_id, online_url, notes, content_hash, updated_at)
		VALUES ($1, $2, $3, $4, '', '{}', '', $5)
		ON CONFLICT (tenant_id, leika_key, ars_prefix) DO UPDATE SET org_unit_id = excluded.org_unit_id, content_hash = ''`,
		tenantID, r.LeikaKey, r.ARSPrefix, unit, s.db.Now())
	if err != nil {
		return fmt.Errorf("add responsibility: %w", sqlstore.Translate(err))
	}
	return nil
}

// Responsible finds who serves leikaKey in the area ars: the organisational
// unit of the responsibility with the longest matching ARS prefix. Without
// one it answers ENOTFOUND (kind no_responsibility).
func (s *Store) Responsible(ctx context.Context, tenantID, leikaKey, ars string) (*Match, error) {
	prefixes := arsPrefixes(ars)
	args := append([]any{tenantID, leikaKey}, prefixes...)
	m := &Match{}
	u := &m.Unit
	var notes string
	err := s.db.QueryRowContext(ctx, `SELECT r.ars_prefix, r.online_url, r.notes, `+unitColumns("u")+`
		FROM responsibilities r
		JOIN org_units u ON u.tenant_id = r.tenant_id AND u.id = r.org_unit_id
		WHERE r.tenant_id = $1 AND r.leika_key = $2 AND r.ars_prefix IN (`+sqlstore.Placeholders(3, len(prefixes))+`)
		ORDER BY length(r.ars_prefix) DESC LIMIT 1`, args...).Scan(append([]any{&m.ARSPrefix, &m.OnlineURL, &notes},
		unitFields(u)...)...)
	if sqlstore.ErrNoRows(err) {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "no_responsibility",
			Message: fmt.Sprintf("No organisational unit is recorded as responsible for service %s in area %s.", leikaKey, ars)}
	}
	if err != nil {
		return nil, fmt.Errorf("find responsibility: %w", err)
	}
	if err := json.Unmarshal([]byte(notes), &m.Notes); err != nil {
		return nil, fmt.Errorf("read regional notes: %w", err)
	}
	return m, nil
}

// FindRoutes returns the destinations responsible for a service in an
// area: the responsible organisational unit's destinations for the
// service. The most specific responsibility wins. When there is no route
// it says why: the service is offered nowhere, the area is unknown, no
// responsibility is recorded for the pair, or the responsible unit has no
// destination for the service (no_destination, naming the unit).
func (s *Store) FindRoutes(ctx context.Context, tenantID, leikaKey, ars string) ([]hub.Route, error) {
	m, err := s.Responsible(ctx, tenantID, leikaKey, ars)
	if hub.IsCode(err, hub.ENOTFOUND) {
		return nil, s.noRouteReason(ctx, tenantID, leikaKey, ars)
	}
	if err != nil {
		return nil, fmt.Errorf("find routes: %w", err)
	}
	ids, err := s.ids(ctx, `SELECT d.id FROM destinations d
		JOIN destination_services ds ON ds.destination_id = d.id AND ds.leika_key = $3
		WHERE d.tenant_id = $1 AND d.org_unit_id = $2 ORDER BY d.id`, tenantID, m.Unit.ID, leikaKey)
	if err != nil {
		return nil, fmt.Errorf("find routes: %w", err)
	}
	routes := make([]hub.Route, 0, len(ids))
	for _, id := range ids {
		d, err := s.FindDestination(ctx, tenantID, id)
		if err != nil {
			return nil, err
		}
		if sv, ok := d.Service(leikaKey); ok {
			routes = append(routes, hub.Route{Destination: d, Service: sv, Unit: hub.Unit{ID: m.Unit.ID, Name: m.Unit.Name}})
		}
	}
	if len(routes) == 0 {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "no_destination",
			Message: fmt.Sprintf("%s is responsible for service %s in area %s but receives no submissions through the hub.",
				m.Unit.Name, leikaKey, ars)}
	}
	return routes, nil
}

func (s *Store) noRouteReason(ctx context.Context, tenantID, leikaKey, ars string) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM destination_services WHERE tenant_id = $1 AND leika_key = $2`,
		tenantID, leikaKey).Scan(&n); err != nil {
		return fmt.Errorf("find routes: %w", err)
	}
	if n == 0 {
		return &hub.Error{Code: hub.ENOTFOUND, Kind: "unknown_service", Field: "leikaKey",
			Message: fmt.Sprintf("No destination accepts the service %s.", leikaKey)}
	}
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM areas WHERE tenant_id = $1 AND ars = $2`,
		tenantID, ars).Scan(&n); err != nil {
		return fmt.Errorf("find routes: %w", err)
	}
	if n == 0 {
		return &hub.Error{Code: hub.ENOTFOUND, Kind: "unknown_area", Field: "ars",
			Message: fmt.Sprintf("The regional key %s is not a known area.", ars)}
	}
	return &hub.Error{Code: hub.ENOTFOUND, Kind: "no_responsibility",
		Message: fmt.Sprintf("No authority is recorded as responsible for service %s in area %s.", leikaKey, ars)}
}

// ServedAreas returns the ARS prefixes of the areas where the
// organisational unit is responsible for the service.
func (s *Store) ServedAreas(ctx context.Context, tenantID, unitID, leikaKey string) ([]string, error) {
	prefixes, err := s.ids(ctx, `SELECT ars_prefix FROM responsibilities WHERE tenant_id = $1 AND org_unit_id = $2 AND leika_key = $3
		ORDER BY ars_prefix`, tenantID, unitID, leikaKey)
	if err != nil {
		return nil, fmt.Errorf("served areas: %w", err)
	}
	return prefixes, nil
}
