// Package migrations holds the schema changes of the citizens module
// (hub/citizens) to its table citizen_accounts, which the oauth module's
// shipped migration 00100 created. It imports nothing, so cmd/amthub/schema
// can compose it with the other modules' migrations into one run.
package migrations

import "embed"

// FS holds the module's migrations, one goose SQL file each.
//
//go:embed *.sql
var FS embed.FS
