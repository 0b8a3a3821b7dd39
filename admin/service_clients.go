package admin

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/sqlstore"
)

// OAuthClient is a vendor's OAuth client as the AdminCenter shows it; it
// never carries a secret or its hash.
type OAuthClient struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	AuthMethod string    `json:"authMethod"`
	Scopes     []string  `json:"scopes"`
	Disabled   bool      `json:"disabled"`
	CreatedAt  time.Time `json:"createdAt"`
}

// Clients is what the AdminCenter needs of a tenant's OAuth clients
// (oauth.ClientService, adapted in cmd/amthub). Create and RotateSecret
// return the secret, to be shown once.
type Clients interface {
	List(ctx context.Context, tenantID string) ([]OAuthClient, error)
	Create(ctx context.Context, tenantID, name string, scopes []string) (OAuthClient, string, error)
	RotateSecret(ctx context.Context, tenantID, clientID string) (string, error)
	Disable(ctx context.Context, tenantID, clientID string) error
}

// VendorScopes are the scopes the AdminCenter offers for a vendor's
// client, with their German labels.
var VendorScopes = []struct{ Scope, Label string }{
	{hub.ScopeRoutesRead, "Zuständigkeiten abfragen (routes:read)"},
	{hub.ScopeSubmissionsWrite, "Anträge einreichen (submissions:write)"},
	{hub.ScopeSubmissionsRead, "Anträge lesen (submissions:read)"},
	{hub.ScopeEventsRead, "Ereignisse lesen (events:read)"},
}

// mayClients checks the right on a tenant's clients: 404 for a tenant the
// actor does not see, 403 without the right on some unit of the tenant
// (clients belong to the tenant; a client manager's grant is on a unit).
func (s *Service) mayClients(ctx context.Context, a *Actor, tenantID string) (*hub.Tenant, error) {
	t, err := s.Tenant(ctx, a, tenantID)
	if err != nil {
		return nil, err
	}
	if !a.May(access.ClientsManage, access.Resource{TenantID: tenantID, AnyUnit: true}) {
		return nil, forbidden()
	}
	return t, nil
}

// ListClients returns a tenant's OAuth clients.
func (s *Service) ListClients(ctx context.Context, a *Actor, tenantID string) ([]OAuthClient, error) {
	if _, err := s.mayClients(ctx, a, tenantID); err != nil {
		return nil, err
	}
	return s.Clients.List(ctx, tenantID)
}

// CreateClient registers a client authenticating with a secret, for the
// scopes chosen from VendorScopes, and returns it with its secret, shown
// this once.
func (s *Service) CreateClient(ctx context.Context, a *Actor, tenantID, name string, scopes []string) (OAuthClient, string, error) {
	if _, err := s.mayClients(ctx, a, tenantID); err != nil {
		return OAuthClient{}, "", err
	}
	name = strings.TrimSpace(name)
	var errs []error
	if name == "" || utf8.RuneCountInString(name) > 200 {
		errs = append(errs, &hub.Error{Code: hub.EINVALID, Kind: "client_name", Field: "name", Message: "Bitte geben Sie einen Namen mit 1–200 Zeichen an."})
	}
	if len(scopes) == 0 || slices.ContainsFunc(scopes, func(sc string) bool {
		return !slices.ContainsFunc(VendorScopes, func(v struct{ Scope, Label string }) bool { return v.Scope == sc })
	}) {
		errs = append(errs, &hub.Error{Code: hub.EINVALID, Kind: "client_scopes", Field: "scopes", Message: "Bitte wählen Sie mindestens eine der angebotenen Berechtigungen."})
	}
	if len(errs) > 0 {
		return OAuthClient{}, "", errors.Join(errs...)
	}
	c, secret, err := s.Clients.Create(ctx, tenantID, name, scopes)
	if err != nil {
		return OAuthClient{}, "", err
	}
	return c, secret, s.recordAfter(ctx, a, tenantID, "client.created", c.ID, nil, c)
}

// RotateClientSecret gives a client a new secret, shown this once; the
// old one stops working at once.
func (s *Service) RotateClientSecret(ctx context.Context, a *Actor, tenantID, clientID string) (string, error) {
	c, err := s.client(ctx, a, tenantID, clientID)
	if err != nil {
		return "", err
	}
	secret, err := s.Clients.RotateSecret(ctx, tenantID, clientID)
	if err != nil {
		return "", err
	}
	return secret, s.recordAfter(ctx, a, tenantID, "client.secret_rotated", clientID, nil, c)
}

// DisableClient switches a client off.
func (s *Service) DisableClient(ctx context.Context, a *Actor, tenantID, clientID string) error {
	c, err := s.client(ctx, a, tenantID, clientID)
	if err != nil {
		return err
	}
	if err := s.Clients.Disable(ctx, tenantID, clientID); err != nil {
		return err
	}
	after := c
	after.Disabled = true
	return s.recordAfter(ctx, a, tenantID, "client.disabled", clientID, c, after)
}

// client returns one client of the tenant the actor may manage.
func (s *Service) client(ctx context.Context, a *Actor, tenantID, clientID string) (OAuthClient, error) {
	cs, err := s.ListClients(ctx, a, tenantID)
	if err != nil {
		return OAuthClient{}, err
	}
	for _, c := range cs {
		if c.ID == clientID {
			return c, nil
		}
	}
	return OAuthClient{}, notFound("Client")
}

// recordAfter records the audit entry of a change the clients' store made
// in its own transaction (oauth.ClientService takes no transaction), right
// after it.
func (s *Service) recordAfter(ctx context.Context, a *Actor, tenantID, action, id string, before, after any) error {
	return s.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		return s.record(ctx, tx, a, tenantID, action, "oauth_client", id, before, after)
	})
}
