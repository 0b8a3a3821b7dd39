package portal

import "github.com/go-chi/chi/v5"

// Mailbox is what the portal needs of the hub's mailbox service (to be filled in).
type Mailbox interface{}

// mailboxPages mounts the mailbox pages of the service account (to be filled in).
func (p *Portal) mailboxPages(r chi.Router) {}
