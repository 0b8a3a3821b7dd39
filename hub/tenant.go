package hub

import (
	"context"
	"regexp"
	"time"
)

// TenantKind says what kind of authority a tenant is; tenants form a
// hierarchy (a state above its districts and chambers, a district above
// its municipalities).
type TenantKind string

// The kinds of tenant.
const (
	TenantState        TenantKind = "state"        // Land
	TenantDistrict     TenantKind = "district"     // Landkreis, kreisfreie Stadt
	TenantMunicipality TenantKind = "municipality" // Gemeinde, Stadt
	TenantChamber      TenantKind = "chamber"      // Kammer
)

// TenantKinds lists every kind, from the top of the hierarchy down.
var TenantKinds = []TenantKind{TenantState, TenantDistrict, TenantMunicipality, TenantChamber}

// ParentKinds returns the kinds a tenant of kind k may sit under; none for
// a state, which is a root.
func (k TenantKind) ParentKinds() []TenantKind {
	switch k {
	case TenantDistrict, TenantChamber:
		return []TenantKind{TenantState}
	case TenantMunicipality:
		return []TenantKind{TenantState, TenantDistrict}
	}
	return nil
}

// Valid reports whether k is one of the kinds.
func (k TenantKind) Valid() bool {
	for _, v := range TenantKinds {
		if k == v {
			return true
		}
	}
	return false
}

// Tenant is the operator of one portal instance (a state or a municipality).
// Every stored object belongs to exactly one tenant.
type Tenant struct {
	ID   string
	Slug string // short, URL-safe name, unique
	Name string
	// Kind is the kind of authority; a tenant created without one is a
	// state.
	Kind TenantKind
	// ParentID is the tenant above this one; empty for a state.
	ParentID  string
	CreatedAt time.Time
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// Validate checks the tenant's own fields; whether its parent exists and
// has a fitting kind is the store's check.
func (t *Tenant) Validate() error {
	if !slugPattern.MatchString(t.Slug) {
		return FieldError("slug", "must be 1–63 lower-case letters, digits or dashes")
	}
	if t.Name == "" || len(t.Name) > 200 {
		return FieldError("name", "must be 1–200 characters")
	}
	if !t.Kind.Valid() {
		return FieldError("kind", "must be one of state, district, municipality, chamber")
	}
	if t.Kind == TenantState && t.ParentID != "" {
		return FieldError("parent", "a state has no parent")
	}
	if t.Kind != TenantState && t.ParentID == "" {
		return FieldError("parent", "a %s needs a parent tenant", t.Kind)
	}
	return nil
}

// TenantService manages tenants.
type TenantService interface {
	CreateTenant(ctx context.Context, t *Tenant) error
	FindTenantByID(ctx context.Context, id string) (*Tenant, error)
	FindTenantBySlug(ctx context.Context, slug string) (*Tenant, error)
	ListTenants(ctx context.Context) ([]*Tenant, error)
}
