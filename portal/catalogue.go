// Package portal is the citizens' web front of amthub: the catalogue of
// services (Leistungen) with its search and the responsibility finder, the
// service and authority pages, and the citizen's service account
// (Servicekonto). It renders HTML on the server and offers a small JSON API
// for search and the finder.
package portal

import (
	"regexp"

	"github.com/amthub/amthub/hub/catalogue"
)

// Service is one service of the catalogue (a Leistung), keyed by its LeiKa
// key. Its sections are plain text; paragraphs are separated by blank lines.
type Service struct {
	LeikaKey     string   `json:"leikaSchluessel"`
	Name         string   `json:"bezeichnung"`
	Summary      string   `json:"kurztext"`
	Description  string   `json:"volltext"`
	Requirements string   `json:"voraussetzungen"`
	Procedure    string   `json:"verfahrensablauf"`
	Deadlines    string   `json:"fristen"`
	Documents    string   `json:"unterlagen"`
	Costs        string   `json:"kosten"`
	LegalBasis   string   `json:"rechtsgrundlage"`
	Keywords     []string `json:"schlagworte,omitempty"`
	// OnlineURL is the online procedure (Onlinedienst) that serves the
	// whole state, if any; a responsibility can name its own.
	OnlineURL string `json:"onlinedienst,omitempty"`
}

// Authority is an organisational unit (Organisationseinheit, Behörde) of
// the catalogue (hub/catalogue); the portal shows and imports it.
type Authority = catalogue.OrgUnit

// Address is a postal address.
type Address = catalogue.Address

// Contact is how to reach an authority.
type Contact = catalogue.Contact

// Responsibility (Zuständigkeit) says that an authority serves a service in
// every area whose ARS starts with ARSPrefix; the longest prefix wins.
type Responsibility struct {
	LeikaKey     string `json:"leistung,omitempty"`
	ServiceGroup string `json:"leistungsgruppe,omitempty"`
	ARSPrefix    string `json:"gebiet"`
	AuthorityID  string `json:"organisationseinheit"`
	OnlineURL    string `json:"onlinedienst,omitempty"`
	// Notes are regional differences to the service's text, by section
	// name (see Sections), shown highlighted on the service page.
	Notes map[string]string `json:"regionaleHinweise,omitempty"`
}

// Synonym maps a word citizens type to the words the catalogue uses.
type Synonym struct {
	Term         string   `json:"begriff"`
	Alternatives []string `json:"alternativen"`
}

// Catalogue is the import format (see FORMAT.md): services, authorities,
// responsibilities and synonyms, modelled on XZuFi.
type Catalogue struct {
	Format           string              `json:"format"`
	Source           string              `json:"quelle,omitempty"`
	Synonyms         []Synonym           `json:"synonyme,omitempty"`
	Services         []Service           `json:"leistungen"`
	ServiceGroups    map[string][]string `json:"leistungsgruppen,omitempty"`
	Authorities      []Authority         `json:"organisationseinheiten"`
	Responsibilities []Responsibility    `json:"zustaendigkeiten"`
}

// CatalogueFormat is the value of Catalogue.Format this version reads.
const CatalogueFormat = "amthub-katalog/1"

// Section is one titled part of a service's text.
type Section struct {
	Key, Title, Text string
	// Regional is the area-specific text replacing or adding to Text, if
	// the responsible authority has one.
	Regional string
}

// sectionTitles lists the section names of a service in display order; they
// are also the keys of Responsibility.Notes.
var sectionTitles = []struct{ key, title string }{
	{"volltext", "Beschreibung"},
	{"voraussetzungen", "Voraussetzungen"},
	{"verfahrensablauf", "Verfahrensablauf"},
	{"fristen", "Fristen"},
	{"unterlagen", "Erforderliche Unterlagen"},
	{"kosten", "Kosten"},
	{"rechtsgrundlage", "Rechtsgrundlage"},
}

// Sections returns the service's text as titled sections, with the
// regional notes of a responsibility (may be nil) merged in.
func (s *Service) Sections(notes map[string]string) []Section {
	texts := map[string]string{
		"volltext": s.Description, "voraussetzungen": s.Requirements, "verfahrensablauf": s.Procedure,
		"fristen": s.Deadlines, "unterlagen": s.Documents, "kosten": s.Costs, "rechtsgrundlage": s.LegalBasis,
	}
	out := make([]Section, 0, len(sectionTitles))
	for _, t := range sectionTitles {
		out = append(out, Section{Key: t.key, Title: t.title, Text: texts[t.key], Regional: notes[t.key]})
	}
	return out
}

func isSectionKey(k string) bool {
	for _, t := range sectionTitles {
		if t.key == k {
			return true
		}
	}
	return false
}

var (
	leikaPattern = regexp.MustCompile(`^99\d{12}$`)
	arsPrefixRe  = regexp.MustCompile(`^\d{2,12}$`)
	authorityRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
	postcodeRe   = regexp.MustCompile(`^\d{5}$`)
)

// Place is an area citizens pick in the finder: a municipality, district
// or the state, keyed by ARS.
type Place = catalogue.Place

// Finding is the answer of the responsibility finder.
type Finding struct {
	Place     Place             `json:"place"`
	Authority Authority         `json:"authority"`
	ARSPrefix string            `json:"arsPrefix"`
	OnlineURL string            `json:"onlineUrl,omitempty"`
	Notes     map[string]string `json:"regionalNotes,omitempty"`
}
