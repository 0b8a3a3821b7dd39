package main

import (
	"context"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/mappings"
)

//go:embed demo/areas-sachsen.csv
var demoFiles embed.FS

// DemoDestination is a seeded destination as listed in demo.json: what a
// newcomer needs to route, create and submit.
type DemoDestination struct {
	Name          string          `json:"name"`
	DestinationID string          `json:"destinationId"`
	LeikaKey      string          `json:"leikaKey"`
	ServiceName   string          `json:"serviceName"`
	ARS           string          `json:"ars"`
	AreaName      string          `json:"areaName"`
	Mapping       string          `json:"mapping"`
	ExampleData   json.RawMessage `json:"exampleData"`
	// Kind is how the destination receives: amqp (a Fachverfahren) or
	// fitconnect (forwarded to FIT-Connect, simulated in dev).
	Kind string `json:"kind"`
}

// demoService describes one demo destination and the organisational unit
// of the seed catalogue (portal/seed) it belongs to; the catalogue says
// where that unit is responsible.
type demoService struct {
	destination, unit, leika, service, mapping string
	ars                                        string // an area the unit serves, the example
	contact                                    hub.Contact
	kind                                       string // hub.DestinationAMQP when empty
	unmapped                                   bool   // the data goes on as the vendor sent it
}

var demoServices = []demoService{
	{destination: "Gewerbeamt Chemnitz", unit: "gewerbeamt-chemnitz", leika: "99050012104000", service: "Gewerbeanmeldung",
		mapping: "gewerbeanmeldung", ars: "145110000000", contact: hub.Contact{Email: "gewerbeamt@chemnitz.example", Phone: "+49 371 000000"}},
	{destination: "Steuer- und Kassenamt Dresden", unit: "steueramt-dresden", leika: "99022003001000", service: "Hundesteuer Anmeldung",
		mapping: "hundesteuer", ars: "146120000000", contact: hub.Contact{Email: "hundesteuer@dresden.example"}},
	// A FIT-Connect destination: the city's dog-tax office receives through
	// FIT-Connect (simulated), so its submissions leave through the
	// fitconnect connector; FIT-Connect carries the vendor's JSON as is.
	{destination: "Stadt Leipzig – Hundesteuer (FIT-Connect)", unit: "gv-147130000000", leika: "99022003001000",
		service: "Hundesteuer Anmeldung", mapping: "hundesteuer", ars: "147130000000",
		contact: hub.Contact{Email: "hundesteuer@leipzig.example"}, kind: hub.DestinationFITConnect, unmapped: true},
}

// seedPipeline loads Saxony's areas and, on first start, the demo
// destinations with their schemas and mappings, each in its unit of the
// seed catalogue (imported before). A destination of an older start is
// moved into its unit.
func seedPipeline(ctx context.Context, store *catalogue.Store, tenantID string) ([]DemoDestination, error) {
	areas, err := demoAreas()
	if err != nil {
		return nil, err
	}
	if err := store.UpsertAreas(ctx, tenantID, areas); err != nil {
		return nil, fmt.Errorf("seed areas: %w", err)
	}
	names := map[string]string{}
	for _, a := range areas {
		names[a.ARS] = a.Name
	}
	existing, err := store.ListDestinations(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	byName := map[string]*hub.Destination{}
	for _, d := range existing {
		byName[d.Name] = d
	}
	out := make([]DemoDestination, 0, len(demoServices))
	for _, ds := range demoServices {
		def, err := mappings.Builtin(ds.mapping, 1)
		if err != nil {
			return nil, fmt.Errorf("demo mapping %s: %w", ds.mapping, err)
		}
		d := byName[ds.destination]
		switch {
		case d == nil:
			svc := hub.DestinationService{LeikaKey: ds.leika, Name: ds.service,
				SchemaURI: "urn:amthub:schema:" + ds.mapping + ":v1", Schema: def.InputSchema,
				MappingName: ds.mapping, MappingVersion: "1"}
			if ds.unmapped {
				svc.MappingName, svc.MappingVersion = "", ""
			}
			d = &hub.Destination{TenantID: tenantID, OrgUnitID: ds.unit, Name: ds.destination, Contact: ds.contact,
				Kind: ds.kind, Services: []hub.DestinationService{svc}}
			if err := store.CreateDestination(ctx, d); err != nil {
				return nil, fmt.Errorf("seed destination %s: %w", ds.destination, err)
			}
		case d.OrgUnitID != ds.unit:
			if err := store.AssignDestination(ctx, tenantID, d.ID, ds.unit); err != nil {
				return nil, fmt.Errorf("move destination %s into %s: %w", ds.destination, ds.unit, err)
			}
		}
		out = append(out, DemoDestination{Name: d.Name, DestinationID: d.ID, LeikaKey: ds.leika, ServiceName: ds.service,
			ARS: ds.ars, AreaName: names[ds.ars], Mapping: mappingRef(ds), ExampleData: def.Example, Kind: d.Kind})
	}
	return out, nil
}

// mappingRef names a demo destination's mapping, or "" when none runs.
func mappingRef(ds demoService) string {
	if ds.unmapped {
		return ""
	}
	return ds.mapping + "@v1"
}

// demoAreas reads the shipped areas of Saxony.
func demoAreas() ([]hub.Area, error) {
	f, err := demoFiles.Open("demo/areas-sachsen.csv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	r.FieldsPerRecord = 4
	var out []hub.Area
	for line := 0; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read demo areas: %w", err)
		}
		if line == 0 {
			continue // header
		}
		out = append(out, hub.Area{ARS: rec[0], Name: strings.TrimSpace(rec[1]), Level: rec[2], Postcode: rec[3]})
	}
}
