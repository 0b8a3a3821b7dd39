package portal_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/portal"
)

// benchQueries are what citizens type: words of the synthetic catalogue,
// stems, a synonym, typos, several words, with and without a place.
var benchQueries = []struct{ q, ars string }{
	{"Fischereiabgabe", ""},
	{"hundesteuer beantragen", ""},
	{"Wohnzuschuss", "145210020020"},
	{"Parkausweise", ""},
	{"gewerbeerlaubnis verlängern", ""},
	{"Fischereiabgbe", ""},
	{"Kinder Betreuung Antrag", ""},
	{"Sozialkarte", "146120000000"},
	{"Renten", ""},
	{"Baugenehmigung", "147130000000"},
	{"Jagdschein ersetzen", ""},
	{"Straßenkontrolle", ""},
}

// BenchmarkSearch compares the portal's search with a plain LIKE scan of
// the same 10,000-service table, on SQLite and PostgreSQL, and reports
// the latency percentiles and queries per second (one client).
//
//	go test -run '^$' -bench Search -benchtime 2000x ./portal/
func BenchmarkSearch(b *testing.B) {
	for _, d := range hubtest.Databases() {
		b.Run(d.Name, func(b *testing.B) {
			ctx := context.Background()
			db := d.Open(b)
			tenant := hubtest.MustTenant(b, db)
			store := portal.NewCatalogueStore(db)
			areas, err := portal.SeedAreas()
			if err != nil {
				b.Fatal(err)
			}
			cat := portal.SyntheticCatalogue(10000, areas[:400], 1)
			start := time.Now()
			if _, err := store.ImportCatalogue(ctx, tenant, cat); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: imported %d services, %d responsibilities in %v", d.Name, len(cat.Services), len(cat.Responsibilities), time.Since(start).Round(time.Millisecond))
			methods := []struct {
				name string
				run  func(q, ars string) (int, error)
			}{
				{"fulltext", func(q, ars string) (int, error) {
					r, err := store.Search(ctx, tenant, q, portal.SearchOptions{ARS: ars})
					if err != nil {
						return 0, err
					}
					return len(r.Services), nil
				}},
				{"like", func(q, _ string) (int, error) {
					h, err := store.SearchLike(ctx, tenant, q, 20)
					return len(h), err
				}},
			}
			for _, m := range methods {
				b.Run(m.name, func(b *testing.B) { benchLatency(b, m.run) })
			}
		})
	}
}

func benchLatency(b *testing.B, run func(q, ars string) (int, error)) {
	lat := make([]time.Duration, 0, b.N)
	found := 0
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		q := benchQueries[i%len(benchQueries)]
		t0 := time.Now()
		n, err := run(q.q, q.ars)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		found += n
	}
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "queries/s")
	b.ReportMetric(float64(found)/float64(b.N), "hits/query")
}
