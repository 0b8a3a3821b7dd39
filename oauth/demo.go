package oauth

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/amthub/amthub/hub"
)

// DemoCredentials are the sandbox logins `amthub dev` prints and writes to
// demo.json. Its JSON form is that file's shape.
type DemoCredentials struct {
	Vendor struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	} `json:"vendor"`
	Portal struct {
		ClientID    string `json:"client_id"`
		RedirectURI string `json:"redirect_uri"`
	} `json:"portal"`
	Citizen struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	} `json:"citizen"`
}

// DemoCitizenEmail is the demo citizen's login.
const DemoCitizenEmail = "erika.mustermann@demo.amthub.test"

// SeedDemo registers, for tenantID, a demo vendor client (client
// credentials, every vendor scope), a public demo portal client
// (authorization code + PKCE) and a demo citizen, and returns their
// credentials. It is idempotent, and the secrets are stable across
// restarts without being stored: they are derived with HMAC from the
// issuer's secret, which lives (encrypted when configured) in the
// database. A new database gives new secrets. Never log the result.
func (p *Provider) SeedDemo(ctx context.Context, tenantID string) (DemoCredentials, error) {
	var d DemoCredentials
	d.Vendor.ClientID = "demo-vendor-" + tenantID
	d.Vendor.ClientSecret = p.derived("vendor-secret/" + tenantID)
	d.Portal.ClientID = "demo-portal-" + tenantID
	d.Portal.RedirectURI = p.cfg.Issuer + "/portal/callback"
	d.Citizen.Email = DemoCitizenEmail
	d.Citizen.Password = p.derived("citizen-password/" + tenantID)[:20]

	vendor := ClientSpec{Name: "Demo-Antragsmanager", Scopes: []string{
		hub.ScopeRoutesRead, hub.ScopeSubmissionsWrite, hub.ScopeSubmissionsRead, hub.ScopeEventsRead,
		hub.ScopeMailboxSend, hub.ScopePaymentsWrite, hub.ScopeRegistersQuery,
	}}
	if err := p.ensureClient(ctx, tenantID, d.Vendor.ClientID, vendor, d.Vendor.ClientSecret); err != nil {
		return d, err
	}
	portal := ClientSpec{Name: "Demo-Portal", AuthMethod: AuthNone,
		GrantTypes:   []string{GrantAuthorizationCode, GrantRefreshToken},
		Scopes:       []string{"openid", hub.ScopeProfileRead, hub.ScopeSubmissionsRead, hub.ScopeEventsRead},
		RedirectURIs: []string{d.Portal.RedirectURI}}
	if err := p.ensureClient(ctx, tenantID, d.Portal.ClientID, portal, ""); err != nil {
		return d, err
	}
	if _, err := p.Citizens.FindByEmail(ctx, tenantID, d.Citizen.Email); hub.IsCode(err, hub.ENOTFOUND) {
		if _, err := p.Citizens.Create(ctx, tenantID, d.Citizen.Email, d.Citizen.Password, "Erika Mustermann"); err != nil {
			return d, fmt.Errorf("seed demo citizen: %w", err)
		}
	} else if err != nil {
		return d, fmt.Errorf("seed demo citizen: %w", err)
	}
	return d, nil
}

func (p *Provider) ensureClient(ctx context.Context, tenantID, id string, spec ClientSpec, secret string) error {
	_, err := p.Clients.Get(ctx, tenantID, id)
	switch {
	case hub.IsCode(err, hub.ENOTFOUND):
		if _, _, err := p.Clients.create(ctx, tenantID, id, spec, secret); err != nil {
			return fmt.Errorf("seed demo client: %w", err)
		}
	case err != nil:
		return fmt.Errorf("seed demo client: %w", err)
	case secret != "":
		// Someone may have rotated it; the demo secret is the derived one.
		if err := p.Clients.setSecret(ctx, tenantID, id, secret); err != nil {
			return fmt.Errorf("seed demo client: %w", err)
		}
	}
	return nil
}

func (p *Provider) derived(label string) string {
	return base64.RawURLEncoding.EncodeToString(p.mac("demo", label))
}

// SeedDemoClient registers, for tenantID, a demo client id with the
// scopes (client credentials, secret in the request body as FIT-Connect's
// clients send it), and returns its secret, derived like the demo vendor's.
// It is idempotent. Never log the result.
func (p *Provider) SeedDemoClient(ctx context.Context, tenantID, id, name string, scopes []string) (string, error) {
	secret := p.derived("client-secret/" + tenantID + "/" + id)
	spec := ClientSpec{Name: name, AuthMethod: AuthSecretPost, Scopes: scopes}
	if err := p.ensureClient(ctx, tenantID, id, spec, secret); err != nil {
		return "", err
	}
	return secret, nil
}
