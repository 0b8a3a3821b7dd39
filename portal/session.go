package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Session is a citizen's login to the portal.
type Session struct {
	TenantID  string    `json:"tenant_id"`
	CitizenID string    `json:"citizen_id"`
	CSRF      string    `json:"csrf"` // the form token of this login
	ACR       string    `json:"acr"`  // the login's assurance level (hub.ACR…); "" is normal
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SessionStore keeps sessions under an opaque token; only a hash of the
// token is stored. DBSessions serves `amthub dev`, RedisSessions `serve`.
type SessionStore interface {
	// Create stores s and returns its new token.
	Create(ctx context.Context, s *Session) (token string, err error)
	// Get returns the unexpired session of token, or ENOTFOUND.
	Get(ctx context.Context, token string) (*Session, error)
	// Delete ends the session of token; an unknown token is no error.
	Delete(ctx context.Context, token string) error
	// DeleteCitizen ends every session of a citizen (account deleted).
	DeleteCitizen(ctx context.Context, tenantID, citizenID string) error
	// ListCitizen returns a citizen's unexpired sessions, oldest first (for
	// the citizen's archive; tokens are not part of them).
	ListCitizen(ctx context.Context, tenantID, citizenID string) ([]Session, error)
}

var errNoSession = &hub.Error{Code: hub.ENOTFOUND, Kind: "session_not_found", Message: "No such session."}

// DBSessions keeps sessions in the database table portal_sessions.
type DBSessions struct{ db *sqlstore.DB }

// NewDBSessions returns a SessionStore on db.
func NewDBSessions(db *sqlstore.DB) *DBSessions { return &DBSessions{db: db} }

// Create stores s.
func (d *DBSessions) Create(ctx context.Context, s *Session) (string, error) {
	token := hub.NewToken()
	_, err := d.db.ExecContext(ctx, `DELETE FROM portal_sessions WHERE expires_at < $1`, d.db.Now())
	if err != nil {
		return "", fmt.Errorf("expire sessions: %w", err)
	}
	_, err = d.db.ExecContext(ctx, `INSERT INTO portal_sessions (token_hash, tenant_id, citizen_id, csrf, acr, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, hub.TokenHash(token), s.TenantID, s.CitizenID, s.CSRF, acrOrNormal(s.ACR), s.CreatedAt.UTC(), s.ExpiresAt.UTC())
	if err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return token, nil
}

// Get returns the session of token.
func (d *DBSessions) Get(ctx context.Context, token string) (*Session, error) {
	s := &Session{}
	err := d.db.QueryRowContext(ctx, `SELECT tenant_id, citizen_id, csrf, acr, created_at, expires_at FROM portal_sessions
		WHERE token_hash = $1 AND expires_at > $2`, hub.TokenHash(token), d.db.Now()).
		Scan(&s.TenantID, &s.CitizenID, &s.CSRF, &s.ACR, &s.CreatedAt, &s.ExpiresAt)
	if sqlstore.ErrNoRows(err) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	return s, nil
}

// Delete ends a session.
func (d *DBSessions) Delete(ctx context.Context, token string) error {
	if _, err := d.db.ExecContext(ctx, `DELETE FROM portal_sessions WHERE token_hash = $1`, hub.TokenHash(token)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteCitizen ends every session of a citizen.
func (d *DBSessions) DeleteCitizen(ctx context.Context, tenantID, citizenID string) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM portal_sessions WHERE tenant_id = $1 AND citizen_id = $2`, tenantID, citizenID)
	if err != nil {
		return fmt.Errorf("delete sessions: %w", err)
	}
	return nil
}

// ListCitizen returns a citizen's unexpired sessions.
func (d *DBSessions) ListCitizen(ctx context.Context, tenantID, citizenID string) ([]Session, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT tenant_id, citizen_id, acr, created_at, expires_at FROM portal_sessions
		WHERE tenant_id = $1 AND citizen_id = $2 AND expires_at > $3 ORDER BY created_at`, tenantID, citizenID, d.db.Now())
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var s Session
		if err := rows.Scan(&s.TenantID, &s.CitizenID, &s.ACR, &s.CreatedAt, &s.ExpiresAt); err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// RedisSessions keeps sessions in Redis with their expiry as TTL, plus a
// set per citizen to end them all.
type RedisSessions struct {
	client *redis.Client
	prefix string
	now    func() time.Time
}

// NewRedisSessions returns a SessionStore on a Redis client (from
// (*cache.Redis).Client()); keys start with prefix.
func NewRedisSessions(client *redis.Client, prefix string) *RedisSessions {
	return &RedisSessions{client: client, prefix: prefix + "portal:session:", now: time.Now}
}

func (r *RedisSessions) citizenKey(tenantID, citizenID string) string {
	return r.prefix + "citizen:" + tenantID + ":" + citizenID
}

// Create stores s.
func (r *RedisSessions) Create(ctx context.Context, s *Session) (string, error) {
	token := hub.NewToken()
	ttl := s.ExpiresAt.Sub(r.now())
	if ttl <= 0 {
		return "", errors.New("create session: already expired")
	}
	b, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	h := hub.TokenHash(token)
	ck := r.citizenKey(s.TenantID, s.CitizenID)
	_, err = r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, r.prefix+h, b, ttl)
		p.SAdd(ctx, ck, h)
		p.Expire(ctx, ck, ttl)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return token, nil
}

// Get returns the session of token.
func (r *RedisSessions) Get(ctx context.Context, token string) (*Session, error) {
	b, err := r.client.Get(ctx, r.prefix+hub.TokenHash(token)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	s := &Session{}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	s.ACR = acrOrNormal(s.ACR)
	if !s.ExpiresAt.After(r.now()) {
		return nil, errNoSession
	}
	return s, nil
}

// Delete ends a session.
func (r *RedisSessions) Delete(ctx context.Context, token string) error {
	if err := r.client.Del(ctx, r.prefix+hub.TokenHash(token)).Err(); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteCitizen ends every session of a citizen.
func (r *RedisSessions) DeleteCitizen(ctx context.Context, tenantID, citizenID string) error {
	ck := r.citizenKey(tenantID, citizenID)
	hashes, err := r.client.SMembers(ctx, ck).Result()
	if err != nil {
		return fmt.Errorf("delete sessions: %w", err)
	}
	keys := []string{ck}
	for _, h := range hashes {
		keys = append(keys, r.prefix+h)
	}
	if err := r.client.Del(ctx, keys...).Err(); err != nil {
		return fmt.Errorf("delete sessions: %w", err)
	}
	return nil
}

// ListCitizen returns a citizen's unexpired sessions.
func (r *RedisSessions) ListCitizen(ctx context.Context, tenantID, citizenID string) ([]Session, error) {
	hashes, err := r.client.SMembers(ctx, r.citizenKey(tenantID, citizenID)).Result()
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	var out []Session
	for _, h := range hashes {
		b, err := r.client.Get(ctx, r.prefix+h).Bytes()
		if errors.Is(err, redis.Nil) {
			continue // ended or expired
		}
		if err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		var s Session
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("read session: %w", err)
		}
		if s.ExpiresAt.After(r.now()) {
			s.CSRF = ""
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Session) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}
