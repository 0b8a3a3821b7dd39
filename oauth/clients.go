package oauth

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v3"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// ClientService registers and manages OAuth clients per tenant. The CLI
// (`amthub client …`) and the admin API call it.
type ClientService struct {
	db       *sqlstore.DB
	audience string

	mu     sync.Mutex
	recent map[string]cachedClient // lookups of the last few seconds
}

type cachedClient struct {
	c   *Client
	exp time.Time
}

// clientTTL is how long a looked-up client is reused by the token
// endpoint. Changes made through this process apply at once; a secret
// rotated or a client disabled by another hub process applies here within
// this time.
const clientTTL = 2 * time.Second

// NewClientService returns a ClientService on db; defaultAudience is the
// audience of clients created without one (Config.Audience).
func NewClientService(db *sqlstore.DB, defaultAudience string) *ClientService {
	return &ClientService{db: db, audience: defaultAudience, recent: map[string]cachedClient{}}
}

// Create registers a client for tenantID. It returns the client and, for
// clients that authenticate with a secret, the secret: shown this once,
// stored only as a hash.
func (s *ClientService) Create(ctx context.Context, tenantID string, spec ClientSpec) (*Client, string, error) {
	return s.create(ctx, tenantID, hub.NewID(), spec, "")
}

// create stores a client with the given id; secret, if set, is used instead
// of a fresh one (the demo client derives its own).
func (s *ClientService) create(ctx context.Context, tenantID, id string, spec ClientSpec, secret string) (*Client, string, error) {
	if err := spec.normalize(s.audience); err != nil {
		return nil, "", err
	}
	now := s.db.Now()
	c := &Client{
		ID: id, TenantID: tenantID, Name: spec.Name, AuthMethod: spec.AuthMethod,
		GrantTypes: spec.GrantTypes, Scopes: spec.Scopes, RedirectURIs: spec.RedirectURIs,
		Audience: spec.Audience, Region: spec.Region, MinACR: spec.MinACR, JWKS: spec.JWKS,
		CreatedAt: now, UpdatedAt: now,
	}
	if c.Scopes == nil {
		c.Scopes = []string{}
	}
	if c.RedirectURIs == nil {
		c.RedirectURIs = []string{}
	}
	if c.needsSecret() {
		if secret == "" {
			secret = newSecret()
		}
		c.secretHash, _ = secretHasher{}.Hash(ctx, []byte(secret))
	} else {
		secret = ""
	}
	var jwks sql.NullString
	if c.JWKS != nil {
		b, err := json.Marshal(c.JWKS)
		if err != nil {
			return nil, "", hub.FieldError("jwks", "cannot encode: %v", err)
		}
		jwks = sql.NullString{String: string(b), Valid: true}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO oauth_clients (id, tenant_id, name, secret_hash, auth_method,
		grant_types, scopes, redirect_uris, audience, region, min_acr, jwks, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)`,
		c.ID, tenantID, c.Name, c.secretHash, c.AuthMethod, jsonText(c.GrantTypes), jsonText(c.Scopes),
		jsonText(c.RedirectURIs), jsonText(c.Audience), c.Region, c.MinACR, jwks, now)
	if err = sqlstore.Translate(err); err != nil {
		if hub.IsCode(err, hub.EINVALID) {
			return nil, "", &hub.Error{Code: hub.ENOTFOUND, Message: "Tenant not found.", Err: err}
		}
		return nil, "", fmt.Errorf("create client: %w", err)
	}
	return c, secret, nil
}

// List returns the clients of a tenant, oldest first.
func (s *ClientService) List(ctx context.Context, tenantID string) ([]*Client, error) {
	return s.find(ctx, ` WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
}

// Get returns one client of a tenant.
func (s *ClientService) Get(ctx context.Context, tenantID, clientID string) (*Client, error) {
	cs, err := s.find(ctx, ` WHERE tenant_id = $1 AND id = $2`, tenantID, clientID)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, hub.Errorf(hub.ENOTFOUND, "Client not found.")
	}
	return cs[0], nil
}

// lookup returns an enabled client by id, of any tenant: fosite's view.
func (s *ClientService) lookup(ctx context.Context, clientID string) (*Client, error) {
	now := time.Now()
	s.mu.Lock()
	hit, ok := s.recent[clientID]
	s.mu.Unlock()
	if ok && now.Before(hit.exp) {
		return hit.c, nil
	}
	cs, err := s.find(ctx, ` WHERE id = $1 AND disabled_at IS NULL`, clientID)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, hub.Errorf(hub.ENOTFOUND, "Client not found.")
	}
	s.mu.Lock()
	if len(s.recent) > 10_000 {
		clear(s.recent)
	}
	s.recent[clientID] = cachedClient{c: cs[0], exp: now.Add(clientTTL)}
	s.mu.Unlock()
	return cs[0], nil
}

func (s *ClientService) forget(clientID string) {
	s.mu.Lock()
	delete(s.recent, clientID)
	s.mu.Unlock()
}

// RotateSecret replaces a client's secret and returns the new one, shown
// this once. The old secret stops working at once.
func (s *ClientService) RotateSecret(ctx context.Context, tenantID, clientID string) (string, error) {
	c, err := s.Get(ctx, tenantID, clientID)
	if err != nil {
		return "", err
	}
	if !c.needsSecret() {
		return "", hub.Errorf(hub.EINVALID, "The client authenticates without a shared secret.")
	}
	secret := newSecret()
	if err := s.setSecret(ctx, tenantID, clientID, secret); err != nil {
		return "", err
	}
	return secret, nil
}

func (s *ClientService) setSecret(ctx context.Context, tenantID, clientID, secret string) error {
	h, _ := secretHasher{}.Hash(ctx, []byte(secret))
	defer s.forget(clientID)
	res, err := s.db.ExecContext(ctx, `UPDATE oauth_clients SET secret_hash = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4`,
		h, s.db.Now(), tenantID, clientID)
	if err != nil {
		return fmt.Errorf("set client secret: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return hub.Errorf(hub.ENOTFOUND, "Client not found.")
	}
	return nil
}

// Disable switches a client off: it can no longer get tokens, and its
// refresh tokens stop working. Disabling twice is not an error.
func (s *ClientService) Disable(ctx context.Context, tenantID, clientID string) error {
	now := s.db.Now()
	defer s.forget(clientID)
	res, err := s.db.ExecContext(ctx, `UPDATE oauth_clients SET disabled_at = COALESCE(disabled_at, $1), updated_at = $1
		WHERE tenant_id = $2 AND id = $3`, now, tenantID, clientID)
	if err != nil {
		return fmt.Errorf("disable client: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return hub.Errorf(hub.ENOTFOUND, "Client not found.")
	}
	return nil
}

func (s *ClientService) find(ctx context.Context, where string, args ...any) ([]*Client, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, tenant_id, name, secret_hash, auth_method, grant_types, scopes,
		redirect_uris, audience, region, min_acr, jwks, disabled_at, created_at, updated_at FROM oauth_clients`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("find clients: %w", err)
	}
	defer rows.Close()
	var out []*Client
	for rows.Next() {
		c := &Client{}
		var grants, scopes, redirects, aud string
		var jwks sql.NullString
		var disabled sql.NullTime
		if err := rows.Scan(&c.ID, &c.TenantID, &c.Name, &c.secretHash, &c.AuthMethod, &grants, &scopes,
			&redirects, &aud, &c.Region, &c.MinACR, &jwks, &disabled, &c.CreatedAt, &c.UpdatedAt); err != nil {
			return nil, fmt.Errorf("scan client: %w", err)
		}
		for _, f := range []struct {
			src string
			dst *[]string
		}{{grants, &c.GrantTypes}, {scopes, &c.Scopes}, {redirects, &c.RedirectURIs}, {aud, &c.Audience}} {
			if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
				return nil, fmt.Errorf("decode client %s: %w", c.ID, err)
			}
		}
		if jwks.Valid {
			c.JWKS = &jose.JSONWebKeySet{}
			if err := json.Unmarshal([]byte(jwks.String), c.JWKS); err != nil {
				return nil, fmt.Errorf("decode client %s jwks: %w", c.ID, err)
			}
		}
		if disabled.Valid {
			t := disabled.Time
			c.DisabledAt = &t
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// jsonText encodes v as a JSON string for a JSONB column.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("oauth: encode %T: %v", v, err)) // only plain slices and maps are passed
	}
	return string(b)
}
