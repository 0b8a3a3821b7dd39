package portal

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Word lists for the synthetic catalogue: compounds of a first and a second
// part, and the verbs of a service name ("Fischereiabgabe erstatten").
var (
	synthFirst = strings.Fields(`Abfall Abwasser Angel Anwohner Arbeits Ausbildungs Bau Bestattungs Betreuungs Bewohner
		Bildungs Brand Denkmal Eltern Energie Erbschafts Fahrzeug Familien Feuerwehr Fischerei Forst Friedhofs
		Garten Gaststätten Gesundheits Gewerbe Grund Hunde Immobilien Jagd Jugend Kinder Kirchen Kraftfahrzeug
		Landwirtschafts Lebensmittel Markt Melde Miet Musik Natur Park Pflege Rad Reise Renten Schul Senioren
		Sozial Sport Straßen Tier Umwelt Unterhalts Veranstaltungs Verkehrs Wahl Wasser Wohn Zweitwohnungs`)
	synthSecond = strings.Fields(`abgabe anmeldung antrag ausweis beihilfe bescheinigung erlaubnis förderung gebühr
		genehmigung karte nachweis register schein steuer urkunde zulassung zuschuss auskunft beratung
		bescheid darlehen entschädigung kontrolle lizenz meldung prüfung sperre vertrag`)
	synthVerbs = strings.Fields(`beantragen verlängern ändern abmelden anmelden erstatten prüfen lassen widerrufen
		ersetzen übertragen einreichen anzeigen`)
	synthText = strings.Fields(`Antrag Bürger Bürgerin Behörde Nachweis Frist Unterlagen Gebühr Verfahren Bescheid
		Gemeinde Landkreis Wohnsitz Einkommen Vorhaben Genehmigung Prüfung Auskunft Termin Formular Voraussetzung
		Anspruch Zuständigkeit Verwaltung Satzung Gesetz Verordnung Änderung Zahlung Erstattung Widerspruch Kosten
		schriftlich elektronisch persönlich rechtzeitig vollständig jährlich befristet unbefristet zuständige
		erforderliche weitere besondere regelmäßig innerhalb spätestens zusätzlich`)
)

// SyntheticCatalogue builds a large made-up catalogue for benchmarks:
// services with German-looking names and texts, one authority per area
// (ARS from areas, cycled to reach nAreas) plus a state authority, and for
// each service a state-wide responsibility and three local ones. The same
// seed gives the same catalogue.
func SyntheticCatalogue(nServices int, areas []string, seed uint64) *Catalogue {
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	cat := &Catalogue{Format: CatalogueFormat, Source: "synthetic"}
	cat.Authorities = append(cat.Authorities, Authority{ID: "land", Name: "Landesverwaltungsamt",
		Address: Address{Street: "Hauptstraße 1", Postcode: "01067", City: "Dresden"}, OpeningHours: "Mo–Fr 8–16 Uhr"})
	for i, ars := range areas {
		cat.Authorities = append(cat.Authorities, Authority{ID: "a-" + ars, Name: fmt.Sprintf("Bürgeramt %s %d", synthWord(r, synthFirst), i),
			Address: Address{Street: "Markt 1", Postcode: fmt.Sprintf("0%04d", 1000+i), City: "Ort " + ars[5:9]}, OpeningHours: "Mo–Fr 9–12 Uhr"})
	}
	seen := map[string]bool{}
	for i := 0; i < nServices; i++ {
		name := ""
		for try := 0; try == 0 || seen[name] && try < 5; try++ {
			name = synthWord(r, synthFirst) + synthWord(r, synthSecond) + " " + synthWord(r, synthVerbs)
		}
		if seen[name] {
			name = fmt.Sprintf("%s (%d)", name, i)
		}
		seen[name] = true
		key := fmt.Sprintf("99%012d", 500000000000+i)
		cat.Services = append(cat.Services, Service{LeikaKey: key, Name: name,
			Summary: synthSentence(r, 12), Description: synthSentence(r, 60), Requirements: synthSentence(r, 25),
			Procedure: synthSentence(r, 40), Deadlines: synthSentence(r, 10), Documents: synthSentence(r, 20),
			Costs: synthSentence(r, 8), LegalBasis: "Gesetz " + synthWord(r, synthFirst) + " § " + fmt.Sprint(1+r.IntN(99)),
			Keywords: []string{strings.ToLower(synthWord(r, synthFirst)), strings.ToLower(synthWord(r, synthSecond))}})
		cat.Responsibilities = append(cat.Responsibilities, Responsibility{LeikaKey: key, ARSPrefix: "14", AuthorityID: "land"})
		if len(areas) == 0 {
			continue
		}
		local := map[string]bool{}
		for j := 0; j < 3; j++ {
			ars := areas[r.IntN(len(areas))]
			if local[ars] {
				continue
			}
			local[ars] = true
			cat.Responsibilities = append(cat.Responsibilities, Responsibility{LeikaKey: key, ARSPrefix: ars, AuthorityID: "a-" + ars})
		}
	}
	return cat
}

func synthWord(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

func synthSentence(r *rand.Rand, n int) string {
	words := make([]string, n)
	for i := range words {
		switch r.IntN(4) {
		case 0:
			words[i] = synthWord(r, synthFirst) + synthWord(r, synthSecond)
		default:
			words[i] = synthWord(r, synthText)
		}
	}
	return strings.Join(words, " ") + "."
}

// SeedAreas returns the ARS of Saxony's municipalities in the seed, for
// the synthetic catalogue.
func SeedAreas() ([]string, error) {
	rows, err := readSeedCSV("seed/areas-sachsen.csv")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rows {
		if r[2] == "gemeinde" {
			out = append(out, r[0])
		}
	}
	return out, nil
}
