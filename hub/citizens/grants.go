package citizens

import (
	"time"

	"github.com/amthub/amthub/hub"
)

// Login is a citizen's login as one surface reports it to another: the
// portal's session, recognised by the OAuth server's authorization
// endpoint on the same host, so the citizen is not asked again.
type Login struct {
	TenantID  string
	CitizenID string
	Name      string
	ACR       string // assurance level of the login (hub.ACR…); "" is normal (password)
	AuthTime  time.Time
}

// Consent is what a citizen allowed one application: the scopes of the
// citizen's live grants to that client (authorization code grants whose
// refresh token still works), and since when. The OAuth server keeps the
// grants; the portal lists them for the citizen to withdraw.
type Consent struct {
	ClientID   string
	ClientName string
	// Scopes are the granted scopes, openid first, then in the order of
	// the discovery document; ScopeText names them in German.
	Scopes []string
	// Since is when the oldest live grant was given.
	Since time.Time
	// Grants is the number of live grants (one per consent given).
	Grants int
}

// ScopeText names a scope in German for citizens ("Ihre Stammdaten (Name,
// Anschrift) lesen"), on the consent page and in the list of consents; an
// unknown scope comes back as it is.
func ScopeText(scope string) string {
	switch scope {
	case "openid":
		return "Ihre Kennung im Servicekonto"
	case hub.ScopeProfileRead:
		return "Ihre Stammdaten (Name, Anschrift) lesen"
	case hub.ScopeSubmissionsWrite:
		return "Anträge in Ihrem Namen einreichen"
	case hub.ScopeSubmissionsRead:
		return "Ihre Anträge einsehen"
	case hub.ScopeEventsRead:
		return "den Bearbeitungsstand Ihrer Anträge einsehen"
	case hub.ScopeMailboxSend:
		return "Nachrichten an Ihr Postfach senden"
	case hub.ScopePaymentsWrite:
		return "Zahlungen für Ihre Anträge anlegen"
	case hub.ScopeRoutesRead:
		return "zuständige Stellen ermitteln"
	case hub.ScopeRegistersQuery:
		return "Auskünfte aus Registern einholen"
	}
	return scope
}
