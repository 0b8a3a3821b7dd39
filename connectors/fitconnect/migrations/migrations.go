// Package migrations holds the schema of the FIT-Connect outbound
// connector: what it took over from a destination's queue and how far it
// got forwarding it (fitconnect_outbound). It imports nothing, so
// cmd/amthub/schema can compose it with the modules' migrations.
package migrations

import "embed"

// FS holds the connector's migrations, one goose SQL file each.
//
//go:embed *.sql
var FS embed.FS
