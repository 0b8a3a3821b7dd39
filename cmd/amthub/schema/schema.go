// Package schema composes the whole database schema of amthub from the
// migrations each module owns. cmd/amthub migrates with it; hub/hubtest
// builds the production schema for tests with it. It imports only
// sqlstore and the modules' leaf migrations packages, never their code.
package schema

import (
	"github.com/amthub/amthub/hub/sqlstore"

	fitconnect "github.com/amthub/amthub/connectors/fitconnect/migrations"
	access "github.com/amthub/amthub/hub/access/migrations"
	audit "github.com/amthub/amthub/hub/audit/migrations"
	catalogue "github.com/amthub/amthub/hub/catalogue/migrations"
	citizens "github.com/amthub/amthub/hub/citizens/migrations"
	mailbox "github.com/amthub/amthub/hub/mailbox/migrations"
	payments "github.com/amthub/amthub/hub/payments/migrations"
	pipeline "github.com/amthub/amthub/hub/pipeline/migrations"
	registers "github.com/amthub/amthub/hub/registers/migrations"
	retention "github.com/amthub/amthub/hub/retention/migrations"
	tenants "github.com/amthub/amthub/hub/sqlstore/migrations/tenants"
	staff "github.com/amthub/amthub/hub/staff/migrations"
	mappings "github.com/amthub/amthub/mappings/migrations"
	oauth "github.com/amthub/amthub/oauth/migrations"
	saml "github.com/amthub/amthub/oauth/saml/migrations"
	fcsurface "github.com/amthub/amthub/openapi/fitconnect/migrations"
	portal "github.com/amthub/amthub/portal/migrations"
)

// All lists every module's migrations in the order of their first
// version; they run as one goose run, in version order, so versions are
// unique across modules.
//
// A new module adds its own migrations package and one line here. Its
// versions lie above 00520, the highest version shipped before modules
// owned their migrations, so that existing installations, which have
// applied everything up to there, stay valid. Never renumber a file.
func All() []sqlstore.Migrations {
	return []sqlstore.Migrations{
		sqlstore.Foundation(),                            // 00001
		{Module: "oauth", FS: oauth.FS},                  // 00100–00101
		{Module: "pipeline", FS: pipeline.FS},            // 00200–00201, 00750, 00781, 00810
		{Module: "portal", FS: portal.FS},                // 00300–00302, 00610
		{Module: "mappings", FS: mappings.FS},            // 00400
		{Module: "payments", FS: payments.FS},            // 00500
		{Module: "registers", FS: registers.FS},          // 00510
		{Module: "mailbox", FS: mailbox.FS},              // 00520
		{Module: "citizens", FS: citizens.FS},            // 00600
		{Module: "catalogue", FS: catalogue.FS},          // 00650, 00751
		{Module: "tenants", FS: tenants.FS},              // 00700
		{Module: "staff", FS: staff.FS},                  // 00710
		{Module: "access", FS: access.FS},                // 00720
		{Module: "audit", FS: audit.FS},                  // 00730
		{Module: "fitconnect-surface", FS: fcsurface.FS}, // 00752
		{Module: "fitconnect", FS: fitconnect.FS},        // 00770
		{Module: "retention", FS: retention.FS},          // 00780
		{Module: "saml", FS: saml.FS},                    // 00820
	}
}
