package saml

import (
	"slices"

	crewsaml "github.com/crewjam/saml"

	"github.com/amthub/amthub/hub"
)

// The eIDAS levels of assurance the hub's levels map to.
const (
	LoALow         = "http://eidas.europa.eu/LoA/low"
	LoASubstantial = "http://eidas.europa.eu/LoA/substantial"
	LoAHigh        = "http://eidas.europa.eu/LoA/high"
)

var loaStrengths = map[string]int{LoALow: 1, LoASubstantial: 2, LoAHigh: 3}

var loaByACR = map[string]string{hub.ACRNormal: LoALow, hub.ACRSubstantial: LoASubstantial, hub.ACRHigh: LoAHigh}

// loaOf maps a hub level to its eIDAS LoA (normal is low).
func loaOf(acr string) string {
	if l, ok := loaByACR[acr]; ok {
		return l
	}
	return LoALow
}

// requiredACR is the lowest hub level that can satisfy the requested
// context: for "exact" and "minimum" the weakest eIDAS class named, for
// anything else (or none) normal. crewjam then checks the asserted class
// against the request with its comparison.
func requiredACR(rac *crewsaml.RequestedAuthnContext) string {
	if rac == nil || (rac.Comparison != "" && rac.Comparison != "exact" && rac.Comparison != "minimum") {
		return hub.ACRNormal
	}
	need, best := hub.ACRNormal, 0
	refs := rac.AuthnContextClassRefs
	if len(refs) == 0 && rac.AuthnContextClassRef != "" {
		refs = []string{rac.AuthnContextClassRef}
	}
	for acr, loa := range loaByACR {
		if slices.Contains(refs, loa) && (best == 0 || loaStrengths[loa] < best) {
			need, best = acr, loaStrengths[loa]
		}
	}
	return need
}
