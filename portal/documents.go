package portal

import "github.com/go-chi/chi/v5"

// documentPages mounts the documents pages of the service account (to be filled in).
func (p *Portal) documentPages(r chi.Router) {}
