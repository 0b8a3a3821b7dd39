package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/citizens"
)

// Consent is an application's access a citizen granted (its live
// grants). The type is hub/citizens', so the portal lists consents
// without importing oauth.
type Consent = citizens.Consent

// ConsentService lists and revokes citizens' consents to applications.
// A grant without a refresh token (a client without the refresh grant)
// ends with its access token and is not listed.
type ConsentService struct{ p *Provider }

// Consents returns the service for citizens' granted consents.
func (p *Provider) Consents() *ConsentService { return &ConsentService{p: p} }

var errNoConsent = &hub.Error{Code: hub.ENOTFOUND, Kind: "consent_not_found",
	Message: "Diese Einwilligung gibt es nicht oder nicht mehr."}

// List returns the consents a citizen of tenantID gave, one per client,
// oldest first.
func (s *ConsentService) List(ctx context.Context, tenantID, citizenID string) ([]Consent, error) {
	db := s.p.db
	rows, err := db.QueryContext(ctx, `SELECT f.client_id, COALESCE(c.name, f.client_id), f.created_at, t.data
		FROM oauth_families f
		JOIN oauth_refresh_tokens t ON t.request_id = f.request_id
		LEFT JOIN oauth_clients c ON c.id = f.client_id AND c.tenant_id = f.tenant_id
		WHERE f.tenant_id = $1 AND f.subject = $2 AND f.revoked_at IS NULL
		  AND t.used_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > $3
		ORDER BY f.created_at, f.request_id`, tenantID, citizenID, db.Now())
	if err != nil {
		return nil, fmt.Errorf("list consents: %w", err)
	}
	defer rows.Close()
	var out []Consent
	index := map[string]int{}
	for rows.Next() {
		var clientID, name, data string
		var since time.Time
		if err := rows.Scan(&clientID, &name, &since, &data); err != nil {
			return nil, fmt.Errorf("list consents: %w", err)
		}
		var req storedRequest
		if err := json.Unmarshal([]byte(data), &req); err != nil {
			return nil, fmt.Errorf("list consents: decode grant: %w", err)
		}
		i, seen := index[clientID]
		if !seen {
			i = len(out)
			index[clientID] = i
			out = append(out, Consent{ClientID: clientID, ClientName: name, Since: since})
		}
		c := &out[i]
		c.Grants++
		for _, sc := range req.GrantedScope {
			if !slices.Contains(c.Scopes, sc) {
				c.Scopes = append(c.Scopes, sc)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list consents: %w", err)
	}
	for i := range out {
		slices.SortStableFunc(out[i].Scopes, func(a, b string) int { return scopeRank(a) - scopeRank(b) })
	}
	return out, nil
}

// scopeRank orders scopes as the discovery document lists them, but
// openid first and unknown ones last.
func scopeRank(scope string) int {
	if scope == "openid" {
		return -1
	}
	if i := slices.Index(knownScopes, scope); i >= 0 {
		return i
	}
	return len(knownScopes)
}

// Revoke withdraws every grant a citizen gave clientID: the refresh-token
// families end, so the client's next refresh fails, and the access tokens
// issued under them are revoked at once. Another citizen's or tenant's
// grant, or one revoked before, is not found.
func (s *ConsentService) Revoke(ctx context.Context, tenantID, citizenID, clientID string) error {
	store := s.p.store
	tctx, err := store.BeginTX(ctx)
	if err != nil {
		return fmt.Errorf("revoke consent: %w", err)
	}
	defer func() { _ = store.Rollback(tctx) }() // no-op after commit
	ids, err := familiesOf(tctx, store, tenantID, citizenID, clientID)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return errNoConsent
	}
	for _, id := range ids {
		if err := store.RevokeRefreshToken(tctx, id); err != nil {
			return fmt.Errorf("revoke consent: %w", err)
		}
		if err := store.RevokeAccessToken(tctx, id); err != nil {
			return fmt.Errorf("revoke consent: %w", err)
		}
	}
	if err := store.Commit(tctx); err != nil {
		return fmt.Errorf("revoke consent: %w", err)
	}
	s.p.audit(ctx, "oauth consent revoked by citizen", "client_id", clientID, "tenant", tenantID, "grants", len(ids))
	return nil
}

// familiesOf returns the unrevoked token families of a citizen's grants to
// a client.
func familiesOf(ctx context.Context, store *Store, tenantID, citizenID, clientID string) ([]string, error) {
	rows, err := store.q(ctx).QueryContext(ctx, `SELECT request_id FROM oauth_families
		WHERE tenant_id = $1 AND subject = $2 AND client_id = $3 AND revoked_at IS NULL`, tenantID, citizenID, clientID)
	if err != nil {
		return nil, fmt.Errorf("find consent: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find consent: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
