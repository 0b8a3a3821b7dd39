package admin

import (
	"context"
	"slices"
	"strings"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/audit"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/mail"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/hub/staff"
)

// Actor is who acts: a logged-in staff person, or the command line.
type Actor struct {
	ID, Name string
	TenantID string // the person's home tenant; empty for platform staff
	Grants   []access.Grant
}

// CLI is the actor of `amthub` commands run on the server: the local
// operator, with a platform operator's rights.
func CLI() *Actor {
	return &Actor{ID: "cli", Name: "Kommandozeile", Grants: []access.Grant{{Role: access.PlatformOperator}}}
}

// May asks the policy whether the actor may use right on res.
func (a *Actor) May(right access.Right, res access.Resource) bool {
	return access.Allowed(a.Grants, right, res)
}

// Operator reports whether the actor is a platform operator.
func (a *Actor) Operator() bool { return a.May(access.TenantsManage, access.Resource{}) }

// sees reports whether the actor holds any grant in tenant (or is an
// operator): what decides between 403 and 404.
func (a *Actor) sees(tenantID string) bool {
	if a.Operator() {
		return true
	}
	return slices.ContainsFunc(a.Grants, func(g access.Grant) bool { return g.TenantID == tenantID })
}

// Units is what the AdminCenter needs of the catalogue's organisational
// units (catalogue.Editor).
type Units interface {
	Units(ctx context.Context, tenantID string) ([]catalogue.OrgUnit, error)
	CreateUnit(ctx context.Context, tenantID string, u catalogue.OrgUnit) (catalogue.Change[catalogue.OrgUnit], error)
}

// Service holds the AdminCenter's operations: pages, the /admin/v1 API and
// the CLI all call them. Each checks the policy (access.Allowed) and
// records an audit entry in the transaction of its change.
type Service struct {
	DB      *sqlstore.DB
	Tenants *sqlstore.TenantService
	Staff   *staff.Store
	Grants  *access.Store
	Audit   *audit.Store
	Units   Units
	// Catalogue edits responsibilities (and records each change's audit
	// entry in its transaction, see editor).
	Catalogue *catalogue.Editor
	// DeadLetters reads, replays and discards destinations' dead letters.
	DeadLetters DeadLetters
	// StateTexts gives the state's texts of services (the portal's), for
	// the regional texts' comparison; nil: compared with empty texts.
	StateTexts StateTexts
	// Records gives a tenant's record of processing activities (GDPR
	// Art. 30); nil: the page answers not found.
	Records Records
	// Clients manages vendors' OAuth clients.
	Clients Clients
	Mail    mail.Sender
	// InviteURL turns an invitation token into the link mailed.
	InviteURL func(token string) string
}

func forbidden() error {
	return &hub.Error{Code: hub.EFORBIDDEN, Kind: "forbidden", Message: "Dafür fehlt Ihnen die Berechtigung."}
}

func notFound(what string) error {
	return &hub.Error{Code: hub.ENOTFOUND, Message: what + " nicht gefunden."}
}

func (s *Service) record(ctx context.Context, tx *sqlstore.Tx, a *Actor, tenantID, action, kind, id string, before, after any) error {
	return audit.Record(ctx, tx, audit.Entry{TenantID: tenantID, ActorID: a.ID, ActorName: a.Name, Action: action,
		ResourceKind: kind, ResourceID: id, Before: before, After: after})
}

// ListTenants returns the tenants the actor works in (every tenant for an
// operator).
func (s *Service) ListTenants(ctx context.Context, a *Actor) ([]*hub.Tenant, error) {
	all, err := s.Tenants.ListTenants(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(t *hub.Tenant) bool { return !a.sees(t.ID) }), nil
}

// Tenant returns a tenant the actor works in; any other is not found.
func (s *Service) Tenant(ctx context.Context, a *Actor, id string) (*hub.Tenant, error) {
	if !a.sees(id) {
		return nil, notFound("Mandant")
	}
	t, err := s.Tenants.FindTenantByID(ctx, id)
	if hub.IsCode(err, hub.ENOTFOUND) {
		return nil, notFound("Mandant")
	}
	return t, err
}

// CreateTenant adds a tenant (platform operators only).
func (s *Service) CreateTenant(ctx context.Context, a *Actor, t *hub.Tenant) error {
	if !a.May(access.TenantsManage, access.Resource{}) {
		return forbidden()
	}
	return s.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := s.Tenants.CreateTenantTx(ctx, tx, t); err != nil {
			return germanTenantError(err)
		}
		return s.record(ctx, tx, a, t.ID, "tenant.created", "tenant", t.ID, nil, t)
	})
}

func germanTenantError(err error) error {
	he := asHubError(err)
	if he == nil || he.Field == "" {
		return err
	}
	msg := map[string]string{
		"slug":   "Bitte geben Sie ein Kürzel aus 1–63 Kleinbuchstaben, Ziffern oder Bindestrichen an.",
		"name":   "Bitte geben Sie einen Namen mit 1–200 Zeichen an.",
		"kind":   "Bitte wählen Sie die Art des Mandanten.",
		"parent": "Dieser übergeordnete Mandant passt nicht zur Art (Land: keiner; Landkreis und Kammer: ein Land; Gemeinde: ein Land oder Landkreis).",
	}[he.Field]
	if he.Code == hub.ECONFLICT {
		msg = "Dieses Kürzel ist schon vergeben."
	}
	if msg == "" {
		return err
	}
	return &hub.Error{Code: he.Code, Kind: he.Kind, Field: he.Field, Message: msg, Err: err}
}

// UnitNode is an organisational unit with its depth in the tree.
type UnitNode struct {
	catalogue.OrgUnit
	Depth int
}

// ListUnits returns a tenant's organisational units as a tree, depth
// first.
func (s *Service) ListUnits(ctx context.Context, a *Actor, tenantID string) ([]UnitNode, error) {
	if _, err := s.Tenant(ctx, a, tenantID); err != nil {
		return nil, err
	}
	units, err := s.Units.Units(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	children := map[string][]catalogue.OrgUnit{}
	known := map[string]bool{}
	for _, u := range units {
		known[u.ID] = true
	}
	for _, u := range units {
		p := u.ParentID
		if !known[p] {
			p = ""
		}
		children[p] = append(children[p], u)
	}
	var out []UnitNode
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		kids := children[parent]
		slices.SortFunc(kids, func(x, y catalogue.OrgUnit) int { return strings.Compare(x.Name, y.Name) })
		for _, u := range kids {
			out = append(out, UnitNode{OrgUnit: u, Depth: depth})
			if depth < 20 {
				walk(u.ID, depth+1)
			}
		}
	}
	walk("", 0)
	return out, nil
}

// unitPath returns unit id and the units above it.
func (s *Service) unitPath(ctx context.Context, tenantID, unitID string) ([]string, error) {
	if unitID == "" {
		return nil, nil
	}
	units, err := s.Units.Units(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	parent := map[string]string{}
	for _, u := range units {
		parent[u.ID] = u.ParentID
	}
	if _, ok := parent[unitID]; !ok {
		return nil, hub.FieldError("unit", "Diese Organisationseinheit gibt es nicht.")
	}
	var path []string
	for id := unitID; id != "" && len(path) < 50 && !slices.Contains(path, id); id = parent[id] {
		path = append(path, id)
	}
	return path, nil
}

// CreateUnit adds an organisational unit to a tenant's tree; its audit
// entry is written in the unit's transaction (through the catalogue
// Editor's hook).
func (s *Service) CreateUnit(ctx context.Context, a *Actor, tenantID string, u catalogue.OrgUnit) (*catalogue.OrgUnit, error) {
	if _, err := s.Tenant(ctx, a, tenantID); err != nil {
		return nil, err
	}
	path, err := s.parentPath(ctx, tenantID, u.ParentID)
	if err != nil {
		return nil, err
	}
	if !a.May(access.UnitsManage, access.Resource{TenantID: tenantID, UnitPath: path}) {
		return nil, forbidden()
	}
	ch, err := s.editor(a, tenantID).CreateUnit(ctx, tenantID, u)
	if err != nil {
		return nil, err
	}
	return ch.After, nil
}
