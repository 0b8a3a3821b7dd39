package oauth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ory/fosite"
)

// getData reads the data column of one row; missing rows are
// fosite.ErrNotFound.
func (s *Store) getData(ctx context.Context, query string, args ...any) (string, error) {
	var data string
	err := s.q(ctx).QueryRowContext(ctx, query, args...).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fosite.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("read oauth row: %w", err)
	}
	return data, nil
}

func (s *Store) exec(ctx context.Context, what, query string, args ...any) error {
	if _, err := s.q(ctx).ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// CreateAuthorizeCodeSession stores an authorization code by signature.
func (s *Store) CreateAuthorizeCodeSession(ctx context.Context, signature string, req fosite.Requester) error {
	data, err := encodeRequest(req)
	if err != nil {
		return err
	}
	return s.exec(ctx, "store authorization code", `INSERT INTO oauth_codes (signature, tenant_id, request_id, expires_at, data)
		VALUES ($1, $2, $3, $4, $5)`, signature, tenantOf(req), req.GetID(), s.expiry(req, fosite.AuthorizeCode, 10*time.Minute), data)
}

// GetAuthorizeCodeSession returns the request of a code; a used code comes
// back together with fosite.ErrInvalidatedAuthorizeCode, so that fosite
// revokes what was issued with it.
func (s *Store) GetAuthorizeCodeSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	var data string
	var used sql.NullTime
	err := s.q(ctx).QueryRowContext(ctx, `SELECT data, used_at FROM oauth_codes WHERE signature = $1`, signature).Scan(&data, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fosite.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read authorization code: %w", err)
	}
	req, err := s.decodeRequest(ctx, data, session)
	if err != nil {
		return nil, err
	}
	if used.Valid {
		return req, fosite.ErrInvalidatedAuthorizeCode
	}
	return req, nil
}

// InvalidateAuthorizeCodeSession marks a code used.
func (s *Store) InvalidateAuthorizeCodeSession(ctx context.Context, signature string) error {
	res, err := s.q(ctx).ExecContext(ctx, `UPDATE oauth_codes SET used_at = COALESCE(used_at, $1) WHERE signature = $2`, s.db.Now(), signature)
	if err != nil {
		return fmt.Errorf("invalidate authorization code: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fosite.ErrNotFound
	}
	return nil
}

// CreatePKCERequestSession stores the PKCE challenge of a code.
func (s *Store) CreatePKCERequestSession(ctx context.Context, signature string, req fosite.Requester) error {
	data, err := encodeRequest(req)
	if err != nil {
		return err
	}
	return s.exec(ctx, "store pkce request", `INSERT INTO oauth_pkce (signature, tenant_id, expires_at, data) VALUES ($1, $2, $3, $4)`,
		signature, tenantOf(req), s.expiry(req, fosite.AuthorizeCode, 10*time.Minute), data)
}

// GetPKCERequestSession returns the PKCE request of a code.
func (s *Store) GetPKCERequestSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	data, err := s.getData(ctx, `SELECT data FROM oauth_pkce WHERE signature = $1`, signature)
	if err != nil {
		return nil, err
	}
	return s.decodeRequest(ctx, data, session)
}

// DeletePKCERequestSession removes the PKCE request of a code.
func (s *Store) DeletePKCERequestSession(ctx context.Context, signature string) error {
	return s.exec(ctx, "delete pkce request", `DELETE FROM oauth_pkce WHERE signature = $1`, signature)
}

// CreateOpenIDConnectSession stores the OpenID Connect request of a code.
func (s *Store) CreateOpenIDConnectSession(ctx context.Context, code string, req fosite.Requester) error {
	data, err := encodeRequest(req)
	if err != nil {
		return err
	}
	return s.exec(ctx, "store openid session", `INSERT INTO oauth_oidc_sessions (signature, tenant_id, expires_at, data) VALUES ($1, $2, $3, $4)`,
		code, tenantOf(req), s.expiry(req, fosite.AuthorizeCode, 10*time.Minute), data)
}

// GetOpenIDConnectSession returns the OpenID Connect request of a code.
func (s *Store) GetOpenIDConnectSession(ctx context.Context, code string, req fosite.Requester) (fosite.Requester, error) {
	data, err := s.getData(ctx, `SELECT data FROM oauth_oidc_sessions WHERE signature = $1`, code)
	if err != nil {
		return nil, err
	}
	return s.decodeRequest(ctx, data, req.GetSession())
}

// DeleteOpenIDConnectSession removes the OpenID Connect request of a code.
func (s *Store) DeleteOpenIDConnectSession(ctx context.Context, code string) error {
	return s.exec(ctx, "delete openid session", `DELETE FROM oauth_oidc_sessions WHERE signature = $1`, code)
}

// CreateAccessTokenSession stores an access token by signature, with its
// jti for revocation.
func (s *Store) CreateAccessTokenSession(ctx context.Context, signature string, req fosite.Requester) error {
	data, err := encodeRequest(req)
	if err != nil {
		return err
	}
	jti := ""
	if sess, ok := req.GetSession().(*Session); ok {
		jti = sess.AccessTokenID
	}
	args := []any{signature, tenantOf(req), req.GetID(), req.GetClient().GetID(), jti, s.expiry(req, fosite.AccessToken, time.Hour), data}
	if _, inTx := ctx.Value(txKey{}).(*sql.Tx); !inTx {
		return s.insertAccessBatched(ctx, args...)
	}
	return s.exec(ctx, "store access token", insertAccess, args...)
}

// GetAccessTokenSession returns the request of an access token that is
// not revoked.
func (s *Store) GetAccessTokenSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	data, err := s.getData(ctx, `SELECT data FROM oauth_access_tokens WHERE signature = $1 AND revoked_at IS NULL`, signature)
	if err != nil {
		return nil, err
	}
	return s.decodeRequest(ctx, data, session)
}

// DeleteAccessTokenSession revokes one access token.
func (s *Store) DeleteAccessTokenSession(ctx context.Context, signature string) error {
	return s.revokeAccess(ctx, `signature = $2`, signature)
}

// RevokeAccessToken revokes every access token of a grant.
func (s *Store) RevokeAccessToken(ctx context.Context, requestID string) error {
	return s.revokeAccess(ctx, `request_id = $2`, requestID)
}

// revokeAccess marks access tokens revoked and puts their ids into the
// cache that resource endpoints check, until they expire anyway.
func (s *Store) revokeAccess(ctx context.Context, where string, arg string) error {
	now := s.db.Now()
	rows, err := s.q(ctx).QueryContext(ctx, `UPDATE oauth_access_tokens SET revoked_at = $1
		WHERE `+where+` AND revoked_at IS NULL RETURNING jti, expires_at`, now, arg)
	if err != nil {
		return fmt.Errorf("revoke access tokens: %w", err)
	}
	type revoked struct {
		jti string
		exp time.Time
	}
	var list []revoked
	for rows.Next() {
		var r revoked
		if err := rows.Scan(&r.jti, &r.exp); err != nil {
			rows.Close()
			return fmt.Errorf("revoke access tokens: %w", err)
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("revoke access tokens: %w", err)
	}
	for _, r := range list {
		if err := s.markRevoked(ctx, r.jti, r.exp); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) markRevoked(ctx context.Context, jti string, exp time.Time) error {
	if jti == "" {
		return nil
	}
	ttl := time.Until(exp) + time.Minute
	if ttl <= 0 {
		return nil
	}
	if _, err := s.cache.SetNX(ctx, revokedKey(jti), ttl); err != nil {
		return fmt.Errorf("publish revocation: %w", err)
	}
	return nil
}

// warmRevocations copies the revocations of unexpired access tokens into
// the cache: an in-process cache starts empty after a restart.
func (s *Store) warmRevocations(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT jti, expires_at FROM oauth_access_tokens
		WHERE revoked_at IS NOT NULL AND expires_at > $1`, s.db.Now())
	if err != nil {
		return fmt.Errorf("load revocations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var jti string
		var exp time.Time
		if err := rows.Scan(&jti, &exp); err != nil {
			return fmt.Errorf("load revocations: %w", err)
		}
		if err := s.markRevoked(ctx, jti, exp); err != nil {
			return err
		}
	}
	return rows.Err()
}
