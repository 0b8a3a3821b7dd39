package main

import (
	"context"

	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/retention"
)

// privacyRecords gives the AdminCenter a tenant's record of processing
// activities from the modules' declarations and the tenant's own
// retention periods (admin.Records).
type privacyRecords struct {
	periods *retention.Periods
	decls   []privacy.Declaration
}

// Record returns the tenant's record of processing activities.
func (p privacyRecords) Record(ctx context.Context, tenantID, controller string) (privacy.Record, error) {
	return p.periods.Record(ctx, tenantID, controller, p.decls)
}
