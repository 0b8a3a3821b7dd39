package oauth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ory/fosite"
)

// CreateRefreshTokenSession stores a refresh token by signature and opens
// its family (one per grant) if it is the first.
func (s *Store) CreateRefreshTokenSession(ctx context.Context, signature, accessSignature string, req fosite.Requester) error {
	data, err := encodeRequest(req)
	if err != nil {
		return err
	}
	now := s.db.Now()
	tenant := tenantOf(req)
	if err := s.exec(ctx, "open token family", `INSERT INTO oauth_families (request_id, tenant_id, client_id, subject, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (request_id) DO NOTHING`,
		req.GetID(), tenant, req.GetClient().GetID(), req.GetSession().GetSubject(), now); err != nil {
		return err
	}
	return s.exec(ctx, "store refresh token", `INSERT INTO oauth_refresh_tokens (signature, tenant_id, request_id, client_id,
		access_signature, expires_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		signature, tenant, req.GetID(), req.GetClient().GetID(), accessSignature,
		s.expiry(req, fosite.RefreshToken, 30*24*time.Hour), data)
}

// GetRefreshTokenSession returns the request of a refresh token. A token
// that was rotated, revoked or whose family was revoked comes back together
// with fosite.ErrInactiveToken: that is how fosite detects reuse.
func (s *Store) GetRefreshTokenSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	var data string
	var used, revoked, familyRevoked sql.NullTime
	err := s.q(ctx).QueryRowContext(ctx, `SELECT t.data, t.used_at, t.revoked_at, f.revoked_at
		FROM oauth_refresh_tokens t LEFT JOIN oauth_families f ON f.request_id = t.request_id
		WHERE t.signature = $1`, signature).Scan(&data, &used, &revoked, &familyRevoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fosite.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read refresh token: %w", err)
	}
	req, err := s.decodeRequest(ctx, data, session)
	if err != nil {
		return nil, err
	}
	if used.Valid || revoked.Valid || familyRevoked.Valid {
		return req, fosite.ErrInactiveToken
	}
	return req, nil
}

// DeleteRefreshTokenSession revokes one refresh token (the row stays for
// reuse detection).
func (s *Store) DeleteRefreshTokenSession(ctx context.Context, signature string) error {
	return s.exec(ctx, "revoke refresh token", `UPDATE oauth_refresh_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE signature = $2`,
		s.db.Now(), signature)
}

// RevokeRefreshToken revokes the whole family of a grant.
func (s *Store) RevokeRefreshToken(ctx context.Context, requestID string) error {
	now := s.db.Now()
	if err := s.exec(ctx, "revoke token family", `UPDATE oauth_families SET revoked_at = COALESCE(revoked_at, $1) WHERE request_id = $2`,
		now, requestID); err != nil {
		return err
	}
	return s.exec(ctx, "revoke refresh tokens", `UPDATE oauth_refresh_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE request_id = $2`,
		now, requestID)
}

// RotateRefreshToken marks the presented refresh token used and revokes
// the access tokens issued with it; the caller stores the new pair in the
// same transaction. A token that is no longer active can't be rotated:
// of two concurrent refreshes, one wins.
func (s *Store) RotateRefreshToken(ctx context.Context, requestID, signature string) error {
	res, err := s.q(ctx).ExecContext(ctx, `UPDATE oauth_refresh_tokens SET used_at = $1
		WHERE signature = $2 AND request_id = $3 AND used_at IS NULL AND revoked_at IS NULL`, s.db.Now(), signature, requestID)
	if err != nil {
		return fmt.Errorf("rotate refresh token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fosite.ErrInactiveToken
	}
	return s.RevokeAccessToken(ctx, requestID)
}
