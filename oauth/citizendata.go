package oauth

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/sqlstore"
)

// grantItem is one authorization grant in the citizen's archive: an
// application the citizen allowed to act in their name.
type grantItem struct {
	ID         string     `json:"id"`
	ClientID   string     `json:"clientId"`
	ClientName string     `json:"clientName"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"createdAt"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
}

// ExportCitizen writes the section "oauthGrants": every grant the citizen
// gave, live or revoked, with its scopes. Tokens are kept as signatures
// only and are not part of it.
func (s *ConsentService) ExportCitizen(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := a.Section("oauthGrants"); err != nil {
		return err
	}
	db := s.p.db
	rows, err := db.QueryContext(ctx, `SELECT f.request_id, f.client_id, COALESCE(c.name, f.client_id), f.created_at, f.revoked_at
		FROM oauth_families f LEFT JOIN oauth_clients c ON c.id = f.client_id AND c.tenant_id = f.tenant_id
		WHERE f.tenant_id = $1 AND f.subject = $2 ORDER BY f.created_at, f.request_id`, tenantID, citizenID)
	if err != nil {
		return fmt.Errorf("export grants: %w", err)
	}
	var grants []grantItem
	for rows.Next() {
		var g grantItem
		var revoked sql.NullTime
		if err := rows.Scan(&g.ID, &g.ClientID, &g.ClientName, &g.CreatedAt, &revoked); err != nil {
			rows.Close()
			return fmt.Errorf("export grants: %w", err)
		}
		if revoked.Valid {
			g.RevokedAt = &revoked.Time
		}
		grants = append(grants, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export grants: %w", err)
	}
	for _, g := range grants {
		if g.Scopes, err = grantScopes(ctx, db, g.ID); err != nil {
			return err
		}
		if err := a.Add(g); err != nil {
			return err
		}
	}
	return nil
}

// grantScopes reads the scopes of a grant from its newest token.
func grantScopes(ctx context.Context, db *sqlstore.DB, requestID string) ([]string, error) {
	var data string
	err := db.QueryRowContext(ctx, `SELECT data FROM (
		SELECT data, expires_at FROM oauth_refresh_tokens WHERE request_id = $1
		UNION ALL SELECT data, expires_at FROM oauth_access_tokens WHERE request_id = $1) t
		ORDER BY expires_at DESC LIMIT 1`, requestID).Scan(&data)
	if sqlstore.ErrNoRows(err) {
		return []string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("export grants: %w", err)
	}
	var req storedRequest
	if err := json.Unmarshal([]byte(data), &req); err != nil {
		return nil, fmt.Errorf("export grants: decode grant: %w", err)
	}
	if req.GrantedScope == nil {
		return []string{}, nil
	}
	return req.GrantedScope, nil
}

// ForgetCitizen deletes, inside tx, every grant of a citizen whose account
// is deleted, with its tokens (kept as signatures) and the unfinished
// authorization requests that name the citizen. Revoke the grants first
// (Revoke), so that access tokens already out are refused at once.
func (s *ConsentService) ForgetCitizen(ctx context.Context, tx *sqlstore.Tx, tenantID, citizenID string) error {
	const families = `SELECT request_id FROM oauth_families WHERE tenant_id = $1 AND subject = $2`
	for _, stmt := range []struct{ what, sql string }{
		{"access tokens", `DELETE FROM oauth_access_tokens WHERE request_id IN (` + families + `)`},
		{"refresh tokens", `DELETE FROM oauth_refresh_tokens WHERE request_id IN (` + families + `)`},
		{"authorization codes", `DELETE FROM oauth_codes WHERE tenant_id = $1 AND (request_id IN (` + families + `) OR data->'session'->>'sub' = $2)`},
		{"pkce requests", `DELETE FROM oauth_pkce WHERE tenant_id = $1 AND data->'session'->>'sub' = $2`},
		{"openid sessions", `DELETE FROM oauth_oidc_sessions WHERE tenant_id = $1 AND data->'session'->>'sub' = $2`},
		{"grants", `DELETE FROM oauth_families WHERE tenant_id = $1 AND subject = $2`},
	} {
		if _, err := tx.ExecContext(ctx, stmt.sql, tenantID, citizenID); err != nil {
			return fmt.Errorf("forget citizen: delete %s: %w", stmt.what, err)
		}
	}
	return nil
}
