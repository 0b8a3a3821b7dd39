// Package migrations holds the schema of the oauth module: the OAuth
// clients, signing keys, codes, tokens, token families (consents), PKCE and
// OpenID Connect sessions (oauth_*). Its shipped 00100 also created
// citizen_accounts, which belongs to hub/citizens (later changes are in
// hub/citizens/migrations). It imports nothing, so cmd/amthub/schema can compose
// it with the other modules' migrations into one run.
package migrations

import "embed"

// FS holds the module's migrations, one goose SQL file each.
//
//go:embed *.sql
var FS embed.FS
