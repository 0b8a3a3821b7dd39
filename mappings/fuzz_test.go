package mappings

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
)

// FuzzTransform maps arbitrary input with every shipped mapping, through
// both Run (which stops at invalid input) and the `mapping test` path (which
// runs the jq program and the XML layout on invalid input too). It must
// never panic, never overrun the time bound, and fail only with a
// mapping_failed *hub.Error.
func FuzzTransform(f *testing.F) {
	defs, err := Builtins()
	if err != nil {
		f.Fatal(err)
	}
	const timeout = 500 * time.Millisecond
	ms := make([]*Mapping, len(defs))
	for i, d := range defs {
		if ms[i], err = Compile(d, Limits{Timeout: timeout, MaxOutputBytes: 1 << 20}); err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), []byte(d.Example))
		inputs, _ := filepath.Glob(filepath.Join("files", d.Name, "testdata", "*", "*.input.json"))
		for _, in := range inputs {
			b, err := os.ReadFile(in)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(uint8(i), b)
		}
	}
	for _, junk := range []string{``, `null`, `[]`, `{}`, `"x"`, `1e999`, `{"halter": {"anschrift": []}}`,
		`{"personen": [null, 1, "a"], "betrieb": {"rechtsform": "gmbh"}}`} {
		for i := range ms {
			f.Add(uint8(i), []byte(junk))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, input []byte) {
		m := ms[int(which)%len(ms)]
		start := time.Now()
		res, err := m.Run(context.Background(), input, ExampleMeta())
		checkOutcome(t, m, res, err)
		rep := m.test(context.Background(), input, ExampleMeta())
		if rep.failure != nil {
			var he *hub.Error
			if !errors.As(rep.failure, &he) || he.Kind != KindMappingFailed {
				t.Fatalf("test path: %v is no mapping_failed error", rep.failure)
			}
		}
		if elapsed := time.Since(start); elapsed > 2*timeout+time.Second {
			t.Fatalf("took %v, bound is %v per run", elapsed, timeout)
		}
	})
}

func checkOutcome(t *testing.T, m *Mapping, res *Result, err error) {
	t.Helper()
	if err != nil {
		var he *hub.Error
		if !errors.As(err, &he) || he.Kind != KindMappingFailed || he.Message == "" {
			t.Fatalf("%v is no mapping_failed error", err)
		}
		if he.Message == ReasonTimeout {
			t.Fatalf("a shipped mapping timed out")
		}
		return
	}
	switch m.def.Format {
	case FormatJSON:
		if !json.Valid(res.Body) {
			t.Fatalf("output is not JSON: %s", res.Body)
		}
	case FormatXML:
		vs, err := m.layout.checkXML(res.Body)
		if err != nil || len(vs) > 0 {
			t.Fatalf("output does not fit its layout: %v %v", err, vs)
		}
	}
}
