package sqlstore_test

import (
	"context"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
)

// TestTenantHierarchy places tenants under one another on both databases:
// a kind fits only under the kinds it may sit under.
func TestTenantHierarchy(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			s := sqlstore.NewTenantService(d.Open(t))
			state := &hub.Tenant{Slug: hubtest.Unique("sn"), Name: "Freistaat Sachsen"}
			if err := s.CreateTenant(ctx, state); err != nil {
				t.Fatal(err)
			}
			if state.Kind != hub.TenantState {
				t.Errorf("a tenant without a kind is a %q, want state", state.Kind)
			}
			district := &hub.Tenant{Slug: hubtest.Unique("ll"), Name: "Landkreis Leipzig", Kind: hub.TenantDistrict, ParentID: state.ID}
			if err := s.CreateTenant(ctx, district); err != nil {
				t.Fatal(err)
			}
			got, err := s.FindTenantByID(ctx, district.ID)
			if err != nil || got.ParentID != state.ID || got.Kind != hub.TenantDistrict {
				t.Fatalf("FindTenantByID = %+v, %v", got, err)
			}
			for _, tc := range []struct {
				name string
				t    hub.Tenant
			}{
				{"ErrDistrictWithoutParent", hub.Tenant{Kind: hub.TenantDistrict}},
				{"ErrStateWithParent", hub.Tenant{Kind: hub.TenantState, ParentID: state.ID}},
				{"ErrDistrictUnderDistrict", hub.Tenant{Kind: hub.TenantDistrict, ParentID: district.ID}},
				{"ErrUnknownParent", hub.Tenant{Kind: hub.TenantMunicipality, ParentID: hub.NewID()}},
				{"ErrUnknownKind", hub.Tenant{Kind: "empire"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					tc.t.Slug, tc.t.Name = hubtest.Unique("x"), "X"
					err := s.CreateTenant(ctx, &tc.t)
					if !hub.IsCode(err, hub.EINVALID) {
						t.Fatalf("CreateTenant = %v, want invalid", err)
					}
					if _, err := s.FindTenantBySlug(ctx, tc.t.Slug); !hub.IsCode(err, hub.ENOTFOUND) {
						t.Errorf("a refused tenant was stored: %v", err)
					}
				})
			}
			town := &hub.Tenant{Slug: hubtest.Unique("gr"), Name: "Grimma", Kind: hub.TenantMunicipality, ParentID: district.ID}
			if err := s.CreateTenant(ctx, town); err != nil {
				t.Fatal(err)
			}
		})
	}
}
