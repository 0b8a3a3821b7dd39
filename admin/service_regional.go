package admin

import (
	"context"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/catalogue"
)

// StateTexts gives the state's text of a service, section by section
// (keys as catalogue.Sections), and its name. The portal holds the
// services' texts; cmd/amthub wires it. A service the portal does not
// know is hub.ENOTFOUND.
type StateTexts interface {
	StateText(ctx context.Context, tenantID, leikaKey string) (name string, sections map[string]string, err error)
}

// RegionalTexts returns a service's regional texts, each section next to
// the state's text with a word diff, for anyone who may edit the
// catalogue somewhere in the tenant. name is the service's name, empty
// when the portal does not know the service (then the state's text is
// empty too).
func (s *Service) RegionalTexts(ctx context.Context, a *Actor, tenantID, leikaKey string) (name string, texts []catalogue.RegionalText, err error) {
	if _, err := s.Tenant(ctx, a, tenantID); err != nil {
		return "", nil, err
	}
	if !a.May(access.CatalogueEdit, access.Resource{TenantID: tenantID, AnyUnit: true}) {
		return "", nil, forbidden()
	}
	if !hub.ValidLeikaKey(leikaKey) {
		return "", nil, hub.FieldError("leistung", "Bitte geben Sie einen Leistungsschlüssel (LeiKa) mit 14 Ziffern an, beginnend mit 99.")
	}
	var state map[string]string
	if s.StateTexts != nil {
		name, state, err = s.StateTexts.StateText(ctx, tenantID, leikaKey)
		if err != nil && !hub.IsCode(err, hub.ENOTFOUND) {
			return "", nil, err
		}
	}
	texts, err = s.Catalogue.RegionalTexts(ctx, tenantID, leikaKey, state)
	return name, texts, err
}
