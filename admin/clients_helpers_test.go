package admin_test

import (
	"context"
	"testing"

	"github.com/amthub/amthub/admin"
	"github.com/amthub/amthub/oauth"
)

// oauthClients puts the real oauth.ClientService behind admin.Clients, as
// cmd/amthub's adminClients does (admin may not import oauth outside its
// tests).
type oauthClients struct{ s *oauth.ClientService }

func (c oauthClients) List(ctx context.Context, tenantID string) ([]admin.OAuthClient, error) {
	cs, err := c.s.List(ctx, tenantID)
	out := make([]admin.OAuthClient, 0, len(cs))
	for _, cl := range cs {
		out = append(out, admin.OAuthClient{ID: cl.ID, Name: cl.Name, AuthMethod: cl.AuthMethod, Scopes: cl.Scopes, Disabled: cl.DisabledAt != nil})
	}
	return out, err
}

func (c oauthClients) Create(ctx context.Context, tenantID, name string, scopes []string) (admin.OAuthClient, string, error) {
	cl, secret, err := c.s.Create(ctx, tenantID, oauth.ClientSpec{Name: name, Scopes: scopes})
	if err != nil {
		return admin.OAuthClient{}, "", err
	}
	return admin.OAuthClient{ID: cl.ID, Name: cl.Name, AuthMethod: cl.AuthMethod, Scopes: cl.Scopes}, secret, nil
}

func (c oauthClients) RotateSecret(ctx context.Context, tenantID, clientID string) (string, error) {
	return c.s.RotateSecret(ctx, tenantID, clientID)
}

func (c oauthClients) Disable(ctx context.Context, tenantID, clientID string) error {
	return c.s.Disable(ctx, tenantID, clientID)
}

// client registers a client in tenant A: a target for the client routes.
func (f *fixture) client(t *testing.T) string {
	t.Helper()
	c, _, err := f.svc.Clients.Create(context.Background(), f.a, "Fachsoftware", []string{"routes:read"})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}
