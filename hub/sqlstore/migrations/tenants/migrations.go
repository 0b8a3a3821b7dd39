// Package tenants holds the later changes to the tenants table, which the
// foundation (00001) created and sqlstore's TenantService owns: the
// hierarchy of tenants (issue 15). They are kept apart from the foundation
// so that the foundation stays the one migration every schema starts with.
// It imports nothing, so cmd/amthub/schema can compose it.
package tenants

import "embed"

// FS holds the migrations, one goose SQL file each.
//
//go:embed *.sql
var FS embed.FS
