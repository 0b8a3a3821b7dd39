// Package migrations holds the schema of the SAML 2.0 identity provider:
// the service providers registered per tenant (saml_*). It imports
// nothing, so cmd/amthub/schema can compose it with the other modules'.
package migrations

import "embed"

// FS holds the module's migrations, one goose SQL file each.
//
//go:embed *.sql
var FS embed.FS
