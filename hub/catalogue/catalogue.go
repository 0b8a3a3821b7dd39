// Package catalogue is the hub's one catalogue, in the PVOG/XZuFi model:
// areas (keyed by ARS), organisational units (authorities, a tree per
// tenant), responsibilities (service × area → organisational unit, with an
// optional regional text) and destinations (a unit's technical endpoint for
// one or more services). The portal's finder, GET /v1/routes and the "why
// no route" problem all read the same rows through Store.Responsible.
//
// The services' texts and their search index stay with the portal for now
// (portal_services and its derived search tables).
package catalogue

import (
	"encoding/json"
	"strings"
)

// OrgUnit is an organisational unit (Organisationseinheit): an authority
// or a part of one. The JSON names are those of the import format.
type OrgUnit struct {
	ID string `json:"id"`
	// ParentID is the unit this one belongs to, if any (a tree per tenant).
	ParentID     string  `json:"uebergeordnet,omitempty"`
	Name         string  `json:"name"`
	Address      Address `json:"anschrift"`
	OpeningHours string  `json:"oeffnungszeiten"`
	Contact      Contact `json:"kommunikation"`
}

// Address is a postal address.
type Address struct {
	Street   string `json:"strasse"`
	Postcode string `json:"plz"`
	City     string `json:"ort"`
}

// Contact is how to reach an organisational unit.
type Contact struct {
	Phone   string `json:"telefon,omitempty"`
	Email   string `json:"email,omitempty"`
	Website string `json:"web,omitempty"`
}

// Responsibility says that an organisational unit serves a service in every
// area whose ARS starts with ARSPrefix; the longest prefix wins.
type Responsibility struct {
	LeikaKey  string `json:"leikaKey"`
	ARSPrefix string `json:"arsPrefix"`
	OrgUnitID string `json:"orgUnitId"`
	// OnlineURL is the unit's own online procedure for the service, if any.
	OnlineURL string `json:"onlineUrl,omitempty"`
	// Notes are regional differences to the service's text, by section
	// (see Sections).
	Notes map[string]string `json:"notes,omitempty"`
}

// Sections returns the sections of a service's text, in display order;
// they are the keys of a responsibility's regional Notes.
func Sections() []string {
	return []string{"volltext", "voraussetzungen", "verfahrensablauf", "fristen", "unterlagen", "kosten", "rechtsgrundlage"}
}

// Match is the responsibility that applies to a service in one area, with
// its organisational unit.
type Match struct {
	ARSPrefix string
	Unit      OrgUnit
	OnlineURL string
	Notes     map[string]string
}

// Place is an area citizens pick: a municipality, district or the state.
type Place struct {
	ARS      string `json:"ars"`
	Name     string `json:"name"`
	Level    string `json:"level"`
	Postcode string `json:"postcode,omitempty"`
}

// arsPrefixes returns every prefix of an ARS that a responsibility can
// name, longest first.
func arsPrefixes(ars string) []any {
	out := make([]any, 0, 11)
	for n := len(ars); n >= 2; n-- {
		out = append(out, ars[:n])
	}
	return out
}

// escapeLike makes s match literally in a LIKE pattern (no ESCAPE clause
// needed: the wildcards become a single-character wildcard).
func escapeLike(s string) string {
	return strings.NewReplacer("%", "_", "\\", "_").Replace(s)
}

func notesJSON(n map[string]string) string {
	if len(n) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(n) // a map of strings always marshals
	return string(b)
}
