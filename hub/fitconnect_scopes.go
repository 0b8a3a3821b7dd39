package hub

import (
	"regexp"
	"strings"
)

// FIT-Connect's OAuth scopes, as its Submission API document names them.
// The hub's OAuth server issues them to clients registered for them; the
// FIT-Connect surface checks them per destination.
const (
	// ScopeFITSendRegion + an ARS prefix ("send:region:DE14") lets a
	// sender submit to destinations serving an area in that region.
	ScopeFITSendRegion = "send:region:DE"
	// ScopeFITSendDestination + a destination id lets a sender submit to
	// that destination.
	ScopeFITSendDestination = "send:destination:"
	// ScopeFITSubscribe + a destination id lets a subscriber fetch the
	// destination's submissions and accept or reject them.
	ScopeFITSubscribe = "subscribe:destination:"
	// ScopeFITManage + a destination id lets a subscriber register the
	// destination's keys.
	ScopeFITManage = "manage:destination:"
)

var fitScopePattern = regexp.MustCompile(`^(send:region:DE[0-9]{0,12}|` +
	`(send|subscribe|manage):destination:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)

// ValidFITConnectScope reports whether s is one of FIT-Connect's scopes
// the hub issues.
func ValidFITConnectScope(s string) bool { return fitScopePattern.MatchString(s) }

// FITConnectRegions returns the ARS prefixes of the principal's
// send:region scopes ("" for send:region:DE, all of Germany).
func (p *Principal) FITConnectRegions() []string {
	var out []string
	for _, s := range p.Scopes {
		if r, ok := strings.CutPrefix(s, ScopeFITSendRegion); ok && ValidFITConnectScope(s) {
			out = append(out, r)
		}
	}
	return out
}

// FITConnectDestinations returns the destination ids named by the
// principal's scopes with prefix (ScopeFITSubscribe, ScopeFITManage or
// ScopeFITSendDestination).
func (p *Principal) FITConnectDestinations(prefix string) []string {
	var out []string
	for _, s := range p.Scopes {
		if id, ok := strings.CutPrefix(s, prefix); ok && ValidFITConnectScope(s) {
			out = append(out, id)
		}
	}
	return out
}

// IsFITConnectSender reports whether the principal holds any of
// FIT-Connect's send scopes.
func (p *Principal) IsFITConnectSender() bool {
	return len(p.FITConnectRegions()) > 0 || len(p.FITConnectDestinations(ScopeFITSendDestination)) > 0
}
