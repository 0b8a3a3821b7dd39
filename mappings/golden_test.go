package mappings_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/mappings"
)

var update = flag.Bool("update", false, "rewrite the golden files of the shipped mappings")

// TestGolden maps every golden input of every shipped mapping and compares
// the result with the expected file; -update rewrites the expected files.
func TestGolden(t *testing.T) {
	defs, err := mappings.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) < 2 {
		t.Fatalf("got %d built-in mappings, want at least 2", len(defs))
	}
	for _, def := range defs {
		m, err := mappings.Compile(def, mappings.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join("files", def.Name, "testdata", "v"+strconv.Itoa(def.Version))
		inputs, _ := filepath.Glob(filepath.Join(dir, "*.input.json"))
		if len(inputs) == 0 {
			t.Errorf("%s@v%d: no golden inputs in %s", def.Name, def.Version, dir)
		}
		for _, in := range inputs {
			name := strings.TrimSuffix(filepath.Base(in), ".input.json")
			t.Run(def.Name+"/"+name, func(t *testing.T) {
				runGolden(t, m, def, dir, name)
			})
		}
	}
}

func runGolden(t *testing.T, m *mappings.Mapping, def *mappings.Definition, dir, name string) {
	input, err := os.ReadFile(filepath.Join(dir, name+".input.json"))
	if err != nil {
		t.Fatal(err)
	}
	outFile := filepath.Join(dir, name+".output."+string(def.Format))
	errFile := filepath.Join(dir, name+".error.txt")
	got, want := goldenContent(t, m, input), outFile
	if strings.HasPrefix(string(got), "error: ") {
		got, want = []byte(strings.TrimPrefix(string(got), "error: ")), errFile
	}
	if *update {
		_ = os.Remove(outFile)
		_ = os.Remove(errFile)
		if err := os.WriteFile(want, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	expected, err := os.ReadFile(want)
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s is missing; got:\n%s", want, got)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(expected, got) {
		t.Errorf("%s differs (regenerate with -update):\ngot:\n%s\nwant:\n%s", want, got, expected)
	}
}

// goldenContent is the mapped document, or "error: reason (field)" for a
// refused input.
func goldenContent(t *testing.T, m *mappings.Mapping, input []byte) []byte {
	t.Helper()
	res, err := m.Run(context.Background(), input, mappings.ExampleMeta())
	if err == nil {
		return res.Body
	}
	var he *hub.Error
	if !errors.As(err, &he) {
		t.Fatalf("run: %v", err)
	}
	if he.Kind != mappings.KindMappingFailed {
		t.Errorf("kind = %q, want %q", he.Kind, mappings.KindMappingFailed)
	}
	s := he.Message
	if he.Field != "" {
		s += " (" + he.Field + ")"
	}
	return []byte("error: " + s + "\n")
}

// TestLint runs the linter over the shipped mappings, as CI and
// `amthub mapping lint` do.
func TestLint(t *testing.T) {
	var out bytes.Buffer
	if err := mappings.Lint(context.Background(), &out, "files"); err != nil {
		t.Fatalf("lint: %v\n%s", err, out.String())
	}
	for _, name := range []string{"gewerbeanmeldung", "hundesteuer"} {
		if !strings.Contains(out.String(), "ok    "+name+"/v1.yaml") {
			t.Errorf("lint output does not list %s as ok:\n%s", name, out.String())
		}
	}
}
