package mappings

import (
	"context"
	"fmt"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// SQLStore is the Store on the hub's database (PostgreSQL or SQLite). Each
// version is one row holding the bundled mapping file, so what is read back
// is exactly what was checked before it was accepted.
type SQLStore struct {
	db *sqlstore.DB
}

var _ Store = (*SQLStore)(nil)

// NewSQLStore returns a Store on db; the tenant_mappings table comes with
// the hub's migrations.
func NewSQLStore(db *sqlstore.DB) *SQLStore { return &SQLStore{db: db} }

// KindVersionExists is the hub.Error kind of an upload of a version that
// is already stored: versions are immutable.
const KindVersionExists = "mapping_version_exists"

// CreateMapping stores a new version of a tenant's mapping. It returns a
// hub.ECONFLICT error if that version exists, and hub.EINVALID if the
// definition is invalid or the tenant unknown. It does not compile the
// mapping: callers run Check first.
func (s *SQLStore) CreateMapping(ctx context.Context, tenantID string, def *Definition) error {
	if err := def.Validate(); err != nil {
		return &hub.Error{Code: hub.EINVALID, Message: err.Error(), Err: err}
	}
	bundle, err := def.Bundle()
	if err != nil {
		return fmt.Errorf("create mapping %s@v%d: %w", def.Name, def.Version, err)
	}
	// A row that cannot be read back would break every destination using it.
	if _, err := Parse(bundle, nil, "."); err != nil {
		return &hub.Error{Code: hub.EINVALID, Message: "The mapping does not survive bundling: " + err.Error(), Err: err}
	}
	err = s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO tenant_mappings (tenant_id, name, version, format, description, bundle, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			tenantID, def.Name, def.Version, string(def.Format), def.Description, string(bundle), s.db.Now())
		if err != nil {
			return fmt.Errorf("insert mapping: %w", err)
		}
		return nil
	})
	if hub.IsCode(err, hub.ECONFLICT) {
		return &hub.Error{Code: hub.ECONFLICT, Kind: KindVersionExists, Field: "version", Err: err,
			Message: fmt.Sprintf("Mapping %q version %d exists; versions are immutable, upload a new version.", def.Name, def.Version)}
	}
	if err != nil {
		return fmt.Errorf("create mapping %s@v%d: %w", def.Name, def.Version, err)
	}
	return nil
}

// FindMapping returns one version of a tenant's mapping, or a hub.ENOTFOUND
// error; other tenants' mappings are not found.
func (s *SQLStore) FindMapping(ctx context.Context, tenantID, name string, version int) (*Definition, error) {
	var bundle string
	err := s.db.QueryRowContext(ctx, `
		SELECT bundle FROM tenant_mappings WHERE tenant_id = $1 AND name = $2 AND version = $3`,
		tenantID, name, version).Scan(&bundle)
	if sqlstore.ErrNoRows(err) {
		return nil, notFound(name, version)
	}
	if err != nil {
		return nil, fmt.Errorf("find mapping %s@v%d: %w", name, version, err)
	}
	return parseStored(name, version, bundle)
}

// ListMappings returns every version of every mapping of a tenant, sorted
// by name and version.
func (s *SQLStore) ListMappings(ctx context.Context, tenantID string) ([]*Definition, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT name, version, bundle FROM tenant_mappings WHERE tenant_id = $1 ORDER BY name, version`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list mappings: %w", err)
	}
	defer rows.Close()
	var defs []*Definition
	for rows.Next() {
		var name, bundle string
		var version int
		if err := rows.Scan(&name, &version, &bundle); err != nil {
			return nil, fmt.Errorf("list mappings: scan: %w", err)
		}
		def, err := parseStored(name, version, bundle)
		if err != nil {
			return nil, err
		}
		defs = append(defs, def)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list mappings: %w", err)
	}
	return defs, nil
}

// parseStored reads a stored bundle back; a row that does not parse is a
// fault of ours, not of the caller.
func parseStored(name string, version int, bundle string) (*Definition, error) {
	def, err := Parse([]byte(bundle), nil, ".")
	if err != nil {
		return nil, fmt.Errorf("stored mapping %s@v%d: %w", name, version, err)
	}
	if def.Name != name || def.Version != version {
		return nil, fmt.Errorf("stored mapping %s@v%d: bundle declares %s@v%d", name, version, def.Name, def.Version)
	}
	return def, nil
}
