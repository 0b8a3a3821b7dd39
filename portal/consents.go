package portal

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/citizens"
)

// Consents is what the portal needs of the OAuth server's consents
// (oauth.ConsentService, wired in cmd/amthub): the applications a citizen allowed access, and
// withdrawing that.
type Consents interface {
	List(ctx context.Context, tenantID, citizenID string) ([]citizens.Consent, error)
	Revoke(ctx context.Context, tenantID, citizenID, clientID string) error
}

// consentPages mounts the citizen's granted consents
// (/konto/einwilligungen) and their revoke.
func (p *Portal) consentPages(r chi.Router) {
	if p.svc.Consents == nil {
		return
	}
	r.Get("/konto/einwilligungen", p.consentsPage)
	r.With(p.requireCSRF).Post("/konto/einwilligungen/widerrufen", p.revokeConsent)
}

// consentView is one application's access as the page shows it.
type consentView struct {
	ClientID, ClientName string
	Scopes               []string // in German
	Since, SinceTime     string
}

func (p *Portal) consentsPage(w http.ResponseWriter, r *http.Request) {
	s, ok := p.requireLogin(w, r)
	if !ok {
		return
	}
	list, err := p.svc.Consents.List(r.Context(), s.TenantID, s.CitizenID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	views := make([]consentView, 0, len(list))
	for _, c := range list {
		v := consentView{ClientID: c.ClientID, ClientName: c.ClientName,
			Since: c.Since.In(berlin).Format("02.01.2006, 15:04 Uhr"), SinceTime: c.Since.UTC().Format(time.RFC3339)}
		for _, sc := range c.Scopes {
			v.Scopes = append(v.Scopes, citizens.ScopeText(sc))
		}
		views = append(views, v)
	}
	p.render(w, r, http.StatusOK, "consents", "Meine Einwilligungen",
		map[string]any{"Consents": views, "Revoked": r.URL.Query().Get("widerrufen") == "1"})
}

func (p *Portal) revokeConsent(w http.ResponseWriter, r *http.Request) {
	s, ok := p.requireLogin(w, r)
	if !ok {
		return
	}
	client := strings.TrimSpace(r.PostFormValue("client_id"))
	if client == "" || len(client) > 200 {
		p.fail(w, r, &hub.Error{Code: hub.ENOTFOUND, Kind: "consent_not_found", Message: "Diese Einwilligung gibt es nicht oder nicht mehr."})
		return
	}
	if err := p.svc.Consents.Revoke(r.Context(), s.TenantID, s.CitizenID, client); err != nil {
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/konto/einwilligungen?widerrufen=1", http.StatusSeeOther)
}
