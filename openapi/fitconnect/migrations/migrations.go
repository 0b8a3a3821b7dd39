// Package migrations holds the schema of the FIT-Connect surface: the keys
// subscribers register for their destinations, the hub's FIT-Connect
// signing key and the signed event tokens of the case event logs. It
// imports nothing, so cmd/amthub/schema can compose it.
package migrations

import "embed"

// FS holds the module's migrations, one goose SQL file each.
//
//go:embed *.sql
var FS embed.FS
