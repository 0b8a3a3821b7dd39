package mappings_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/amthub/amthub/mappings"
)

// BenchmarkMappings maps each shipped mapping's example and, in the same
// run, decodes and encodes the same document with plain encoding/json, the
// floor any mapping stands against. It reports mappings/s, json/s and how
// many json round trips one mapping costs (json-per-mapping).
//
//	go test -run '^$' -bench BenchmarkMappings -benchtime 2s ./mappings/
func BenchmarkMappings(b *testing.B) {
	defs, err := mappings.Builtins()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, d := range defs {
		b.Run(d.Name, func(b *testing.B) {
			e := mappings.NewEngine(nil, mappings.Limits{})
			ref := mappings.Ref{Name: d.Name, Version: d.Version}
			if _, err := e.Run(ctx, ref, d.Example, mappings.ExampleMeta()); err != nil {
				b.Fatal(err) // compiles and caches outside the timed loop
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := e.Run(ctx, ref, d.Example, mappings.ExampleMeta()); err != nil {
					b.Fatal(err)
				}
			}
			mapped := float64(b.N) / b.Elapsed().Seconds()
			b.StopTimer()
			baseline := jsonRoundTrips(b, d.Example, b.N)
			b.ReportMetric(mapped, "mappings/s")
			b.ReportMetric(baseline, "json/s")
			b.ReportMetric(baseline/mapped, "json-per-mapping")
		})
	}
}

// jsonRoundTrips decodes and encodes doc n times (at least for 100ms) and
// returns the rate per second.
func jsonRoundTrips(b *testing.B, doc []byte, n int) float64 {
	start, count := time.Now(), 0
	for count < n || time.Since(start) < 100*time.Millisecond {
		var v any
		if err := json.Unmarshal(doc, &v); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(v); err != nil {
			b.Fatal(err)
		}
		count++
	}
	return float64(count) / time.Since(start).Seconds()
}
