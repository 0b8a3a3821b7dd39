package portal

import (
	"bytes"
	"context"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/catalogue"
)

//go:generate go run ./internal/seedgen -areas seed/areas-sachsen.csv -out seed/sachsen.json

// The seed: Saxony's areas (© Statistisches Bundesamt (Destatis),
// dl-de/by-2-0), its postcodes (© OpenStreetMap contributors, ODbL) and the
// demo catalogue built from them (see seed/README.md).
//
//go:embed seed/sachsen.json seed/areas-sachsen.csv seed/plz-sachsen.csv
var seedFiles embed.FS

// SeedDemo loads Saxony's areas and postcodes and imports the seed
// catalogue into tenantID. It is idempotent: a second run changes nothing.
func (c *CatalogueStore) SeedDemo(ctx context.Context, tenantID string) (*ImportReport, error) {
	if err := c.seedAreas(ctx, tenantID); err != nil {
		return nil, err
	}
	b, err := seedFiles.ReadFile("seed/sachsen.json")
	if err != nil {
		return nil, fmt.Errorf("read seed catalogue: %w", err)
	}
	rep, err := c.Import(ctx, tenantID, bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("import seed catalogue: %w", err)
	}
	return rep, nil
}

// SeedCatalogue returns the seed catalogue file (the import format).
func SeedCatalogue() ([]byte, error) { return seedFiles.ReadFile("seed/sachsen.json") }

func readSeedCSV(name string) ([][]string, error) {
	b, err := seedFiles.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.Comment = '#'
	r.FieldsPerRecord = -1
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out[1:], nil // without the header
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		out = append(out, rec)
	}
}

// seedAreas adds Saxony's areas (keeping any there already) and the
// postcodes of its municipalities.
func (c *CatalogueStore) seedAreas(ctx context.Context, tenantID string) error {
	areas, err := readSeedCSV("seed/areas-sachsen.csv")
	if err != nil {
		return err
	}
	plz, err := readSeedCSV("seed/plz-sachsen.csv")
	if err != nil {
		return err
	}
	byAGS := map[string]string{}
	rows := make([]hub.Area, 0, len(areas))
	var pcs []catalogue.Postcode
	for _, a := range areas {
		rows = append(rows, hub.Area{ARS: a[0], Name: strings.TrimSpace(a[1]), Level: a[2], Postcode: a[3]})
		if a[2] == "gemeinde" {
			byAGS[a[0][:5]+a[0][9:]] = a[0]
		}
	}
	seen := map[string]bool{}
	for _, p := range plz {
		if ars := byAGS[p[1]]; ars != "" && !seen[p[0]+ars] {
			seen[p[0]+ars] = true
			pcs = append(pcs, catalogue.Postcode{Postcode: p[0], ARS: ars})
		}
	}
	return c.units.AddAreas(ctx, tenantID, rows, pcs)
}
