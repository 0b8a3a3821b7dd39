package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/amthub/amthub/hub"
)

// SubmissionStore stores destinations and routing data (areas and
// responsibilities). The pipeline keeps cases and submissions in its own
// store (hub/pipeline); the catalogue takes this one over.
type SubmissionStore struct {
	db *DB

	// destinations caches FindDestination: a destination never changes
	// once created (there is no update), so every submission need not read
	// it and its services again. Whoever adds an update must invalidate.
	destMu       sync.RWMutex
	destinations map[[2]string]*hub.Destination
}

// maxCachedDestinations bounds the destination cache; past it, it starts
// over.
const maxCachedDestinations = 4096

// NewSubmissionStore returns a SubmissionStore on db.
func NewSubmissionStore(db *DB) *SubmissionStore {
	return &SubmissionStore{db: db, destinations: map[[2]string]*hub.Destination{}}
}

// CreateDestination stores a destination with its services.
func (s *SubmissionStore) CreateDestination(ctx context.Context, d *hub.Destination) error {
	if d.ID == "" {
		d.ID = hub.NewID()
	}
	d.CreatedAt = s.db.Now()
	contact, _ := json.Marshal(d.Contact)
	var key any
	if len(d.EncryptionKey) > 0 {
		key = string(d.EncryptionKey)
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO destinations (id, tenant_id, name, contact, encryption_key, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, d.ID, d.TenantID, d.Name, string(contact), key, d.CreatedAt); err != nil {
			return fmt.Errorf("insert destination: %w", err)
		}
		for _, sv := range d.Services {
			if !hub.ValidLeikaKey(sv.LeikaKey) {
				return hub.FieldError("services.leikaKey", "%q is not a LeiKa key", sv.LeikaKey)
			}
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO destination_services (tenant_id, destination_id, leika_key, service_name, schema_uri,
					schema, mapping_name, mapping_version, payment_required)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				d.TenantID, d.ID, sv.LeikaKey, sv.Name, sv.SchemaURI, string(sv.Schema),
				nullString(sv.MappingName), nullString(sv.MappingVersion), sv.PaymentRequired); err != nil {
				return fmt.Errorf("insert destination service %s: %w", sv.LeikaKey, err)
			}
		}
		return nil
	})
}

// FindDestination returns a destination of the tenant with its services.
// The caller owns the result.
func (s *SubmissionStore) FindDestination(ctx context.Context, tenantID, id string) (*hub.Destination, error) {
	key := [2]string{tenantID, id}
	s.destMu.RLock()
	d := s.destinations[key]
	s.destMu.RUnlock()
	if d == nil {
		var err error
		if d, err = s.loadDestination(ctx, tenantID, id); err != nil {
			return nil, err
		}
		s.destMu.Lock()
		if len(s.destinations) >= maxCachedDestinations {
			clear(s.destinations)
		}
		s.destinations[key] = d
		s.destMu.Unlock()
	}
	c := *d
	c.Services = slices.Clone(d.Services)
	return &c, nil
}

func (s *SubmissionStore) loadDestination(ctx context.Context, tenantID, id string) (*hub.Destination, error) {
	d := &hub.Destination{ID: id, TenantID: tenantID}
	var contact string
	var key *string
	err := s.db.QueryRowContext(ctx, `SELECT name, contact, encryption_key, created_at FROM destinations WHERE tenant_id = $1 AND id = $2`,
		tenantID, id).Scan(&d.Name, &contact, &key, &d.CreatedAt)
	if ErrNoRows(err) {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "destination_not_found", Field: "destinationId", Message: "No such destination."}
	}
	if err != nil {
		return nil, fmt.Errorf("find destination: %w", err)
	}
	_ = json.Unmarshal([]byte(contact), &d.Contact)
	if key != nil {
		d.EncryptionKey = json.RawMessage(*key)
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT leika_key, service_name, schema_uri, schema, mapping_name, mapping_version, payment_required
		FROM destination_services WHERE destination_id = $1 ORDER BY leika_key`, id)
	if err != nil {
		return nil, fmt.Errorf("find destination services: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sv hub.DestinationService
		var schema string
		var mname, mver *string
		if err := rows.Scan(&sv.LeikaKey, &sv.Name, &sv.SchemaURI, &schema, &mname, &mver, &sv.PaymentRequired); err != nil {
			return nil, fmt.Errorf("scan destination service: %w", err)
		}
		sv.Schema = json.RawMessage(schema)
		sv.MappingName, sv.MappingVersion = deref(mname), deref(mver)
		d.Services = append(d.Services, sv)
	}
	return d, rows.Err()
}

// UpsertAreas stores areas, replacing names of known keys.
func (s *SubmissionStore) UpsertAreas(ctx context.Context, tenantID string, areas []hub.Area) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		for _, a := range areas {
			if !hub.ValidARS(a.ARS) {
				return hub.FieldError("ars", "%q is not a 12-digit regional key", a.ARS)
			}
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO areas (tenant_id, ars, name, level, postcode) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (tenant_id, ars) DO UPDATE SET name = excluded.name, level = excluded.level, postcode = excluded.postcode`,
				tenantID, a.ARS, a.Name, a.Level, nullString(a.Postcode)); err != nil {
				return fmt.Errorf("upsert area %s: %w", a.ARS, err)
			}
		}
		return nil
	})
}

// AddResponsibility records that a destination serves a service in an area.
func (s *SubmissionStore) AddResponsibility(ctx context.Context, tenantID string, r hub.Responsibility) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO responsibilities (tenant_id, leika_key, ars_prefix, destination_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, tenantID, r.LeikaKey, r.ARSPrefix, r.DestinationID)
	if err != nil {
		return fmt.Errorf("add responsibility: %w", Translate(err))
	}
	return nil
}

// FindRoutes returns the destinations responsible for a service in an area,
// the most specific responsibility first. When there is none it says why:
// the service is offered nowhere, the area is unknown, or no
// responsibility is recorded for that pair.
func (s *SubmissionStore) FindRoutes(ctx context.Context, tenantID, leikaKey, ars string) ([]hub.Route, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT DISTINCT r.destination_id, length(r.ars_prefix) AS specificity
		FROM responsibilities r
		WHERE r.tenant_id = $1 AND r.leika_key = $2 AND $3 LIKE r.ars_prefix || '%'
		ORDER BY specificity DESC, r.destination_id`, tenantID, leikaKey, ars)
	if err != nil {
		return nil, fmt.Errorf("find routes: %w", err)
	}
	var ids []string
	best := -1
	for rows.Next() {
		var id string
		var spec int
		if err := rows.Scan(&id, &spec); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find routes: %w", err)
		}
		if best == -1 {
			best = spec
		}
		if spec == best { // a more specific responsibility overrides broader ones
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find routes: %w", err)
	}
	if len(ids) == 0 {
		return nil, s.noRouteReason(ctx, tenantID, leikaKey, ars)
	}
	routes := make([]hub.Route, 0, len(ids))
	for _, id := range ids {
		d, err := s.FindDestination(ctx, tenantID, id)
		if err != nil {
			return nil, err
		}
		if sv, ok := d.Service(leikaKey); ok {
			routes = append(routes, hub.Route{Destination: d, Service: sv})
		}
	}
	return routes, nil
}

func (s *SubmissionStore) noRouteReason(ctx context.Context, tenantID, leikaKey, ars string) error {
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

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// ListDestinations returns the tenant's destinations with their services.
func (s *SubmissionStore) ListDestinations(ctx context.Context, tenantID string) ([]*hub.Destination, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM destinations WHERE tenant_id = $1 ORDER BY name, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list destinations: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list destinations: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list destinations: %w", err)
	}
	out := make([]*hub.Destination, 0, len(ids))
	for _, id := range ids {
		d, err := s.FindDestination(ctx, tenantID, id)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// AllDestinationIDs returns the ids of every tenant's destinations, for
// declaring their queues at start-up.
func (s *SubmissionStore) AllDestinationIDs(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM destinations ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list destination ids: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list destination ids: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
