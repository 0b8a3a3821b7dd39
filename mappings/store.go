package mappings

import "context"

// Store keeps the mappings tenants upload through the admin API. Versions
// are immutable: an upload adds a version, and old versions stay
// addressable so that destinations pinned to them keep working. An upload
// must pass Check before CreateMapping is called. Built-in mapping names
// are reserved: the Engine looks them up before the Store.
//
// This package defines the contract only; the storage layer implements it.
type Store interface {
	// FindMapping returns one version of a tenant's mapping, or a
	// hub.ENOTFOUND error.
	FindMapping(ctx context.Context, tenantID, name string, version int) (*Definition, error)
	// CreateMapping stores a new version; hub.ECONFLICT if it exists.
	CreateMapping(ctx context.Context, tenantID string, def *Definition) error
	// ListMappings returns every version of every mapping of a tenant.
	ListMappings(ctx context.Context, tenantID string) ([]*Definition, error)
}
