package hub

import (
	"context"
	"regexp"
	"time"
)

// Tenant is the operator of one portal instance (a state or a municipality).
// Every stored object belongs to exactly one tenant.
type Tenant struct {
	ID        string
	Slug      string // short, URL-safe name, unique
	Name      string
	CreatedAt time.Time
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// Validate checks the tenant's fields.
func (t *Tenant) Validate() error {
	if !slugPattern.MatchString(t.Slug) {
		return FieldError("slug", "must be 1–63 lower-case letters, digits or dashes")
	}
	if t.Name == "" || len(t.Name) > 200 {
		return FieldError("name", "must be 1–200 characters")
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
