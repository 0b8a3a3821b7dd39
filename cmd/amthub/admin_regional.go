package main

import (
	"context"

	"github.com/amthub/amthub/portal"
)

// stateTexts gives the AdminCenter the state's text of a service from
// the portal's catalogue (admin.StateTexts).
type stateTexts struct{ store *portal.CatalogueStore }

// StateText returns the service's name and its text by section.
func (s stateTexts) StateText(ctx context.Context, tenantID, leikaKey string) (string, map[string]string, error) {
	svc, err := s.store.Service(ctx, tenantID, leikaKey)
	if err != nil {
		return "", nil, err
	}
	out := map[string]string{}
	for _, sec := range svc.Sections(nil) {
		out[sec.Key] = sec.Text
	}
	return svc.Name, out, nil
}
