package access

import "slices"

// Grant gives a staff person a role: platform-wide (platform operator),
// for a whole tenant (UnitID empty), or for an organisational unit and
// every unit below it.
type Grant struct {
	ID       string
	PersonID string
	Role     Role
	TenantID string // empty for a platform-wide grant
	UnitID   string // empty for the whole tenant
}

// Resource is what an action touches: a tenant's object, placed in the
// tenant's tree of organisational units.
type Resource struct {
	// TenantID is the tenant the resource belongs to; empty for what
	// belongs to the platform (the list of tenants).
	TenantID string
	// UnitPath is the resource's organisational unit followed by the units
	// above it, up to the root; empty for what belongs to the tenant as a
	// whole (its staff, its audit log).
	UnitPath []string
	// AnyUnit asks whether the right is held anywhere in the tenant: for
	// pages and lists that then show only what the person may see.
	AnyUnit bool
}

// Allowed is the policy: it reports whether a person holding grants may
// use right on res. A platform operator may do everything; any other grant
// counts only in its own tenant, for the whole tenant or, inherited down
// the tree, for its unit and the units below. Nothing of another tenant
// is ever allowed, and nothing that belongs to the platform.
func Allowed(grants []Grant, right Right, res Resource) bool {
	for _, g := range grants {
		if !g.Role.Has(right) {
			continue
		}
		if g.Role == PlatformOperator {
			return true
		}
		if res.TenantID == "" || g.TenantID != res.TenantID {
			continue
		}
		if g.UnitID == "" || res.AnyUnit || slices.Contains(res.UnitPath, g.UnitID) {
			return true
		}
	}
	return false
}

// Tenants returns the tenants in which grants give right somewhere, and
// whether they give it on every tenant (a platform operator).
func Tenants(grants []Grant, right Right) (all bool, tenants []string) {
	for _, g := range grants {
		if !g.Role.Has(right) {
			continue
		}
		if g.Role == PlatformOperator {
			return true, nil
		}
		if !slices.Contains(tenants, g.TenantID) {
			tenants = append(tenants, g.TenantID)
		}
	}
	return false, tenants
}
