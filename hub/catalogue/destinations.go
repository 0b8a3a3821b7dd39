package catalogue

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Store keeps the catalogue of every tenant: areas, organisational units,
// responsibilities and destinations.
type Store struct {
	db *sqlstore.DB

	// destinations caches FindDestination, so that every submission need
	// not read its destination and its services again. A change through
	// this process (AssignDestination, the Editor) invalidates the entry at
	// once; a change through another hub process applies here within
	// destinationTTL.
	destMu       sync.RWMutex
	destinations map[[2]string]cachedDestination
}

type cachedDestination struct {
	d   *hub.Destination
	exp time.Time
}

// maxCachedDestinations bounds the destination cache; past it, it starts
// over.
const maxCachedDestinations = 4096

// destinationTTL is how long a cached destination is used.
const destinationTTL = 5 * time.Second

// NewStore returns a Store on db.
func NewStore(db *sqlstore.DB) *Store {
	return &Store{db: db, destinations: map[[2]string]cachedDestination{}}
}

// forgetDestination drops a destination from the cache.
func (s *Store) forgetDestination(tenantID, id string) {
	s.destMu.Lock()
	delete(s.destinations, [2]string{tenantID, id})
	s.destMu.Unlock()
}

// CreateDestination stores a destination with its services. Without an
// OrgUnitID the destination becomes an organisational unit of its own
// (same id, name and contact), so that it can be made responsible.
func (s *Store) CreateDestination(ctx context.Context, d *hub.Destination) error {
	if d.ID == "" {
		d.ID = hub.NewID()
	}
	if d.Kind == "" {
		d.Kind = hub.DestinationAMQP
	}
	d.CreatedAt = s.db.Now()
	contact, _ := json.Marshal(d.Contact)
	var key any
	if len(d.EncryptionKey) > 0 {
		key = string(d.EncryptionKey)
	}
	return s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if d.OrgUnitID == "" {
			d.OrgUnitID = d.ID
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO org_units (tenant_id, id, name, street, postcode, city, opening_hours, phone, email, website,
					content_hash, updated_at)
				VALUES ($1, $2, $3, '', '', '', '', $4, $5, $6, '', $7)`,
				d.TenantID, d.ID, d.Name, d.Contact.Phone, d.Contact.Email, d.Contact.URL, d.CreatedAt); err != nil {
				return fmt.Errorf("insert organisational unit of destination: %w", err)
			}
		} else if err := unitExists(ctx, tx, d.TenantID, d.OrgUnitID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO destinations (id, tenant_id, org_unit_id, kind, name, contact, encryption_key, pickup, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, d.ID, d.TenantID, d.OrgUnitID, d.Kind, d.Name, string(contact), key,
			d.Pickup, d.CreatedAt); err != nil {
			return fmt.Errorf("insert destination: %w", err)
		}
		return insertServices(ctx, tx, d)
	})
}

// insertServices stores the services of d.
func insertServices(ctx context.Context, tx *sqlstore.Tx, d *hub.Destination) error {
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
}

func unitExists(ctx context.Context, tx *sqlstore.Tx, tenantID, unitID string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM org_units WHERE tenant_id = $1 AND id = $2`, tenantID, unitID).Scan(&one)
	if sqlstore.ErrNoRows(err) {
		return hub.FieldError("orgUnitId", "no organisational unit %q", unitID)
	}
	if err != nil {
		return fmt.Errorf("find organisational unit %s: %w", unitID, err)
	}
	return nil
}

// AssignDestination moves a destination to another organisational unit.
func (s *Store) AssignDestination(ctx context.Context, tenantID, destinationID, unitID string) error {
	err := s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := unitExists(ctx, tx, tenantID, unitID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE destinations SET org_unit_id = $3 WHERE tenant_id = $1 AND id = $2`,
			tenantID, destinationID, unitID)
		if err != nil {
			return fmt.Errorf("assign destination %s: %w", destinationID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &hub.Error{Code: hub.ENOTFOUND, Kind: "destination_not_found", Field: "destinationId", Message: "No such destination."}
		}
		return nil
	})
	s.forgetDestination(tenantID, destinationID)
	return err
}

// SetEncryptionKey makes jwk (a public JWK) the destination's current key
// for sealed submissions: senders encrypt to it, and the hub refuses a JWE
// for any other kid.
func (s *Store) SetEncryptionKey(ctx context.Context, tenantID, destinationID string, jwk json.RawMessage) error {
	res, err := s.db.ExecContext(ctx, `UPDATE destinations SET encryption_key = $3 WHERE tenant_id = $1 AND id = $2`,
		tenantID, destinationID, string(jwk))
	if err != nil {
		return fmt.Errorf("set encryption key of %s: %w", destinationID, err)
	}
	s.forgetDestination(tenantID, destinationID)
	if n, _ := res.RowsAffected(); n == 0 {
		return &hub.Error{Code: hub.ENOTFOUND, Kind: "destination_not_found", Field: "destinationId", Message: "No such destination."}
	}
	return nil
}

// FindDestination returns a destination of the tenant with its services.
// The caller owns the result.
func (s *Store) FindDestination(ctx context.Context, tenantID, id string) (*hub.Destination, error) {
	key := [2]string{tenantID, id}
	now := time.Now()
	s.destMu.RLock()
	hit := s.destinations[key]
	s.destMu.RUnlock()
	d := hit.d
	if d == nil || !now.Before(hit.exp) {
		var err error
		if d, err = loadDestination(ctx, s.db, tenantID, id); err != nil {
			return nil, err
		}
		s.destMu.Lock()
		if len(s.destinations) >= maxCachedDestinations {
			clear(s.destinations)
		}
		s.destinations[key] = cachedDestination{d: d, exp: now.Add(destinationTTL)}
		s.destMu.Unlock()
	}
	c := *d
	c.Services = slices.Clone(d.Services)
	return &c, nil
}

// loadDestination reads a destination with its services through q.
func loadDestination(ctx context.Context, q sqlstore.Querier, tenantID, id string) (*hub.Destination, error) {
	d := &hub.Destination{ID: id, TenantID: tenantID}
	var contact string
	var key *string
	err := q.QueryRowContext(ctx, `SELECT org_unit_id, kind, name, contact, encryption_key, pickup, created_at
		FROM destinations WHERE tenant_id = $1 AND id = $2`,
		tenantID, id).Scan(&d.OrgUnitID, &d.Kind, &d.Name, &contact, &key, &d.Pickup, &d.CreatedAt)
	if sqlstore.ErrNoRows(err) {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "destination_not_found", Field: "destinationId", Message: "No such destination."}
	}
	if err != nil {
		return nil, fmt.Errorf("find destination: %w", err)
	}
	if err := json.Unmarshal([]byte(contact), &d.Contact); err != nil {
		return nil, fmt.Errorf("find destination %s: contact: %w", id, err)
	}
	if key != nil {
		d.EncryptionKey = json.RawMessage(*key)
	}
	rows, err := q.QueryContext(ctx, `
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

// ListDestinations returns the tenant's destinations with their services.
func (s *Store) ListDestinations(ctx context.Context, tenantID string) ([]*hub.Destination, error) {
	ids, err := s.ids(ctx, `SELECT id FROM destinations WHERE tenant_id = $1 ORDER BY name, id`, tenantID)
	if err != nil {
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
func (s *Store) AllDestinationIDs(ctx context.Context) ([]string, error) {
	ids, err := s.ids(ctx, `SELECT id FROM destinations ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list destination ids: %w", err)
	}
	return ids, nil
}

// ids returns the first column of a query's rows.
func (s *Store) ids(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
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
