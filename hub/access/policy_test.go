package access_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/amthub/amthub/hub/access"
)

// The tree of organisational units of tenant "t1" in these tests:
//
//	amt (root)
//	├── ordnung
//	│   └── gewerbe
//	└── bauamt
//
// and tenant "t2" with its own unit "fremd".
var (
	pathGewerbe = []string{"gewerbe", "ordnung", "amt"}
	pathOrdnung = []string{"ordnung", "amt"}
	pathBauamt  = []string{"bauamt", "amt"}
)

// TestAllowedTable checks every right × role against the place of the
// grant: the granted unit itself, a unit below it (inherited), a unit
// beside it (not inherited), the unit above it, the tenant as a whole, and
// the same unit name in another tenant.
func TestAllowedTable(t *testing.T) {
	type place struct {
		name string
		res  access.Resource
		// want says whether a role granted on "ordnung" of t1 (tenant-wide
		// for a tenant admin, platform-wide for an operator) reaches it,
		// given that the role carries the right.
		unitGrant, tenantGrant, platformGrant bool
	}
	places := []place{
		{"granted unit", access.Resource{TenantID: "t1", UnitPath: pathOrdnung}, true, true, true},
		{"unit below (inherited)", access.Resource{TenantID: "t1", UnitPath: pathGewerbe}, true, true, true},
		{"unit beside", access.Resource{TenantID: "t1", UnitPath: pathBauamt}, false, true, true},
		{"unit above", access.Resource{TenantID: "t1", UnitPath: []string{"amt"}}, false, true, true},
		{"tenant as a whole", access.Resource{TenantID: "t1"}, false, true, true},
		{"anywhere in the tenant", access.Resource{TenantID: "t1", AnyUnit: true}, true, true, true},
		{"other tenant, same unit id", access.Resource{TenantID: "t2", UnitPath: pathOrdnung}, false, false, true},
		{"other tenant as a whole", access.Resource{TenantID: "t2", AnyUnit: true}, false, false, true},
		{"the platform", access.Resource{}, false, false, true},
	}
	for _, role := range access.Roles {
		g := access.Grant{PersonID: "p", Role: role, TenantID: "t1", UnitID: "ordnung"}
		switch role.Level() {
		case access.LevelPlatform:
			g.TenantID, g.UnitID = "", ""
		case access.LevelTenant:
			g.UnitID = ""
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("grant %+v: %v", g, err)
		}
		for _, right := range access.Rights {
			for _, p := range places {
				t.Run(fmt.Sprintf("%s/%s/%s", role, right, p.name), func(t *testing.T) {
					want := role.Has(right)
					switch role.Level() {
					case access.LevelUnit:
						want = want && p.unitGrant
					case access.LevelTenant:
						want = want && p.tenantGrant
					case access.LevelPlatform:
						want = want && p.platformGrant
					}
					if got := access.Allowed([]access.Grant{g}, right, p.res); got != want {
						t.Errorf("Allowed(%s on %v, %s, %+v) = %v, want %v", role, g.UnitID, right, p.res, got, want)
					}
				})
			}
		}
	}
}

// TestRoleRights pins which role carries which right.
func TestRoleRights(t *testing.T) {
	want := map[access.Role][]access.Right{
		access.PlatformOperator: access.Rights,
		access.TenantAdmin: {access.UnitsManage, access.StaffManage, access.CatalogueEdit, access.ClientsManage,
			access.DeadLettersManage, access.AuditRead},
		access.CatalogueEditor: {access.CatalogueEdit},
		access.FormDesigner:    {access.FormsDesign},
		access.ProcessDesigner: {access.ProcessesDesign},
		access.CaseWorker:      {access.CasesWork},
		access.ClientManager:   {access.ClientsManage},
		access.Auditor:         {access.AuditRead},
	}
	for _, role := range access.Roles {
		for _, right := range access.Rights {
			if got, w := role.Has(right), slices.Contains(want[role], right); got != w {
				t.Errorf("%s has %s = %v, want %v", role, right, got, w)
			}
		}
		if role.Label() == "" {
			t.Errorf("%s has no German label", role)
		}
	}
	if access.Allowed(nil, access.AuditRead, access.Resource{TenantID: "t1", AnyUnit: true}) {
		t.Error("no grants allowed something")
	}
}

func TestTenants(t *testing.T) {
	grants := []access.Grant{
		{Role: access.CatalogueEditor, TenantID: "t1", UnitID: "a"},
		{Role: access.CatalogueEditor, TenantID: "t1", UnitID: "b"},
		{Role: access.TenantAdmin, TenantID: "t2"},
		{Role: access.Auditor, TenantID: "t3"},
	}
	all, ts := access.Tenants(grants, access.CatalogueEdit)
	if all || !slices.Equal(ts, []string{"t1", "t2"}) {
		t.Errorf("Tenants(catalogue.edit) = %v, %v; want false, [t1 t2]", all, ts)
	}
	all, _ = access.Tenants(append(grants, access.Grant{Role: access.PlatformOperator}), access.CasesWork)
	if !all {
		t.Error("a platform operator does not reach every tenant")
	}
}

func TestGrantValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		g    access.Grant
		ok   bool
	}{
		{"OK unit", access.Grant{Role: access.CaseWorker, TenantID: "t", UnitID: "u"}, true},
		{"OK tenant-wide", access.Grant{Role: access.Auditor, TenantID: "t"}, true},
		{"OK operator", access.Grant{Role: access.PlatformOperator}, true},
		{"ErrUnknownRole", access.Grant{Role: "king", TenantID: "t"}, false},
		{"ErrOperatorInTenant", access.Grant{Role: access.PlatformOperator, TenantID: "t"}, false},
		{"ErrNoTenant", access.Grant{Role: access.CaseWorker}, false},
		{"ErrTenantAdminOnUnit", access.Grant{Role: access.TenantAdmin, TenantID: "t", UnitID: "u"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.g.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
