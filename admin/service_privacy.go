package admin

import (
	"context"
	"fmt"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/privacy"
)

// Records gives a tenant's record of processing activities (GDPR Art. 30)
// with the tenant's own retention periods; cmd/amthub wires it from the
// modules' declarations and hub/retention's periods.
type Records interface {
	Record(ctx context.Context, tenantID, controller string) (privacy.Record, error)
}

// Record returns the tenant's record of processing activities, for anyone
// who may read the audit log somewhere in the tenant. The tenant's name
// is the controller.
func (s *Service) Record(ctx context.Context, a *Actor, tenantID string) (*hub.Tenant, privacy.Record, error) {
	t, err := s.Tenant(ctx, a, tenantID)
	if err != nil {
		return nil, privacy.Record{}, err
	}
	if !mayRecordIn(a, tenantID) {
		return nil, privacy.Record{}, forbidden()
	}
	if s.Records == nil {
		return nil, privacy.Record{}, notFound("Verzeichnis von Verarbeitungstätigkeiten")
	}
	rec, err := s.Records.Record(ctx, t.ID, t.Name)
	if err != nil {
		return nil, privacy.Record{}, fmt.Errorf("record of processing activities of %s: %w", t.ID, err)
	}
	return t, rec, nil
}

// mayRecordIn reports whether the actor may read the tenant's record of
// processing activities (the right to read the audit log).
func mayRecordIn(a *Actor, tenantID string) bool {
	return a.May(access.AuditRead, access.Resource{TenantID: tenantID, AnyUnit: true})
}
