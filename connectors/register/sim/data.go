package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/amthub/amthub/connectors/register"
)

// Synthetic but realistic German register data, generated from a seed so
// that every run (and every user's test) sees the same people and firms.
// No record describes a real person.

type city struct {
	name, postcode, ars, court string
}

// vocabulary holds the words synthetic records are made of. newVocabulary
// returns a fresh one for each generator, so nothing shared can change.
type vocabulary struct {
	cities                           []city
	streets, familyNames, givenNames []string
	trades                           []struct{ name, form string }
}

func newVocabulary() vocabulary {
	return vocabulary{
		cities: []city{
			{"Chemnitz", "09111", "145110000000", "Amtsgericht Chemnitz"},
			{"Dresden", "01067", "146120000000", "Amtsgericht Dresden"},
			{"Leipzig", "04109", "147130000000", "Amtsgericht Leipzig"},
			{"Zwickau", "08056", "145240330330", "Amtsgericht Chemnitz"},
			{"Köln", "50667", "053150000000", "Amtsgericht Köln"},
			{"Potsdam", "14467", "120540000000", "Amtsgericht Potsdam"},
			{"Erfurt", "99084", "160510000000", "Amtsgericht Jena"},
			{"Magdeburg", "39104", "150030000000", "Amtsgericht Stendal"},
		},
		streets: []string{"Hauptstraße", "Bahnhofstraße", "Schulstraße", "Gartenstraße", "Dorfstraße", "Bergstraße",
			"Lindenstraße", "Kirchstraße", "Goethestraße", "Schillerstraße", "Am Markt", "Waldstraße", "Ringstraße",
			"Friedrich-Ebert-Straße", "Karl-Marx-Straße", "Rosenweg", "Mühlenweg", "Poststraße", "Feldstraße", "Talstraße"},
		familyNames: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
			"Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
			"Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann"},
		givenNames: []string{"Anna", "Maria", "Sophie", "Emma", "Lena", "Julia", "Katharina", "Monika", "Ursula", "Sabine",
			"Petra", "Claudia", "Jana", "Laura", "Hannah", "Thomas", "Michael", "Andreas", "Stefan", "Peter", "Klaus", "Jürgen",
			"Frank", "Uwe", "Lukas", "Jonas", "Felix", "Maximilian", "Paul", "Tobias"},
		trades: []struct{ name, form string }{
			{"Bäckerei %s", "GmbH"}, {"%s Elektrotechnik", "GmbH & Co. KG"}, {"%s IT-Beratung", "UG (haftungsbeschränkt)"},
			{"Malerbetrieb %s", "e.K."}, {"%s Logistik", "GmbH"}, {"Autohaus %s", "KG"}, {"%s & Söhne Holzbau", "OHG"},
			{"%s Software", "AG"}, {"Gasthaus %s", "e.K."}, {"%s Haustechnik", "GmbH"},
		},
	}
}

// demoPerson is in every generated population register, for docs and demos.
func demoPerson() register.Person {
	return register.Person{Familienname: "Mustermann", Vornamen: "Erika", Geburtsdatum: "1964-08-12",
		Doktorgrad: "", Einzugsdatum: "2010-04-01",
		Anschrift: register.Anschrift{Strasse: "Heidestraße", Hausnummer: "17", Postleitzahl: "51147", Wohnort: "Köln",
			Gemeindeschluessel: "053150000000"}}
}

// demoCompany is in every generated trade register.
func demoCompany() register.Eintragung {
	return register.Eintragung{Firma: "Musterfirma GmbH", Rechtsform: "GmbH", Registergericht: "Amtsgericht Chemnitz",
		Registernummer: "HRB 12345", Sitz: "Chemnitz", EingetragenAm: "2015-03-02", Status: "aktiv",
		Anschrift: register.Anschrift{Strasse: "Am Markt", Hausnummer: "1", Postleitzahl: "09111", Wohnort: "Chemnitz",
			Gemeindeschluessel: "145110000000"}}
}

// people returns n synthetic residents plus demoPerson.
func people(seed uint64, n int) []register.Person {
	r := rand.New(rand.NewPCG(seed, 1))
	v := newVocabulary()
	out := []register.Person{demoPerson()}
	for i := 0; i < n; i++ {
		c := v.cities[r.IntN(len(v.cities))]
		born := time.Date(1935, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(365*85))
		moved := born.AddDate(18+r.IntN(30), r.IntN(12), r.IntN(28))
		if moved.After(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
			moved = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
		}
		given := v.givenNames[r.IntN(len(v.givenNames))]
		if r.IntN(4) == 0 {
			given += " " + v.givenNames[r.IntN(len(v.givenNames))]
		}
		p := register.Person{Familienname: v.familyNames[r.IntN(len(v.familyNames))], Vornamen: given,
			Geburtsdatum: born.Format(time.DateOnly), Einzugsdatum: moved.Format(time.DateOnly),
			Anschrift: register.Anschrift{Strasse: v.streets[r.IntN(len(v.streets))], Hausnummer: fmt.Sprint(1 + r.IntN(120)),
				Postleitzahl: c.postcode, Wohnort: c.name, Gemeindeschluessel: c.ars}}
		if r.IntN(25) == 0 {
			p.Doktorgrad = "Dr."
		}
		out = append(out, p)
	}
	return out
}

// companies returns n synthetic firms plus demoCompany.
func companies(seed uint64, n int) []register.Eintragung {
	r := rand.New(rand.NewPCG(seed, 2))
	v := newVocabulary()
	out := []register.Eintragung{demoCompany()}
	for i := 0; i < n; i++ {
		c := v.cities[r.IntN(len(v.cities))]
		t := v.trades[r.IntN(len(v.trades))]
		kind := "HRB"
		if t.form == "e.K." || t.form == "KG" || t.form == "OHG" || t.form == "GmbH & Co. KG" {
			kind = "HRA"
		}
		status := "aktiv"
		if r.IntN(15) == 0 {
			status = "geloescht"
		}
		out = append(out, register.Eintragung{
			Firma: fmt.Sprintf(t.name, v.familyNames[r.IntN(len(v.familyNames))]) + " " + t.form, Rechtsform: t.form,
			Registergericht: c.court, Registernummer: fmt.Sprintf("%s %d", kind, 1000+i*7+r.IntN(7)), Sitz: c.name,
			EingetragenAm: time.Date(1990+r.IntN(35), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
			Status:        status,
			Anschrift: register.Anschrift{Strasse: v.streets[r.IntN(len(v.streets))], Hausnummer: fmt.Sprint(1 + r.IntN(80)),
				Postleitzahl: c.postcode, Wohnort: c.name, Gemeindeschluessel: c.ars},
		})
	}
	return out
}
