package portal_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/portal"
)

const goodImport = `{
 "format": "amthub-katalog/1",
 "leistungen": [
  {"leikaSchluessel": "99900000000001", "bezeichnung": "Testleistung beantragen", "kurztext": "Kurz.",
   "volltext": "", "voraussetzungen": "", "verfahrensablauf": "", "fristen": "", "unterlagen": "",
   "kosten": "", "rechtsgrundlage": ""}
 ],
 "organisationseinheiten": [
  {"id": "test-amt", "name": "Testamt", "anschrift": {"strasse": "Markt 1", "plz": "01067", "ort": "Dresden"},
   "oeffnungszeiten": "", "kommunikation": {}}
 ],
 "zustaendigkeiten": [
  {"leistung": "99900000000001", "gebiet": "14612", "organisationseinheit": "test-amt"}
 ]
}`

// brokenImport has a good record first, then three broken ones on the
// lines named in the test.
const brokenImport = `{
 "format": "amthub-katalog/1",
 "leistungen": [
  {"leikaSchluessel": "99900000000002", "bezeichnung": "Gut", "kurztext": "Kurz.", "volltext": "",
   "voraussetzungen": "", "verfahrensablauf": "", "fristen": "", "unterlagen": "", "kosten": "", "rechtsgrundlage": ""},
  {"leikaSchluessel": "12345", "bezeichnung": "", "kurztext": "Kurz.", "volltext": "",
   "voraussetzungen": "", "verfahrensablauf": "", "fristen": "", "unterlagen": "", "kosten": "", "rechtsgrundlage": "",
   "onlinedienst": "javascript:alert(1)"}
 ],
 "organisationseinheiten": [],
 "zustaendigkeiten": [
  {"leistung": "99900000000002", "gebiet": "14x", "organisationseinheit": "fehlt"}
 ]
}`

func TestImport(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			db := d.Open(t)
			tenant := hubtest.MustTenant(t, db)
			store := portal.NewCatalogueStore(db)
			rep, err := store.Import(ctx, tenant, strings.NewReader(goodImport))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Services.Created != 1 || rep.Authorities.Created != 1 || rep.Responsibilities.Created != 1 {
				t.Fatalf("first import: %+v", rep)
			}
			t.Run("Idempotent", func(t *testing.T) {
				rep, err := store.Import(ctx, tenant, strings.NewReader(goodImport))
				if err != nil || rep.Changed() || rep.Services.Unchanged != 1 {
					t.Fatalf("second import: %+v, %v", rep, err)
				}
			})
			t.Run("ReportsUpdate", func(t *testing.T) {
				changed := strings.Replace(goodImport, `"Kurz."`, `"Neu."`, 1)
				rep, err := store.Import(ctx, tenant, strings.NewReader(changed))
				if err != nil || rep.Services.Updated != 1 || rep.Authorities.Unchanged != 1 {
					t.Fatalf("update: %+v, %v", rep, err)
				}
				res, err := store.Search(ctx, tenant, "Testleistung", portal.SearchOptions{})
				if err != nil || len(res.Services) != 1 || res.Services[0].Summary != "Neu." {
					t.Fatalf("search after update: %+v, %v", res, err)
				}
			})
			t.Run("ErrBrokenRecords", func(t *testing.T) { testBrokenImport(t, store, tenant) })
			t.Run("ErrSyntax", func(t *testing.T) {
				_, err := store.Import(ctx, tenant, strings.NewReader("{\n \"format\": \"amthub-katalog/1\",\n \"leistungen\": [\n  {\"bezeichnung\": }\n ]\n}"))
				var ie *portal.ImportError
				if !errors.As(err, &ie) || ie.Records[0].Line != 4 {
					t.Fatalf("err = %v", err)
				}
			})
			t.Run("ErrUnknownField", func(t *testing.T) {
				_, err := store.Import(ctx, tenant, strings.NewReader(strings.Replace(goodImport, `"kurztext"`, `"kurzbeschreibung"`, 1)))
				var ie *portal.ImportError
				if !errors.As(err, &ie) || ie.Records[0].Line != 4 || !strings.Contains(ie.Error(), "kurzbeschreibung") {
					t.Fatalf("err = %v", err)
				}
			})
		})
	}
}

func testBrokenImport(t *testing.T, store *portal.CatalogueStore, tenant string) {
	ctx := context.Background()
	_, err := store.Import(ctx, tenant, strings.NewReader(brokenImport))
	var ie *portal.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want *ImportError", err)
	}
	want := map[string]int{"leikaSchluessel": 6, "bezeichnung": 6, "onlinedienst": 6, "gebiet": 12, "organisationseinheit": 12}
	for _, r := range ie.Records {
		if line, ok := want[r.Field]; ok && r.Line == line {
			delete(want, r.Field)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing errors %v in %v", want, ie)
	}
	// Nothing of the file was imported, not even its good record.
	if _, err := store.Service(ctx, tenant, "99900000000002"); !hub.IsCode(err, hub.ENOTFOUND) {
		t.Fatalf("good record of a rejected file was imported: %v", err)
	}
}

// TestSyntheticImport imports a mid-sized synthetic catalogue twice.
func TestSyntheticImport(t *testing.T) {
	ctx := context.Background()
	db := hubtest.NewSQLite(t)
	tenant := hubtest.MustTenant(t, db)
	store := portal.NewCatalogueStore(db)
	areas, err := portal.SeedAreas()
	if err != nil {
		t.Fatal(err)
	}
	cat := portal.SyntheticCatalogue(300, areas[:400], 7)
	start := time.Now()
	rep, err := store.ImportCatalogue(ctx, tenant, cat)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Services.Created != 300 || rep.Authorities.Created != 401 {
		t.Fatalf("report %+v", rep)
	}
	t.Logf("imported 300 services in %v", time.Since(start))
	rep, err = store.ImportCatalogue(ctx, tenant, portal.SyntheticCatalogue(300, areas[:400], 7))
	if err != nil || rep.Changed() {
		t.Fatalf("re-import: %+v, %v", rep, err)
	}
}
