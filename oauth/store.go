package oauth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/handler/pkce"
	"github.com/ory/fosite/storage"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Cache is the fast shared state the authorization server needs: rate
// limits, revoked token ids and used client-assertion ids. cache.Memory
// (dev) and cache.Redis (serve) implement it.
type Cache interface {
	Allow(ctx context.Context, key string, limit cache.Limit) (cache.Result, error)
	SetNX(ctx context.Context, key string, ttl time.Duration) (bool, error)
	Exists(ctx context.Context, key string) (bool, error)
}

// Store is fosite's storage on the hub's database: clients, authorization
// codes, PKCE and OpenID Connect requests, access and refresh tokens (by
// signature only) with their families. It runs on SQLite and PostgreSQL.
type Store struct {
	db      *sqlstore.DB
	clients *ClientService
	cache   Cache
	batch   groupCommit
}

// NewStore returns fosite's storage on db.
func NewStore(db *sqlstore.DB, clients *ClientService, c Cache) *Store {
	return &Store{db: db, clients: clients, cache: c}
}

var (
	_ fosite.ClientManager               = (*Store)(nil)
	_ oauth2.CoreStorage                 = (*Store)(nil)
	_ oauth2.TokenRevocationStorage      = (*Store)(nil)
	_ pkce.PKCERequestStorage            = (*Store)(nil)
	_ openid.OpenIDConnectRequestStorage = (*Store)(nil)
	_ storage.Transactional              = (*Store)(nil)
)

type txKey struct{}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) q(ctx context.Context) querier {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return s.db.DB
}

// BeginTX starts a transaction that the following storage calls with the
// returned context join.
func (s *Store) BeginTX(ctx context.Context) (context.Context, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return ctx, fmt.Errorf("begin transaction: %w", err)
	}
	return context.WithValue(ctx, txKey{}, tx), nil
}

// Commit commits the transaction in ctx.
func (s *Store) Commit(ctx context.Context) error {
	tx, ok := ctx.Value(txKey{}).(*sql.Tx)
	if !ok {
		return errors.New("commit: no transaction in context")
	}
	return tx.Commit()
}

// Rollback rolls back the transaction in ctx.
func (s *Store) Rollback(ctx context.Context) error {
	tx, ok := ctx.Value(txKey{}).(*sql.Tx)
	if !ok {
		return errors.New("rollback: no transaction in context")
	}
	return tx.Rollback()
}

type uniformKey struct{}

// withUniformTiming marks ctx so that GetClient answers an unknown client
// with a stand-in whose secret never matches: fosite then compares the
// secret as for a known client, and unknown and wrong secrets take the same
// path and time.
func withUniformTiming(ctx context.Context, authMethod string) context.Context {
	return context.WithValue(ctx, uniformKey{}, authMethod)
}

// GetClient returns the enabled client with the given id.
func (s *Store) GetClient(ctx context.Context, id string) (fosite.Client, error) {
	c, err := s.clients.lookup(ctx, id)
	if hub.IsCode(err, hub.ENOTFOUND) {
		if method, ok := ctx.Value(uniformKey{}).(string); ok {
			hash := make([]byte, 32)
			_, _ = rand.Read(hash)
			return fositeClient{&Client{ID: id, AuthMethod: method, secretHash: hash}}, nil
		}
		return nil, fosite.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return fositeClient{c}, nil
}

// ClientAssertionJWTValid reports fosite.ErrJTIKnown for a client assertion
// (private_key_jwt) seen before.
func (s *Store) ClientAssertionJWTValid(ctx context.Context, jti string) error {
	seen, err := s.cache.Exists(ctx, "oauth:assertion:"+jti)
	if err != nil {
		return err
	}
	if seen {
		return fosite.ErrJTIKnown
	}
	return nil
}

// SetClientAssertionJWT records a client assertion's jti until exp.
func (s *Store) SetClientAssertionJWT(ctx context.Context, jti string, exp time.Time) error {
	ok, err := s.cache.SetNX(ctx, "oauth:assertion:"+jti, max(time.Until(exp), time.Second))
	if err != nil {
		return err
	}
	if !ok {
		return fosite.ErrJTIKnown
	}
	return nil
}

// storedRequest is a sanitized fosite request as stored in a data column.
type storedRequest struct {
	ID                string          `json:"id"`
	RequestedAt       time.Time       `json:"requested_at"`
	ClientID          string          `json:"client_id"`
	RequestedScope    []string        `json:"requested_scope"`
	GrantedScope      []string        `json:"granted_scope"`
	RequestedAudience []string        `json:"requested_audience"`
	GrantedAudience   []string        `json:"granted_audience"`
	Form              string          `json:"form"`
	Session           json.RawMessage `json:"session"`
}

func encodeRequest(req fosite.Requester) (string, error) {
	sess, err := json.Marshal(req.GetSession())
	if err != nil {
		return "", fmt.Errorf("encode session: %w", err)
	}
	b, err := json.Marshal(storedRequest{
		ID: req.GetID(), RequestedAt: req.GetRequestedAt(), ClientID: req.GetClient().GetID(),
		RequestedScope: req.GetRequestedScopes(), GrantedScope: req.GetGrantedScopes(),
		RequestedAudience: req.GetRequestedAudience(), GrantedAudience: req.GetGrantedAudience(),
		Form: req.GetRequestForm().Encode(), Session: sess,
	})
	if err != nil {
		return "", fmt.Errorf("encode request: %w", err)
	}
	return string(b), nil
}

func (s *Store) decodeRequest(ctx context.Context, data string, session fosite.Session) (*fosite.Request, error) {
	var sr storedRequest
	if err := json.Unmarshal([]byte(data), &sr); err != nil {
		return nil, fmt.Errorf("decode request: %w", err)
	}
	if session == nil {
		session = &Session{}
	}
	if err := json.Unmarshal(sr.Session, session); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	client, err := s.GetClient(context.WithValue(ctx, uniformKey{}, nil), sr.ClientID)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(sr.Form)
	if err != nil {
		return nil, fmt.Errorf("decode form: %w", err)
	}
	return &fosite.Request{
		ID: sr.ID, RequestedAt: sr.RequestedAt, Client: client, Form: form, Session: session,
		RequestedScope: sr.RequestedScope, GrantedScope: sr.GrantedScope,
		RequestedAudience: sr.RequestedAudience, GrantedAudience: sr.GrantedAudience,
	}, nil
}

// tenantOf returns the tenant a request belongs to: its client's.
func tenantOf(req fosite.Requester) string {
	if c, ok := req.GetClient().(fositeClient); ok {
		return c.c.TenantID
	}
	if s, ok := req.GetSession().(*Session); ok {
		return s.TenantID
	}
	return ""
}

// expiry returns the expiry of a token type in req, or now+fallback.
func (s *Store) expiry(req fosite.Requester, t fosite.TokenType, fallback time.Duration) time.Time {
	if e := req.GetSession().GetExpiresAt(t); !e.IsZero() {
		return e.UTC()
	}
	return s.db.Now().Add(fallback)
}
