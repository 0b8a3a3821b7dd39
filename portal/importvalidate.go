package portal

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// Limits of the import format's text fields, in characters.
const (
	maxName    = 300
	maxSection = 20000
)

type validator struct {
	p    *parsedCatalogue
	errs []RecordError
}

func (v *validator) add(kind string, i int, field, msg string) {
	line := 1
	if l := v.p.lines[kind]; i < len(l) {
		line = l[i]
	}
	v.errs = append(v.errs, RecordError{Kind: kind, Record: i + 1, Line: line, Field: field, Message: msg})
}

// validate checks every record of the file on its own and against the
// others; known lists the keys that exist in the database already
// (services and authorities not in the file may be referenced).
func (p *parsedCatalogue) validate(knownServices, knownAuthorities map[string]bool) []RecordError {
	v := &validator{p: p}
	if p.Format != CatalogueFormat {
		v.errs = append(v.errs, RecordError{Kind: "datei", Line: 1, Field: "format", Message: "must be " + CatalogueFormat})
	}
	services := map[string]bool{}
	for i := range p.Services {
		s := &p.Services[i]
		v.service(i, s)
		if services[s.LeikaKey] {
			v.add("leistungen", i, "leikaSchluessel", "duplicate key "+s.LeikaKey)
		}
		services[s.LeikaKey] = true
	}
	authorities := map[string]bool{}
	for i := range p.Authorities {
		a := &p.Authorities[i]
		v.authority(i, a)
		if authorities[a.ID] {
			v.add("organisationseinheiten", i, "id", "duplicate id "+a.ID)
		}
		authorities[a.ID] = true
	}
	for i := range p.Authorities {
		a := &p.Authorities[i]
		if a.ParentID != "" && (a.ParentID == a.ID || !authorities[a.ParentID] && !knownAuthorities[a.ParentID]) {
			v.add("organisationseinheiten", i, "uebergeordnet", "unknown parent unit "+a.ParentID)
		}
	}
	for g, keys := range p.ServiceGroups {
		for _, k := range keys {
			if !services[k] && !knownServices[k] {
				v.errs = append(v.errs, RecordError{Kind: "leistungsgruppen", Line: 1, Field: g, Message: "unknown service " + k})
			}
		}
	}
	seen := map[string]bool{}
	for i := range p.Responsibilities {
		r := &p.Responsibilities[i]
		v.responsibility(i, r, services, authorities, knownServices, knownAuthorities)
		for _, k := range p.expand(r) {
			if seen[k+"/"+r.ARSPrefix] {
				v.add("zustaendigkeiten", i, "gebiet", "duplicate responsibility for "+k+" in "+r.ARSPrefix)
			}
			seen[k+"/"+r.ARSPrefix] = true
		}
	}
	for i, s := range p.Synonyms {
		if s.Term == "" || strings.ContainsAny(s.Term, " \t") || len(s.Alternatives) == 0 {
			v.add("synonyme", i, "begriff", "needs one word and at least one alternative")
		}
	}
	return v.errs
}

func (v *validator) service(i int, s *Service) {
	const k = "leistungen"
	if !leikaPattern.MatchString(s.LeikaKey) {
		v.add(k, i, "leikaSchluessel", "must be a LeiKa key: 99 and 12 digits")
	}
	v.text(k, i, "bezeichnung", s.Name, 1, maxName)
	v.text(k, i, "kurztext", s.Summary, 1, 2000)
	for f, t := range map[string]string{"volltext": s.Description, "voraussetzungen": s.Requirements,
		"verfahrensablauf": s.Procedure, "fristen": s.Deadlines, "unterlagen": s.Documents,
		"kosten": s.Costs, "rechtsgrundlage": s.LegalBasis} {
		v.text(k, i, f, t, 0, maxSection)
	}
	for _, w := range s.Keywords {
		v.text(k, i, "schlagworte", w, 1, 100)
	}
	v.link(k, i, "onlinedienst", s.OnlineURL)
}

func (v *validator) authority(i int, a *Authority) {
	const k = "organisationseinheiten"
	if !authorityRe.MatchString(a.ID) {
		v.add(k, i, "id", "must be 1–100 letters, digits, dots, dashes or underscores")
	}
	v.text(k, i, "name", a.Name, 1, maxName)
	v.text(k, i, "anschrift.strasse", a.Address.Street, 0, maxName)
	v.text(k, i, "anschrift.ort", a.Address.City, 0, maxName)
	if a.Address.Postcode != "" && !postcodeRe.MatchString(a.Address.Postcode) {
		v.add(k, i, "anschrift.plz", "must be five digits")
	}
	v.text(k, i, "oeffnungszeiten", a.OpeningHours, 0, 2000)
	v.text(k, i, "kommunikation.telefon", a.Contact.Phone, 0, 50)
	if e := a.Contact.Email; e != "" && (!strings.Contains(e, "@") || len(e) > 254 || strings.ContainsAny(e, " <>\"")) {
		v.add(k, i, "kommunikation.email", "must be an e-mail address")
	}
	v.link(k, i, "kommunikation.web", a.Contact.Website)
}

func (v *validator) responsibility(i int, r *Responsibility, services, authorities, knownS, knownA map[string]bool) {
	const k = "zustaendigkeiten"
	switch {
	case (r.LeikaKey == "") == (r.ServiceGroup == ""):
		v.add(k, i, "leistung", "name either leistung or leistungsgruppe")
	case r.LeikaKey != "" && !services[r.LeikaKey] && !knownS[r.LeikaKey]:
		v.add(k, i, "leistung", "unknown service "+r.LeikaKey)
	case r.ServiceGroup != "" && v.p.ServiceGroups[r.ServiceGroup] == nil:
		v.add(k, i, "leistungsgruppe", "unknown group "+r.ServiceGroup)
	}
	if !arsPrefixRe.MatchString(r.ARSPrefix) {
		v.add(k, i, "gebiet", "must be an ARS or its prefix: 2–12 digits")
	}
	if !authorities[r.AuthorityID] && !knownA[r.AuthorityID] {
		v.add(k, i, "organisationseinheit", "unknown authority "+r.AuthorityID)
	}
	v.link(k, i, "onlinedienst", r.OnlineURL)
	for sec, t := range r.Notes {
		if !isSectionKey(sec) {
			v.add(k, i, "regionaleHinweise."+sec, "unknown section")
		}
		v.text(k, i, "regionaleHinweise."+sec, t, 1, maxSection)
	}
}

// expand returns the services a responsibility is about.
func (p *parsedCatalogue) expand(r *Responsibility) []string {
	if r.ServiceGroup != "" {
		return p.ServiceGroups[r.ServiceGroup]
	}
	return []string{r.LeikaKey}
}

func (v *validator) text(kind string, i int, field, s string, minLen, maxLen int) {
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		v.add(kind, i, field, "must be valid UTF-8")
	case n < minLen && minLen == 1:
		v.add(kind, i, field, "is required")
	case n > maxLen:
		v.add(kind, i, field, "is too long")
	case strings.ContainsRune(s, 0):
		v.add(kind, i, field, "must not contain NUL")
	}
}

// link accepts only absolute http(s) URLs: no javascript: or data: links
// reach a page.
func (v *validator) link(kind string, i int, field, s string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(s) > 2000 {
		v.add(kind, i, field, "must be an absolute http(s) URL")
	}
}
