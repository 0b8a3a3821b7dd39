// Command seedgen writes the portal's seed catalogue for Saxony
// (seed/sachsen.json) from the service table in services.go and the areas
// of Saxony in seed/areas-sachsen.csv. Run it with `go generate ./portal`.
package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/amthub/amthub/portal"
)

type area struct{ ars, name, level, postcode string }

func main() {
	areasPath := flag.String("areas", "seed/areas-sachsen.csv", "areas of Saxony (ars,name,level,postcode)")
	out := flag.String("out", "seed/sachsen.json", "where to write the catalogue")
	flag.Parse()
	areas, err := readAreas(*areasPath)
	if err != nil {
		log.Fatal(err)
	}
	cat, err := build(areas)
	if err != nil {
		log.Fatal(err)
	}
	b, err := json.MarshalIndent(cat, "", " ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}

func readAreas(path string) ([]area, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	var out []area
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read areas: %w", err)
		}
		if rec[0] == "ars" {
			continue
		}
		out = append(out, area{rec[0], strings.TrimSpace(rec[1]), rec[2], rec[3]})
	}
}

// districtSeats are the seats of the district offices (Landratsämter).
var districtSeats = map[string]portal.Address{
	"14521": {Street: "Paulus-Jenisius-Straße 24", Postcode: "09456", City: "Annaberg-Buchholz"},
	"14522": {Street: "Frauensteiner Straße 43", Postcode: "09599", City: "Freiberg"},
	"14523": {Street: "Neundorfer Straße 94", Postcode: "08523", City: "Plauen"},
	"14524": {Street: "Robert-Müller-Straße 4", Postcode: "08056", City: "Zwickau"},
	"14625": {Street: "Bahnhofstraße 9", Postcode: "02625", City: "Bautzen"},
	"14626": {Street: "Bahnhofstraße 24", Postcode: "02826", City: "Görlitz"},
	"14627": {Street: "Brauhausstraße 21", Postcode: "01662", City: "Meißen"},
	"14628": {Street: "Schloßhof 2", Postcode: "01796", City: "Pirna"},
	"14729": {Street: "Stauffenbergstraße 4", Postcode: "04552", City: "Borna"},
	"14730": {Street: "Schloßstraße 27", Postcode: "04860", City: "Torgau"},
}

// stateAuthorities serve state-wide services; overrides give a region its
// own authority (the longest ARS prefix wins).
var stateAuthorities = []struct {
	id, name string
	addr     portal.Address
	prefix   map[string]portal.Authority
}{
	{id: "lds", name: "Landesdirektion Sachsen", addr: portal.Address{Street: "Altchemnitzer Straße 41", Postcode: "09120", City: "Chemnitz"}},
	{id: "sab", name: "Sächsische Aufbaubank – Förderbank", addr: portal.Address{Street: "Pirnaische Straße 9", Postcode: "01069", City: "Dresden"}},
	{id: "lasub", name: "Landesamt für Schule und Bildung", addr: portal.Address{Street: "Großenhainer Straße 92", Postcode: "01127", City: "Dresden"}},
	{id: "stw", name: "Studentenwerk Dresden – Amt für Ausbildungsförderung", addr: portal.Address{Street: "Fritz-Löffler-Straße 18", Postcode: "01069", City: "Dresden"},
		prefix: map[string]portal.Authority{
			"147": {ID: "stw-leipzig", Name: "Studentenwerk Leipzig – Amt für Ausbildungsförderung", Address: portal.Address{Street: "Goethestraße 6", Postcode: "04109", City: "Leipzig"}},
			"145": {ID: "stw-chemnitz", Name: "Studentenwerk Chemnitz-Zwickau – Amt für Ausbildungsförderung", Address: portal.Address{Street: "Thüringer Weg 3", Postcode: "09126", City: "Chemnitz"}},
		}},
	{id: "lsf", name: "Landesamt für Steuern und Finanzen", addr: portal.Address{Street: "Stauffenbergallee 2", Postcode: "01099", City: "Dresden"},
		prefix: map[string]portal.Authority{
			"14511": {ID: "fa-chemnitz", Name: "Finanzamt Chemnitz-Süd", Address: portal.Address{Street: "Paul-Bertz-Straße 1", Postcode: "09120", City: "Chemnitz"}},
			"14612": {ID: "fa-dresden", Name: "Finanzamt Dresden-Nord", Address: portal.Address{Street: "Rabenerstraße 1", Postcode: "01069", City: "Dresden"}},
			"14713": {ID: "fa-leipzig", Name: "Finanzamt Leipzig I", Address: portal.Address{Street: "Wilhelm-Liebknecht-Platz 3", Postcode: "04105", City: "Leipzig"}},
		}},
}

const hours = "Montag 9–12 Uhr; Dienstag 9–12 und 13–18 Uhr; Donnerstag 9–12 und 13–16 Uhr; Freitag 9–12 Uhr; und nach Vereinbarung"

// cities are the three district-free cities: they do the districts' work.
var cities = map[string]bool{"145110000000": true, "146120000000": true, "147130000000": true}

func slug(name string) string {
	name = strings.ToLower(strings.Split(name, ",")[0])
	r := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", " ", "-", "/", "-", ".", "", "(", "", ")", "")
	return r.Replace(name)
}

func cityName(name string) string { return strings.TrimSpace(strings.Split(name, ",")[0]) }
