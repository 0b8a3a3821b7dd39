package staff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Stage is how far a login got.
type Stage string

// The stages of a session.
const (
	StagePassword Stage = "password" // the password was right; the code is due
	StageFull     Stage = "full"     // password and code: logged in
)

// Session is a staff person's login. Version is the account's session
// version when the session began: raising the account's version (removed,
// rights changed) ends every older session at once, in Redis and in the
// database alike.
type Session struct {
	PersonID  string    `json:"person_id"`
	Version   int       `json:"version"`
	Stage     Stage     `json:"stage"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SessionStore keeps sessions under an opaque token; only the token's
// hash is stored. DBSessions serves `amthub dev`, RedisSessions `serve`.
type SessionStore interface {
	// Create stores s and returns its new token.
	Create(ctx context.Context, s *Session) (token string, err error)
	// Get returns the unexpired session of token, or ENOTFOUND.
	Get(ctx context.Context, token string) (*Session, error)
	// Delete ends the session of token; an unknown token is no error.
	Delete(ctx context.Context, token string) error
}

var errNoSession = &hub.Error{Code: hub.ENOTFOUND, Kind: "session_not_found", Message: "No such session."}

// DBSessions keeps sessions in the table staff_sessions.
type DBSessions struct{ db *sqlstore.DB }

// NewDBSessions returns a SessionStore on db.
func NewDBSessions(db *sqlstore.DB) *DBSessions { return &DBSessions{db: db} }

// Create stores s, and drops expired sessions on the way.
func (d *DBSessions) Create(ctx context.Context, s *Session) (string, error) {
	token := hub.NewToken()
	if _, err := d.db.ExecContext(ctx, `DELETE FROM staff_sessions WHERE expires_at < $1`, d.db.Now()); err != nil {
		return "", fmt.Errorf("expire staff sessions: %w", err)
	}
	_, err := d.db.ExecContext(ctx, `INSERT INTO staff_sessions (token_hash, person_id, version, stage, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, hub.TokenHash(token), s.PersonID, s.Version, string(s.Stage), s.CreatedAt.UTC(), s.ExpiresAt.UTC())
	if err != nil {
		return "", fmt.Errorf("create staff session: %w", err)
	}
	return token, nil
}

// Get returns the session of token.
func (d *DBSessions) Get(ctx context.Context, token string) (*Session, error) {
	s := &Session{}
	err := d.db.QueryRowContext(ctx, `SELECT person_id, version, stage, created_at, expires_at FROM staff_sessions
		WHERE token_hash = $1 AND expires_at > $2`, hub.TokenHash(token), d.db.Now()).
		Scan(&s.PersonID, &s.Version, (*string)(&s.Stage), &s.CreatedAt, &s.ExpiresAt)
	if sqlstore.ErrNoRows(err) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("find staff session: %w", err)
	}
	return s, nil
}

// Delete ends a session.
func (d *DBSessions) Delete(ctx context.Context, token string) error {
	if _, err := d.db.ExecContext(ctx, `DELETE FROM staff_sessions WHERE token_hash = $1`, hub.TokenHash(token)); err != nil {
		return fmt.Errorf("delete staff session: %w", err)
	}
	return nil
}

// RedisSessions keeps sessions in Redis with their expiry as TTL.
type RedisSessions struct {
	client *redis.Client
	prefix string
	now    func() time.Time
}

// NewRedisSessions returns a SessionStore on a Redis client (from
// (*cache.Redis).Client()); keys start with prefix.
func NewRedisSessions(client *redis.Client, prefix string) *RedisSessions {
	return &RedisSessions{client: client, prefix: prefix + "staff:session:", now: time.Now}
}

// Create stores s.
func (r *RedisSessions) Create(ctx context.Context, s *Session) (string, error) {
	ttl := s.ExpiresAt.Sub(r.now())
	if ttl <= 0 {
		return "", errors.New("create staff session: already expired")
	}
	b, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("create staff session: %w", err)
	}
	token := hub.NewToken()
	if err := r.client.Set(ctx, r.prefix+hub.TokenHash(token), b, ttl).Err(); err != nil {
		return "", fmt.Errorf("create staff session: %w", err)
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
		return nil, fmt.Errorf("find staff session: %w", err)
	}
	s := &Session{}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("read staff session: %w", err)
	}
	return s, nil
}

// Delete ends a session.
func (r *RedisSessions) Delete(ctx context.Context, token string) error {
	if err := r.client.Del(ctx, r.prefix+hub.TokenHash(token)).Err(); err != nil {
		return fmt.Errorf("delete staff session: %w", err)
	}
	return nil
}
