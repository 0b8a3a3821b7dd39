package hub

import (
	"context"
	"slices"
	"strings"
)

// Scopes that the hub's endpoints check.
const (
	ScopeRoutesRead       = "routes:read"
	ScopeSubmissionsWrite = "submissions:write"
	ScopeSubmissionsRead  = "submissions:read"
	ScopeEventsRead       = "events:read"
	ScopeMailboxSend      = "mailbox:send"
	ScopePaymentsWrite    = "payments:write"
	ScopeRegistersQuery   = "registers:query"
	ScopeProfileRead      = "profile:read" // granted by a citizen's consent only
	ScopeFachverfahren    = "fachverfahren"
	ScopeAdmin            = "admin" // operators: clients, tenants, mappings
)

// Assurance levels (acr) of a citizen's login, in ascending order.
const (
	ACRNormal      = "normal"      // user name and password
	ACRSubstantial = "substantial" // eID with a second factor
	ACRHigh        = "high"        // eID card
)

// ACRAtLeast reports whether level acr meets the minimum min.
func ACRAtLeast(acr, min string) bool {
	rank := map[string]int{"": 0, ACRNormal: 1, ACRSubstantial: 2, ACRHigh: 3}
	return rank[acr] >= rank[min]
}

// Principal is the authenticated caller of a request: a client acting for
// itself (client credentials) or for a citizen (Subject set by consent).
type Principal struct {
	TenantID string
	ClientID string
	Subject  string // the citizen's account id, or the client id for machines
	Scopes   []string
	ACR      string // assurance level of the citizen's login, if any
	// Region restricts the client to areas whose ARS starts with it; empty
	// means no restriction.
	Region  string
	TokenID string // jti, for audit and revocation
}

// HasScope reports whether the principal was granted scope.
func (p *Principal) HasScope(scope string) bool { return slices.Contains(p.Scopes, scope) }

// InRegion reports whether the area key ars lies in the principal's region.
func (p *Principal) InRegion(ars string) bool { return strings.HasPrefix(ars, p.Region) }

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
