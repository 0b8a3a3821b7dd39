package admin

import (
	"context"
	"fmt"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/sqlstore"
)

// DeadLetters is what the AdminCenter needs of the pipeline's dead-letter
// operations (pipeline.DeadLetters), which check the tenant themselves.
type DeadLetters interface {
	List(ctx context.Context, tenantID, destinationID string) ([]bus.DeadLetter, error)
	Inspect(ctx context.Context, tenantID, destinationID, messageID string) (*bus.DeadLetter, error)
	Replay(ctx context.Context, tenantID, destinationID, messageID string) (*bus.DeadLetter, error)
	Discard(ctx context.Context, tenantID, destinationID, messageID string) (*bus.DeadLetter, error)
}

// editor returns the catalogue's Editor recording each change's audit
// entry, for actor a, in the change's transaction.
func (s *Service) editor(a *Actor, tenantID string) *catalogue.Editor {
	return s.Catalogue.WithHook(func(ctx context.Context, tx *sqlstore.Tx, c catalogue.Changed) error {
		return s.record(ctx, tx, a, tenantID, c.Action, c.Kind, c.ID, c.Before, c.After)
	})
}

// ListResponsibilities returns a tenant's responsibilities (for one
// service if leikaKey is set), for anyone who may edit the catalogue
// somewhere in the tenant.
func (s *Service) ListResponsibilities(ctx context.Context, a *Actor, tenantID, leikaKey string) ([]catalogue.Responsibility, error) {
	if _, err := s.Tenant(ctx, a, tenantID); err != nil {
		return nil, err
	}
	if !a.May(access.CatalogueEdit, access.Resource{TenantID: tenantID, AnyUnit: true}) {
		return nil, forbidden()
	}
	return s.Catalogue.Responsibilities(ctx, tenantID, leikaKey)
}

// SetResponsibility records who serves a service in an area. The actor
// needs the catalogue right on the unit made responsible and, when it
// replaces another, on that one too.
func (s *Service) SetResponsibility(ctx context.Context, a *Actor, tenantID string, r catalogue.Responsibility) (*catalogue.Responsibility, error) {
	if _, err := s.Tenant(ctx, a, tenantID); err != nil {
		return nil, err
	}
	if !a.May(access.CatalogueEdit, access.Resource{TenantID: tenantID, AnyUnit: true}) {
		return nil, forbidden()
	}
	if err := s.mayEditUnit(ctx, a, tenantID, r.OrgUnitID, "orgUnitId"); err != nil {
		return nil, err
	}
	if old, err := s.responsibility(ctx, tenantID, r.LeikaKey, r.ARSPrefix); err != nil {
		return nil, err
	} else if old != nil {
		if err := s.mayEditUnit(ctx, a, tenantID, old.OrgUnitID, ""); err != nil {
			return nil, err
		}
	}
	ch, err := s.editor(a, tenantID).SetResponsibility(ctx, tenantID, r)
	if err != nil {
		return nil, err
	}
	return ch.After, nil
}

// RemoveResponsibility deletes the responsibility for a service and ARS
// prefix; the actor needs the catalogue right on its unit.
func (s *Service) RemoveResponsibility(ctx context.Context, a *Actor, tenantID, leikaKey, arsPrefix string) error {
	if _, err := s.Tenant(ctx, a, tenantID); err != nil {
		return err
	}
	if !a.May(access.CatalogueEdit, access.Resource{TenantID: tenantID, AnyUnit: true}) {
		return forbidden()
	}
	old, err := s.responsibility(ctx, tenantID, leikaKey, arsPrefix)
	if err != nil {
		return err
	}
	if old == nil {
		return notFound("Zuständigkeit")
	}
	if err := s.mayEditUnit(ctx, a, tenantID, old.OrgUnitID, ""); err != nil {
		return err
	}
	_, err = s.editor(a, tenantID).RemoveResponsibility(ctx, tenantID, leikaKey, arsPrefix)
	return err
}

// responsibility returns the responsibility for a service and prefix, or
// nil.
func (s *Service) responsibility(ctx context.Context, tenantID, leikaKey, arsPrefix string) (*catalogue.Responsibility, error) {
	if leikaKey == "" {
		return nil, nil
	}
	rs, err := s.Catalogue.Responsibilities(ctx, tenantID, leikaKey)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		if rs[i].ARSPrefix == arsPrefix {
			return &rs[i], nil
		}
	}
	return nil, nil
}

// mayEditUnit checks the catalogue right on a unit of the tenant. A
// missing or unknown unit given in field is left to the Editor's
// validation.
func (s *Service) mayEditUnit(ctx context.Context, a *Actor, tenantID, unitID, field string) error {
	if unitID == "" && field != "" {
		return nil // the Editor's validation names the missing field
	}
	path, err := s.unitPath(ctx, tenantID, unitID)
	if hub.IsCode(err, hub.EINVALID) && field != "" {
		return nil
	}
	if err != nil {
		return err
	}
	if !a.May(access.CatalogueEdit, access.Resource{TenantID: tenantID, UnitPath: path}) {
		return forbidden()
	}
	return nil
}

// ListDeadLetters returns the dead letters of a tenant's destination.
func (s *Service) ListDeadLetters(ctx context.Context, a *Actor, tenantID, destinationID string) ([]bus.DeadLetter, error) {
	if err := s.mayDeadLetters(ctx, a, tenantID); err != nil {
		return nil, err
	}
	return s.DeadLetters.List(ctx, tenantID, destinationID)
}

// InspectDeadLetter returns one dead letter of a tenant's destination.
func (s *Service) InspectDeadLetter(ctx context.Context, a *Actor, tenantID, destinationID, messageID string) (*bus.DeadLetter, error) {
	if err := s.mayDeadLetters(ctx, a, tenantID); err != nil {
		return nil, err
	}
	return s.DeadLetters.Inspect(ctx, tenantID, destinationID, messageID)
}

// ReplayDeadLetter puts a dead letter back into its destination's queue.
// The broker has no transaction with the database: the audit entry follows
// the replay (a crash in between leaves a replay without its entry, never
// an entry without its replay).
func (s *Service) ReplayDeadLetter(ctx context.Context, a *Actor, tenantID, destinationID, messageID string) (*bus.DeadLetter, error) {
	return s.resolveDeadLetter(ctx, a, "dead_letter.replayed", tenantID, destinationID, messageID, s.DeadLetters.Replay)
}

// DiscardDeadLetter deletes a dead letter for good.
func (s *Service) DiscardDeadLetter(ctx context.Context, a *Actor, tenantID, destinationID, messageID string) (*bus.DeadLetter, error) {
	return s.resolveDeadLetter(ctx, a, "dead_letter.discarded", tenantID, destinationID, messageID, s.DeadLetters.Discard)
}

func (s *Service) resolveDeadLetter(ctx context.Context, a *Actor, action, tenantID, destinationID, messageID string,
	do func(ctx context.Context, tenantID, destinationID, messageID string) (*bus.DeadLetter, error)) (*bus.DeadLetter, error) {
	if err := s.mayDeadLetters(ctx, a, tenantID); err != nil {
		return nil, err
	}
	dl, err := do(ctx, tenantID, destinationID, messageID)
	if err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		return s.record(ctx, tx, a, tenantID, action, "dead_letter", destinationID+"/"+messageID, dl, nil)
	})
	if err != nil {
		return nil, fmt.Errorf("audit %s: %w", action, err)
	}
	return dl, nil
}

func (s *Service) mayDeadLetters(ctx context.Context, a *Actor, tenantID string) error {
	if _, err := s.Tenant(ctx, a, tenantID); err != nil {
		return err
	}
	if !a.May(access.DeadLettersManage, access.Resource{TenantID: tenantID}) {
		return forbidden()
	}
	return nil
}

// deadLetterAction is ReplayDeadLetter or DiscardDeadLetter.
type deadLetterAction func(ctx context.Context, a *Actor, tenantID, destinationID, messageID string) (*bus.DeadLetter, error)

// DestinationDeadLetters is a destination with its dead letters.
type DestinationDeadLetters struct {
	Destination *hub.Destination
	DeadLetters []bus.DeadLetter
}

// DeadLetterOverview returns every destination of a tenant with its dead
// letters.
func (s *Service) DeadLetterOverview(ctx context.Context, a *Actor, tenantID string) ([]DestinationDeadLetters, error) {
	if err := s.mayDeadLetters(ctx, a, tenantID); err != nil {
		return nil, err
	}
	ds, err := s.Catalogue.Destinations(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := make([]DestinationDeadLetters, 0, len(ds))
	for _, d := range ds {
		dls, err := s.DeadLetters.List(ctx, tenantID, d.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, DestinationDeadLetters{Destination: d, DeadLetters: dls})
	}
	return out, nil
}

// ListDestinations returns a tenant's destinations, for anyone who may
// edit the catalogue somewhere in the tenant.
func (s *Service) ListDestinations(ctx context.Context, a *Actor, tenantID string) ([]*hub.Destination, error) {
	if _, err := s.Tenant(ctx, a, tenantID); err != nil {
		return nil, err
	}
	if !a.May(access.CatalogueEdit, access.Resource{TenantID: tenantID, AnyUnit: true}) {
		return nil, forbidden()
	}
	return s.Catalogue.Destinations(ctx, tenantID)
}

// CreateDestination adds a destination to a unit the actor may edit the
// catalogue of; its queues are declared on the broker before the commit.
func (s *Service) CreateDestination(ctx context.Context, a *Actor, tenantID string, d hub.Destination) (*hub.Destination, error) {
	if err := s.mayEditDestination(ctx, a, tenantID, d.OrgUnitID, ""); err != nil {
		return nil, err
	}
	ch, err := s.editor(a, tenantID).CreateDestination(ctx, tenantID, d)
	if err != nil {
		return nil, err
	}
	return ch.After, nil
}

// UpdateDestination changes a destination; the actor needs the catalogue
// right on its unit and on the unit it moves to.
func (s *Service) UpdateDestination(ctx context.Context, a *Actor, tenantID, id string, d hub.Destination) (*hub.Destination, error) {
	if _, err := s.Tenant(ctx, a, tenantID); err != nil {
		return nil, err
	}
	ds, err := s.Catalogue.Destinations(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	old := ""
	for _, x := range ds {
		if x.ID == id {
			old = x.OrgUnitID
		}
	}
	if old == "" {
		return nil, notFound("Empfangsstelle")
	}
	if err := s.mayEditDestination(ctx, a, tenantID, d.OrgUnitID, old); err != nil {
		return nil, err
	}
	ch, err := s.editor(a, tenantID).UpdateDestination(ctx, tenantID, id, d)
	if err != nil {
		return nil, err
	}
	return ch.After, nil
}

func (s *Service) mayEditDestination(ctx context.Context, a *Actor, tenantID, unitID, oldUnitID string) error {
	if _, err := s.Tenant(ctx, a, tenantID); err != nil {
		return err
	}
	if !a.May(access.CatalogueEdit, access.Resource{TenantID: tenantID, AnyUnit: true}) {
		return forbidden()
	}
	if err := s.mayEditUnit(ctx, a, tenantID, unitID, "orgUnitId"); err != nil {
		return err
	}
	if oldUnitID != "" {
		return s.mayEditUnit(ctx, a, tenantID, oldUnitID, "")
	}
	return nil
}
