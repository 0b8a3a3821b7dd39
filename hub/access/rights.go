// Package access says who may do what in the AdminCenter: the roles, the
// rights each role carries, the grants of roles to staff (per
// organisational unit, per tenant, or platform-wide) and the one policy
// function, Allowed, that pages, the admin API and the CLI all ask.
//
// The package owns the table staff_grants.
package access

import "slices"

// Right is one thing a staff person may do. Rights are what the code
// checks; roles only bundle them.
type Right string

// The rights. Their names double as the admin API's OAuth scopes
// ("admin:" + right).
const (
	TenantsManage     Right = "tenants.manage"     // create tenants (platform operators)
	UnitsManage       Right = "units.manage"       // organisational units
	StaffManage       Right = "staff.manage"       // invite and remove staff, grant roles
	CatalogueEdit     Right = "catalogue.edit"     // services' texts, responsibilities, destinations
	FormsDesign       Right = "forms.design"       // forms
	ProcessesDesign   Right = "processes.design"   // process models
	CasesWork         Right = "cases.work"         // work on cases and tasks
	ClientsManage     Right = "clients.manage"     // vendors' OAuth clients and their mappings
	DeadLettersManage Right = "deadletters.manage" // inspect, replay, discard dead letters
	AuditRead         Right = "audit.read"         // read and export the audit log
)

// Rights lists every right.
var Rights = []Right{TenantsManage, UnitsManage, StaffManage, CatalogueEdit, FormsDesign, ProcessesDesign,
	CasesWork, ClientsManage, DeadLettersManage, AuditRead}

// Role is a named bundle of rights that can be granted.
type Role string

// The roles.
const (
	PlatformOperator Role = "platform-operator"
	TenantAdmin      Role = "tenant-admin"
	CatalogueEditor  Role = "catalogue-editor"
	FormDesigner     Role = "form-designer"
	ProcessDesigner  Role = "process-designer"
	CaseWorker       Role = "case-worker"
	ClientManager    Role = "client-manager"
	Auditor          Role = "auditor"
)

// Roles lists every role, the broadest first.
var Roles = []Role{PlatformOperator, TenantAdmin, CatalogueEditor, FormDesigner, ProcessDesigner, CaseWorker, ClientManager, Auditor}

// roleRights is the one table of which role carries which right. A tenant
// admin runs the tenant's organisation and integrations but neither works
// on cases nor designs forms: those stay with the roles made for them.
var roleRights = map[Role][]Right{
	PlatformOperator: Rights,
	TenantAdmin:      {UnitsManage, StaffManage, CatalogueEdit, ClientsManage, DeadLettersManage, AuditRead},
	CatalogueEditor:  {CatalogueEdit},
	FormDesigner:     {FormsDesign},
	ProcessDesigner:  {ProcessesDesign},
	CaseWorker:       {CasesWork},
	ClientManager:    {ClientsManage},
	Auditor:          {AuditRead},
}

// Level says where a role can be granted.
type Level int

// The levels of a grant.
const (
	LevelUnit     Level = iota // an organisational unit and the units below it, or a whole tenant
	LevelTenant                // a whole tenant only
	LevelPlatform              // every tenant
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Rights returns the rights role r carries.
func (r Role) Rights() []Right { return roleRights[r] }

// Has reports whether role r carries right.
func (r Role) Has(right Right) bool { return slices.Contains(roleRights[r], right) }

// Level returns where r can be granted.
func (r Role) Level() Level {
	switch r {
	case PlatformOperator:
		return LevelPlatform
	case TenantAdmin:
		return LevelTenant
	}
	return LevelUnit
}

// Label is the role's German name, for pages.
func (r Role) Label() string {
	return map[Role]string{
		PlatformOperator: "Plattformbetrieb",
		TenantAdmin:      "Mandanten-Administration",
		CatalogueEditor:  "Katalogredaktion",
		FormDesigner:     "Formulargestaltung",
		ProcessDesigner:  "Prozessgestaltung",
		CaseWorker:       "Sachbearbeitung",
		ClientManager:    "Verwaltung der Anbieter-Clients",
		Auditor:          "Revision",
	}[r]
}

// Valid reports whether r is a known right.
func (r Right) Valid() bool { return slices.Contains(Rights, r) }

// Scope is the admin API's OAuth scope for right r.
func (r Right) Scope() string { return "admin:" + string(r) }
