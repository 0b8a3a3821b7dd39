package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/audit"
	"github.com/amthub/amthub/hub/mail"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/hub/staff"
)

func asHubError(err error) *hub.Error {
	var he *hub.Error
	if errors.As(err, &he) {
		return he
	}
	return nil
}

// Person is a staff account with its grants.
type Person struct {
	*staff.Account
	Grants []access.Grant `json:"grants"`
}

// staffResource is where a person belongs, for the policy: their home
// tenant as a whole; platform staff belong to the platform.
func staffResource(a *staff.Account) access.Resource { return access.Resource{TenantID: a.TenantID} }

// ListStaff returns the staff of a tenant (staff.manage there).
func (s *Service) ListStaff(ctx context.Context, a *Actor, tenantID string) ([]*Person, error) {
	if _, err := s.Tenant(ctx, a, tenantID); err != nil {
		return nil, err
	}
	if !a.May(access.StaffManage, access.Resource{TenantID: tenantID}) {
		return nil, forbidden()
	}
	accts, err := s.Staff.List(ctx, false, []string{tenantID})
	if err != nil {
		return nil, err
	}
	out := make([]*Person, 0, len(accts))
	for _, acct := range accts {
		gs, err := s.Grants.Of(ctx, acct.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, &Person{Account: acct, Grants: gs})
	}
	return out, nil
}

// Person returns a staff person the actor may manage; any other is not
// found (or forbidden, in a tenant the actor works in).
func (s *Service) Person(ctx context.Context, a *Actor, id string) (*Person, error) {
	acct, err := s.Staff.Get(ctx, id)
	if err != nil || acct.Status == staff.Removed || !a.sees(acct.TenantID) || acct.TenantID == "" && !a.Operator() {
		return nil, notFound("Person")
	}
	if !a.May(access.StaffManage, staffResource(acct)) && !a.Operator() {
		return nil, forbidden()
	}
	gs, err := s.Grants.Of(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Person{Account: acct, Grants: gs}, nil
}

// Invitation is an invited person and the link of the invitation (shown
// to the CLI; pages and API only mail it).
type Invitation struct {
	Person *staff.Account
	Link   string
}

// InviteStaff makes an invited account in a tenant and mails the link.
func (s *Service) InviteStaff(ctx context.Context, a *Actor, tenantID, email, name string) (*Invitation, error) {
	if _, err := s.Tenant(ctx, a, tenantID); err != nil {
		return nil, err
	}
	if !a.May(access.StaffManage, access.Resource{TenantID: tenantID}) {
		return nil, forbidden()
	}
	var inv Invitation
	err := s.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		acct, token, err := s.Staff.Invite(ctx, tx, tenantID, email, name)
		if err != nil {
			return err
		}
		inv = Invitation{Person: acct, Link: s.InviteURL(token)}
		return s.record(ctx, tx, a, tenantID, "staff.invited", "staff", acct.ID, nil, acct)
	})
	if err != nil {
		return nil, err
	}
	err = s.Mail.Send(ctx, mail.Message{To: inv.Person.Email, Subject: "Einladung in das AdminCenter",
		Body: "Guten Tag " + inv.Person.DisplayName + ",\n\nSie wurden in das AdminCenter eingeladen. Über diesen Link legen Sie Ihr Passwort und Ihren zweiten Faktor fest (gültig 7 Tage):\n\n" +
			inv.Link + "\n\nWenn Sie diese E-Mail nicht erwartet haben, ignorieren Sie sie bitte.\n"})
	if err != nil {
		// The account stands; the invitation can be sent again by
		// removing and inviting the person anew.
		return &inv, &hub.Error{Code: hub.EUNAVAILABLE, Kind: "mail_failed", Message: "Die Einladung wurde angelegt, die E-Mail konnte aber nicht versandt werden.", Err: err}
	}
	return &inv, nil
}

// RemoveStaff removes a person: their grants go, their sessions end at
// once, the account stays for the audit log.
func (s *Service) RemoveStaff(ctx context.Context, a *Actor, id string) error {
	p, err := s.Person(ctx, a, id)
	if err != nil {
		return err
	}
	if p.ID == a.ID {
		return &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "remove_self", Message: "Sie können sich nicht selbst entfernen."}
	}
	return s.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := s.Grants.RemovePerson(ctx, tx, id); err != nil {
			return err
		}
		if _, err := s.Staff.Remove(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p.TenantID, "staff.removed", "staff", id, p, nil)
	})
}

// AddGrant grants a person a role in their tenant (for the whole tenant,
// or an organisational unit and the units below it). The person's
// sessions end: they log in again with their new rights.
func (s *Service) AddGrant(ctx context.Context, a *Actor, personID string, g access.Grant) (*access.Grant, error) {
	p, err := s.Person(ctx, a, personID)
	if err != nil {
		return nil, err
	}
	g.PersonID, g.TenantID = p.ID, p.TenantID
	if g.Role == access.PlatformOperator {
		g.TenantID, g.UnitID = "", ""
		if !a.Operator() || p.TenantID != "" {
			return nil, hub.FieldError("role", "Diese Rolle kann nur Personen des Plattformbetriebs gegeben werden.")
		}
	}
	if err := g.Validate(); err != nil {
		return nil, hub.FieldError(germanGrantField(err), "Diese Rolle kann hier nicht vergeben werden.")
	}
	path, err := s.unitPath(ctx, g.TenantID, g.UnitID)
	if err != nil {
		return nil, err
	}
	if g.TenantID != "" && !a.May(access.StaffManage, access.Resource{TenantID: g.TenantID, UnitPath: path}) {
		return nil, forbidden()
	}
	err = s.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := s.Grants.Add(ctx, tx, &g); err != nil {
			if hub.IsCode(err, hub.ECONFLICT) {
				return &hub.Error{Code: hub.ECONFLICT, Field: "role", Message: "Diese Rolle hat die Person dort schon.", Err: err}
			}
			return err
		}
		if err := s.Staff.EndSessions(ctx, tx, p.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p.TenantID, "grant.added", "grant", g.ID, nil, g)
	})
	if err != nil {
		return nil, err
	}
	return &g, nil
}

func germanGrantField(err error) string {
	if he := asHubError(err); he != nil && he.Field != "" {
		return he.Field
	}
	return "role"
}

// RemoveGrant withdraws a grant; the person's sessions end.
func (s *Service) RemoveGrant(ctx context.Context, a *Actor, personID, grantID string) error {
	p, err := s.Person(ctx, a, personID)
	if err != nil {
		return err
	}
	var g *access.Grant
	for i := range p.Grants {
		if p.Grants[i].ID == grantID {
			g = &p.Grants[i]
		}
	}
	if g == nil {
		return notFound("Rolle")
	}
	if g.Role == access.PlatformOperator && !a.Operator() {
		return forbidden()
	}
	if g.TenantID != "" {
		path, err := s.unitPath(ctx, g.TenantID, g.UnitID)
		if err != nil && !hub.IsCode(err, hub.EINVALID) { // a deleted unit's grant can still go
			return err
		}
		if !a.May(access.StaffManage, access.Resource{TenantID: g.TenantID, UnitPath: path}) {
			return forbidden()
		}
	}
	return s.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		if _, err := s.Grants.Remove(ctx, tx, personID, grantID); err != nil {
			return err
		}
		if err := s.Staff.EndSessions(ctx, tx, personID); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p.TenantID, "grant.removed", "grant", grantID, g, nil)
	})
}

// AuditQuery filters the audit log as the pages and the API take it.
type AuditQuery struct {
	TenantID, ActorID, Action, ResourceKind, ResourceID string
	From, To                                            time.Time
	Limit                                               int
}

// ListAudit returns the entries the actor may read: of the tenants where
// they hold audit.read (every entry for an operator).
func (s *Service) ListAudit(ctx context.Context, a *Actor, q AuditQuery) ([]audit.Entry, error) {
	all, tenants := access.Tenants(a.Grants, access.AuditRead)
	if !all && len(tenants) == 0 {
		return nil, forbidden()
	}
	f := audit.Filter{AllTenants: all, Tenants: tenants, ActorID: q.ActorID, Action: q.Action,
		ResourceKind: q.ResourceKind, ResourceID: q.ResourceID, From: q.From, To: q.To, Limit: q.Limit}
	if q.TenantID != "" {
		if !all && !slices.Contains(tenants, q.TenantID) {
			return nil, notFound("Mandant")
		}
		f.AllTenants, f.Tenants = false, []string{q.TenantID}
	}
	entries, err := s.Audit.List(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return entries, nil
}
