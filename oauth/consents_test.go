package oauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/oauth"
)

// TestConsents holds the citizen's list of granted consents and its revoke
// to their contract on SQLite and PostgreSQL: grants of one client show as
// one consent; revoking ends the refresh-token family (the client's next
// refresh fails) and the access tokens (the resource middleware refuses
// them); another citizen's or tenant's revoke finds nothing.
func TestConsents(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, d.Open(t), nil)
			consents := e.p.Consents()
			citizen, err := e.p.Citizens.FindByEmail(ctx, e.tenant, e.demo.Citizen.Email)
			if err != nil {
				t.Fatal(err)
			}
			other, err := e.p.Citizens.Create(ctx, e.tenant, "other-"+hub.NewID()+"@example.org", "ein-anderes-geheimnis", "Max Muster")
			if err != nil {
				t.Fatal(err)
			}
			client := e.demo.Portal.ClientID

			if list, err := consents.List(ctx, e.tenant, citizen.ID); err != nil || len(list) != 0 {
				t.Fatalf("before any grant: %v, %v; want none", list, err)
			}
			first := e.grant()
			second := e.grant()

			t.Run("ListOnePerClient", func(t *testing.T) {
				list, err := consents.List(ctx, e.tenant, citizen.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(list) != 1 {
					t.Fatalf("consents %+v, want one for %s", list, client)
				}
				c := list[0]
				if c.ClientID != client || c.ClientName != "Demo-Portal" || c.Grants != 2 || c.Since.IsZero() {
					t.Errorf("consent %+v", c)
				}
				if want := []string{"openid", hub.ScopeProfileRead}; !slices.Equal(c.Scopes, want) {
					t.Errorf("scopes %v, want %v", c.Scopes, want)
				}
				if got := oauth.ScopeText(hub.ScopeProfileRead); got != "Ihre Stammdaten (Name, Anschrift) lesen" {
					t.Errorf("scope text %q", got)
				}
			})
			t.Run("OthersSeeNothing", func(t *testing.T) {
				if list, err := consents.List(ctx, e.tenant, other.ID); err != nil || len(list) != 0 {
					t.Errorf("another citizen's list: %+v, %v", list, err)
				}
				if list, err := consents.List(ctx, hubtest.MustTenant(t, e.db), citizen.ID); err != nil || len(list) != 0 {
					t.Errorf("another tenant's list: %+v, %v", list, err)
				}
			})
			t.Run("ErrOtherCitizenRevokes", func(t *testing.T) {
				if err := consents.Revoke(ctx, e.tenant, other.ID, client); !hub.IsCode(err, hub.ENOTFOUND) {
					t.Fatalf("revoke by another citizen: %v, want ENOTFOUND", err)
				}
				if err := consents.Revoke(ctx, hubtest.MustTenant(t, e.db), citizen.ID, client); !hub.IsCode(err, hub.ENOTFOUND) {
					t.Fatalf("revoke in another tenant: %v, want ENOTFOUND", err)
				}
				if got := e.resource(first.AccessToken); got != http.StatusOK {
					t.Fatalf("after refused revokes the access token gets %d, want 200", got)
				}
				tr := e.refresh(client, first.RefreshToken)
				if tr.Status != http.StatusOK || tr.RefreshToken == "" {
					t.Fatalf("after refused revokes the refresh gets %d %q", tr.Status, tr.Error)
				}
				first = tr
			})
			t.Run("Revoke", func(t *testing.T) {
				if err := consents.Revoke(ctx, e.tenant, citizen.ID, client); err != nil {
					t.Fatal(err)
				}
				for name, g := range map[string]tokenResponse{"first": first, "second": second} {
					if got := e.resource(g.AccessToken); got != http.StatusUnauthorized {
						t.Errorf("%s grant's access token gets %d after revoke, want 401", name, got)
					}
					if tr := e.refresh(client, g.RefreshToken); tr.Status == http.StatusOK || tr.AccessToken != "" || tr.Error != "invalid_grant" {
						t.Errorf("%s grant's refresh after revoke: %d %q, want invalid_grant", name, tr.Status, tr.Error)
					}
				}
				if list, err := consents.List(ctx, e.tenant, citizen.ID); err != nil || len(list) != 0 {
					t.Errorf("after revoke: %+v, %v; want none", list, err)
				}
				if err := consents.Revoke(ctx, e.tenant, citizen.ID, client); !hub.IsCode(err, hub.ENOTFOUND) {
					t.Errorf("second revoke: %v, want ENOTFOUND", err)
				}
			})
			t.Run("NewConsentAfterRevoke", func(t *testing.T) {
				g := e.grant()
				if got := e.resource(g.AccessToken); got != http.StatusOK {
					t.Fatalf("new grant's access token gets %d", got)
				}
				if list, err := consents.List(ctx, e.tenant, citizen.ID); err != nil || len(list) != 1 || list[0].Grants != 1 {
					t.Fatalf("after a new consent: %+v, %v", list, err)
				}
			})
		})
	}
}

// grant runs the demo citizen's login and consent for the demo portal and
// redeems the code.
func (e *env) grant() tokenResponse {
	e.t.Helper()
	code, verifier := e.codeFlow()
	tr := e.redeem(e.demo.Portal.ClientID, code, verifier, e.demo.Portal.RedirectURI)
	if tr.Status != http.StatusOK || tr.AccessToken == "" || tr.RefreshToken == "" {
		e.t.Fatalf("redeem: %d %q", tr.Status, tr.Error)
	}
	return tr
}

// resource calls a resource endpoint behind the verifier's middleware
// with token and returns the status.
func (e *env) resource(token string) int {
	e.t.Helper()
	h := e.p.Verifier.Require()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	req := httptest.NewRequest(http.MethodGet, "/api/anything", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}
