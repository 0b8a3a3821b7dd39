package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/amthub/amthub/portal"
)

const onlineBase = "https://onlinedienste.sachsen.example/leistung/"

type row struct {
	svc   portal.Service
	level string // g, k, l
	state string // the state authority for level l
}

func parseTable() ([]row, error) {
	var out []row
	for i, line := range strings.Split(strings.TrimSpace(serviceTable), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 10 {
			return nil, fmt.Errorf("service table line %d: %d fields, want 10", i+1, len(f))
		}
		r := row{level: f[2]}
		if strings.HasPrefix(f[2], "l:") {
			r.level, r.state = "l", f[2][2:]
		}
		s := portal.Service{LeikaKey: f[0], Name: f[1], Keywords: strings.Fields(f[3]), Summary: f[4], Costs: f[6],
			Deadlines: f[7], LegalBasis: f[8]}
		var docs []string
		for _, d := range strings.Split(f[5], ";") {
			docs = append(docs, "- "+strings.TrimSpace(d))
		}
		s.Documents = strings.Join(docs, "\n")
		s.Description = f[4] + "\n\n" + map[string]string{
			"g": "Zuständig ist die Stadt- oder Gemeindeverwaltung Ihres Wohnorts. Wählen Sie unten Ihren Ort, um Anschrift und Öffnungszeiten zu sehen.",
			"k": "Zuständig ist das Landratsamt Ihres Landkreises, in den Städten Chemnitz, Dresden und Leipzig die Stadtverwaltung. Wählen Sie unten Ihren Ort.",
			"l": "Zuständig ist eine Behörde des Freistaates Sachsen; für manche Regionen gibt es eigene Stellen. Wählen Sie unten Ihren Ort.",
		}[r.level]
		s.Requirements = "Sie haben Ihren Wohnsitz oder Sitz in Sachsen, oder Ihr Anliegen betrifft ein Vorhaben in Sachsen. Weitere Voraussetzungen nennt die zuständige Stelle."
		if f[9] == "y" {
			s.OnlineURL = onlineBase + f[0]
			s.Procedure = "Sie stellen den Antrag online über den Onlinedienst oder schriftlich bei der zuständigen Stelle.\n\nDie Stelle prüft Ihre Angaben und Unterlagen, fordert fehlende Nachweise an und teilt Ihnen das Ergebnis schriftlich oder elektronisch mit."
		} else {
			s.Procedure = "Sie stellen den Antrag persönlich bei der zuständigen Stelle; vereinbaren Sie dafür möglichst einen Termin.\n\nDie Stelle prüft Ihre Angaben und Unterlagen und teilt Ihnen das Ergebnis mit."
		}
		out = append(out, row{svc: s, level: r.level, state: r.state})
	}
	return out, nil
}

func build(areas []area) (*portal.Catalogue, error) {
	rows, err := parseTable()
	if err != nil {
		return nil, err
	}
	cat := &portal.Catalogue{Format: portal.CatalogueFormat,
		Source:        "amthub-Beispielkatalog Sachsen; Gebiete © Statistisches Bundesamt (Destatis), dl-de/by-2-0",
		ServiceGroups: map[string][]string{}, Synonyms: synonyms()}
	for _, r := range rows {
		cat.Services = append(cat.Services, r.svc)
		if r.level != "l" {
			cat.ServiceGroups[r.level] = append(cat.ServiceGroups[r.level], r.svc.LeikaKey)
		}
	}
	// Municipalities: their administration serves the "g" group; the three
	// district-free cities serve the "k" group too.
	for _, a := range areas {
		if a.level != "gemeinde" {
			continue
		}
		kind := "Gemeindeverwaltung"
		if strings.Contains(a.name, "Stadt") {
			kind = "Stadtverwaltung"
		}
		id := "gv-" + a.ars
		cat.Authorities = append(cat.Authorities, portal.Authority{ID: id, Name: kind + " " + cityName(a.name) + " – Bürgerbüro",
			Address: portal.Address{Street: "Rathaus", Postcode: a.postcode, City: cityName(a.name)}, OpeningHours: hours,
			Contact: portal.Contact{Email: "buergerbuero@" + slug(a.name) + ".example", Website: "https://www." + slug(a.name) + ".example/"}})
		prefix := a.ars
		if cities[a.ars] {
			prefix = a.ars[:5]
			cat.Responsibilities = append(cat.Responsibilities, portal.Responsibility{ServiceGroup: "k", ARSPrefix: prefix, AuthorityID: id})
		}
		cat.Responsibilities = append(cat.Responsibilities, portal.Responsibility{ServiceGroup: "g", ARSPrefix: prefix, AuthorityID: id})
	}
	for _, a := range areas {
		if a.level != "kreis" {
			continue
		}
		k := a.ars[:5]
		id := "lra-" + k
		cat.Authorities = append(cat.Authorities, portal.Authority{ID: id, Name: "Landratsamt " + a.name, Address: districtSeats[k],
			OpeningHours: hours, Contact: portal.Contact{Email: "poststelle@lra-" + slug(a.name) + ".example", Website: "https://www.lra-" + slug(a.name) + ".example/"}})
		cat.Responsibilities = append(cat.Responsibilities, portal.Responsibility{ServiceGroup: "k", ARSPrefix: k, AuthorityID: id})
	}
	addState(cat, rows)
	addOffices(cat)
	cat.Responsibilities = append(cat.Responsibilities, regional()...)
	return cat, nil
}

func addState(cat *portal.Catalogue, rows []row) {
	for _, st := range stateAuthorities {
		cat.Authorities = append(cat.Authorities, portal.Authority{ID: st.id, Name: st.name, Address: st.addr,
			OpeningHours: "Montag bis Freitag 8–16 Uhr", Contact: portal.Contact{Email: "post@" + st.id + ".sachsen.example"}})
		prefixes := make([]string, 0, len(st.prefix))
		for p := range st.prefix {
			prefixes = append(prefixes, p)
		}
		sort.Strings(prefixes)
		for _, p := range prefixes {
			a := st.prefix[p]
			a.OpeningHours = "Montag bis Freitag 8–16 Uhr"
			a.Contact = portal.Contact{Email: "post@" + a.ID + ".sachsen.example"}
			cat.Authorities = append(cat.Authorities, a)
		}
		for _, r := range rows {
			if r.state != st.id {
				continue
			}
			cat.Responsibilities = append(cat.Responsibilities, portal.Responsibility{LeikaKey: r.svc.LeikaKey, ARSPrefix: "14", AuthorityID: st.id})
			for _, p := range prefixes {
				cat.Responsibilities = append(cat.Responsibilities, portal.Responsibility{LeikaKey: r.svc.LeikaKey, ARSPrefix: p, AuthorityID: st.prefix[p].ID})
			}
		}
	}
}

// addOffices adds the offices of the city administrations that receive
// applications through the hub: the demo destinations of `amthub dev`
// (cmd/amthub/seed.go) belong to them, so that the finder and GET
// /v1/routes name the same unit.
func addOffices(cat *portal.Catalogue) {
	const gewerbe = "99050012104000"
	cat.Authorities = append(cat.Authorities,
		portal.Authority{ID: "gewerbeamt-chemnitz", ParentID: "gv-145110000000", Name: "Gewerbeamt Chemnitz",
			Address: portal.Address{Street: "Markt 1", Postcode: "09111", City: "Chemnitz"}, OpeningHours: hours,
			Contact: portal.Contact{Email: "gewerbeamt@chemnitz.example", Phone: "+49 371 000000"}},
		portal.Authority{ID: "steueramt-dresden", ParentID: "gv-146120000000", Name: "Steuer- und Kassenamt Dresden",
			Address: portal.Address{Street: "Dr.-Külz-Ring 19", Postcode: "01067", City: "Dresden"}, OpeningHours: hours,
			Contact: portal.Contact{Email: "hundesteuer@dresden.example"}})
	cat.Responsibilities = append(cat.Responsibilities,
		portal.Responsibility{LeikaKey: gewerbe, ARSPrefix: "145110000000", AuthorityID: "gewerbeamt-chemnitz"})
}

// regional are responsibilities with text that differs from the state's
// description (illustrative figures).
func regional() []portal.Responsibility {
	const hund, park, kita = "99022003001000", "99076001000000", "99099007000000"
	return []portal.Responsibility{
		{LeikaKey: hund, ARSPrefix: "146120000000", AuthorityID: "steueramt-dresden", OnlineURL: "https://www.dresden.example/hundesteuer",
			Notes: map[string]string{"kosten": "In Dresden beträgt die Hundesteuer nach der Hundesteuersatzung 108 Euro im Jahr für den ersten Hund und 180 Euro für jeden weiteren."}},
		{LeikaKey: hund, ARSPrefix: "147130000000", AuthorityID: "gv-147130000000",
			Notes: map[string]string{"kosten": "In Leipzig beträgt die Hundesteuer 108 Euro im Jahr für den ersten Hund.", "fristen": "In Leipzig melden Sie den Hund innerhalb eines Monats an."}},
		{LeikaKey: hund, ARSPrefix: "145110000000", AuthorityID: "gv-145110000000",
			Notes: map[string]string{"kosten": "In Chemnitz beträgt die Hundesteuer 96 Euro im Jahr für den ersten Hund."}},
		{LeikaKey: park, ARSPrefix: "146120000000", AuthorityID: "gv-146120000000",
			Notes: map[string]string{"kosten": "In Dresden kostet der Bewohnerparkausweis nach der Gebührenordnung 60 Euro im Jahr."}},
		{LeikaKey: kita, ARSPrefix: "147130000000", AuthorityID: "gv-147130000000", OnlineURL: "https://www.leipzig.example/kita-platz",
			Notes: map[string]string{"verfahrensablauf": "In Leipzig melden Sie den Betreuungsbedarf über das städtische Kita-Portal an; die Vergabe erfolgt zentral."}},
	}
}

func synonyms() []portal.Synonym {
	pairs := [][2]string{
		{"auto", "kfz fahrzeug zulassung"}, {"pkw", "kfz fahrzeug"}, {"wagen", "kfz fahrzeug"}, {"motorrad", "kfz fahrzeug fahrerlaubnis"},
		{"hund", "hundesteuer"}, {"hunde", "hundesteuer"}, {"ausweis", "personalausweis reisepass"}, {"perso", "personalausweis"},
		{"umzug", "wohnsitz ummelden anmelden"}, {"umziehen", "wohnsitz anmelden"}, {"heirat", "eheschließung"}, {"heiraten", "eheschließung"},
		{"hochzeit", "eheschließung"}, {"baby", "geburt"}, {"firma", "gewerbe"}, {"selbstständig", "gewerbe"}, {"müll", "abfall sperrmüll"},
		{"kindergarten", "kindertagesbetreuung kita"}, {"krippe", "kindertagesbetreuung kita"}, {"gez", "rundfunkbeitrag"},
		{"führerschein", "fahrerlaubnis"}, {"angeln", "fischereischein"}, {"miete", "wohngeld"}, {"pass", "reisepass"},
		{"bauen", "baugenehmigung bauantrag"}, {"demo", "versammlung"}, {"steuer", "steuererklärung hundesteuer"},
	}
	out := make([]portal.Synonym, 0, len(pairs))
	for _, p := range pairs {
		out = append(out, portal.Synonym{Term: p[0], Alternatives: strings.Fields(p[1])})
	}
	return out
}
