package portal_test

import (
	"context"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/portal"
)

// TestCatalogue seeds Saxony's catalogue on both databases and checks the
// search and the responsibility finder on it.
func TestCatalogue(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			db := d.Open(t)
			tenant := hubtest.MustTenant(t, db)
			store := portal.NewCatalogueStore(db)
			rep, err := store.SeedDemo(ctx, tenant)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Services.Created < 100 || rep.Authorities.Created < 400 {
				t.Fatalf("seed created %+v", rep)
			}
			rep, err = store.SeedDemo(ctx, tenant)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Changed() || rep.Services.Unchanged < 100 {
				t.Fatalf("second seed changed something: %+v", rep)
			}
			t.Run("Search", func(t *testing.T) { testSearch(t, store, tenant) })
			t.Run("Finder", func(t *testing.T) { testFinder(t, store, tenant) })
		})
	}
}

func testSearch(t *testing.T, store *portal.CatalogueStore, tenant string) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, query, ars, want string
	}{
		{"Stemming", "Personalausweise beantragen", "", "99115005000000"},
		{"Synonym", "Auto anmelden", "", "99108001000000"},
		{"SynonymHund", "Hund", "", "99022003001000"},
		{"Typo", "Persnalausweis", "", "99115005000000"},
		{"TypoLong", "Hundesteur", "", "99022003001000"},
		{"Sentence", "Ich möchte heiraten", "", "99032002000000"},
		{"Umlaut", "Führerschein umtauschen", "", "99108008000000"},
		{"FilterByPlace", "Wohngeld", "146120000000", "99099001000000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := store.Search(ctx, tenant, tc.query, portal.SearchOptions{ARS: tc.ars, Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range res.Services {
				if h.LeikaKey == tc.want {
					return
				}
			}
			t.Errorf("search %q: %s not among %+v", tc.query, tc.want, res.Services)
		})
	}
	t.Run("Empty", func(t *testing.T) {
		res, err := store.Search(ctx, tenant, "  ", portal.SearchOptions{})
		if err != nil || len(res.Services) != 0 {
			t.Fatalf("got %v, %v", res, err)
		}
	})
	t.Run("OperatorsAreText", func(t *testing.T) {
		for _, q := range []string{`"hund*" OR`, `a & !b | (c:*`, `NEAR(x y)`, `'; DROP TABLE portal_services; --`} {
			if _, err := store.Search(ctx, tenant, q, portal.SearchOptions{}); err != nil {
				t.Errorf("search %q: %v", q, err)
			}
		}
	})
	t.Run("Authorities", func(t *testing.T) {
		res, err := store.Search(ctx, tenant, "Landratsamt Meißen", portal.SearchOptions{})
		if err != nil || len(res.Authorities) == 0 || res.Authorities[0].ID != "lra-14627" {
			t.Fatalf("got %+v, %v", res, err)
		}
	})
}

func testFinder(t *testing.T, store *portal.CatalogueStore, tenant string) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, leika, place, wantAuthority, wantNote string
	}{
		{"MunicipalityByName", "99115005000000", "Annaberg", "gv-145210020020", ""},
		{"MunicipalityByPostcode", "99115005000000", "09456", "gv-145210020020", ""},
		{"DistrictService", "99108001000000", "Annaberg", "lra-14521", ""},
		{"CityDoesDistrictWork", "99108001000000", "Dresden", "gv-146120000000", ""},
		{"RegionalNote", "99022003001000", "Dresden", "steueramt-dresden", "kosten"},
		{"StateWithRegionalOverride", "99099018000000", "Leipzig", "stw-leipzig", ""},
		{"State", "99099018000000", "Bautzen", "stw", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			places, err := store.Places(ctx, tenant, tc.place)
			if err != nil || len(places) == 0 {
				t.Fatalf("places %q: %v, %v", tc.place, places, err)
			}
			f, err := store.Responsible(ctx, tenant, tc.leika, places[0])
			if err != nil {
				t.Fatal(err)
			}
			if f.Authority.ID != tc.wantAuthority {
				t.Errorf("authority = %s (%s), want %s", f.Authority.ID, f.Place.Name, tc.wantAuthority)
			}
			if tc.wantNote != "" && f.Notes[tc.wantNote] == "" {
				t.Errorf("no regional note %q: %+v", tc.wantNote, f.Notes)
			}
		})
	}
	t.Run("ErrUnknownService", func(t *testing.T) {
		_, err := store.Responsible(ctx, tenant, "99999999999999", portal.Place{ARS: "146120000000"})
		if !hub.IsCode(err, hub.ENOTFOUND) {
			t.Fatalf("err = %v", err)
		}
	})
}
