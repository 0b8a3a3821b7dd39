package portal

import "github.com/go-chi/chi/v5"

// Consents is what the portal needs of the hub's consents service (to be filled in).
type Consents interface{}

// consentPages mounts the consents pages of the service account (to be filled in).
func (p *Portal) consentPages(r chi.Router) {}
