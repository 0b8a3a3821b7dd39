package main

import (
	"context"

	"github.com/amthub/amthub/admin"
	"github.com/amthub/amthub/oauth"
)

// adminClients adapts oauth.ClientService to the AdminCenter's Clients
// (admin may not import oauth).
type adminClients struct{ s *oauth.ClientService }

func (c adminClients) List(ctx context.Context, tenantID string) ([]admin.OAuthClient, error) {
	cs, err := c.s.List(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := make([]admin.OAuthClient, 0, len(cs))
	for _, cl := range cs {
		out = append(out, adminClient(cl))
	}
	return out, nil
}

func (c adminClients) Create(ctx context.Context, tenantID, name string, scopes []string) (admin.OAuthClient, string, error) {
	cl, secret, err := c.s.Create(ctx, tenantID, oauth.ClientSpec{Name: name, Scopes: scopes, AuthMethod: oauth.AuthSecretBasic})
	if err != nil {
		return admin.OAuthClient{}, "", err
	}
	return adminClient(cl), secret, nil
}

func (c adminClients) RotateSecret(ctx context.Context, tenantID, clientID string) (string, error) {
	return c.s.RotateSecret(ctx, tenantID, clientID)
}

func (c adminClients) Disable(ctx context.Context, tenantID, clientID string) error {
	return c.s.Disable(ctx, tenantID, clientID)
}

func adminClient(c *oauth.Client) admin.OAuthClient {
	return admin.OAuthClient{ID: c.ID, Name: c.Name, AuthMethod: c.AuthMethod, Scopes: c.Scopes,
		Disabled: c.DisabledAt != nil, CreatedAt: c.CreatedAt}
}
