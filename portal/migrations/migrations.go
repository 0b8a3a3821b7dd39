// Package migrations holds the schema of the citizen portal: its services
// with their full-text search, synonyms and search terms, authorities,
// responsibilities, postcodes, profiles, sessions, documents and its own
// outbox (portal_*). It imports nothing, so cmd/amthub/schema can compose it
// with the other modules' migrations into one run.
package migrations

import "embed"

// FS holds the module's migrations, one goose SQL file each.
//
//go:embed *.sql
var FS embed.FS
