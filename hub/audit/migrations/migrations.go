// Package migrations holds the schema of the audit module (hub/audit): the
// table audit_log. It imports nothing, so cmd/amthub/schema can compose it
// with the other modules' migrations into one run.
package migrations

import "embed"

// FS holds the module's migrations, one goose SQL file each.
//
//go:embed *.sql
var FS embed.FS
