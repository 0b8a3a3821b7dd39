package portal

import "github.com/go-chi/chi/v5"

// Payments is what the portal needs of the hub's payments service (to be filled in).
type Payments interface{}

// paymentPages mounts the payments pages of the service account (to be filled in).
func (p *Portal) paymentPages(r chi.Router) {}
