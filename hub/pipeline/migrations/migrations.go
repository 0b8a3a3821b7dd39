// Package migrations holds the schema of the submission pipeline:
// submissions, attachments, cases and case events, destinations and their
// services, areas, responsibilities, and the callbacks with their
// deliveries. It imports nothing, so cmd/amthub/schema can compose it with
// the other modules' migrations into one run.
package migrations

import "embed"

// FS holds the module's migrations, one goose SQL file each.
//
//go:embed *.sql
var FS embed.FS
