// Package migrations holds the schema of the retention module: tenants'
// retention periods and the deletion log. It imports nothing, so
// cmd/amthub/schema can compose it with the other modules' migrations.
package migrations

import "embed"

// FS holds the module's migrations, one goose SQL file each.
//
//go:embed *.sql
var FS embed.FS
