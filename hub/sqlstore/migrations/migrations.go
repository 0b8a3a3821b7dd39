// Package migrations holds the foundation of the schema, shared by every
// module: tenants, the outbox and the inbox. It imports nothing, so
// cmd/amthub/schema can compose it with the modules' migrations into one
// run.
package migrations

import "embed"

// FS holds the foundation's migrations, one goose SQL file each.
//
//go:embed *.sql
var FS embed.FS
