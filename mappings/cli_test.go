package mappings_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amthub/amthub/mappings"
)

func TestRunTest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("OK", func(t *testing.T) {
		var out bytes.Buffer
		err := mappings.RunTest(ctx, &out, "hundesteuer", "files/hundesteuer/v1.example.json")
		if err != nil {
			t.Fatalf("RunTest: %v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), `"steuerklasse": "1"`) {
			t.Errorf("output lacks the mapped document:\n%s", out.String())
		}
	})

	t.Run("OKMappingFile", func(t *testing.T) {
		var out bytes.Buffer
		err := mappings.RunTest(ctx, &out, "files/gewerbeanmeldung/v1.yaml", "files/gewerbeanmeldung/v1.example.json")
		if err != nil {
			t.Fatalf("RunTest: %v\n%s", err, out.String())
		}
		if !strings.HasPrefix(out.String(), "<?xml") {
			t.Errorf("output is not the XML document:\n%s", out.String())
		}
	})

	t.Run("ErrEveryViolationListed", func(t *testing.T) {
		in := write("bad.json", `{"halter": {"vorname": "", "geburtsdatum": "1984-13-45",
			"anschrift": {"strasse": "A", "hausnummer": "1", "postleitzahl": "123", "ort": "K"}},
			"hund": {"name": "Bello", "rasse": "Mops", "geschlecht": "maennlich", "wurfdatum": "2023-05-04"},
			"haltungsbeginn": "2026-02-14"}`)
		var out bytes.Buffer
		err := mappings.RunTest(ctx, &out, "hundesteuer@v1", in)
		if err == nil {
			t.Fatalf("RunTest: want an error\n%s", out.String())
		}
		for _, want := range []string{
			"input  /halter/nachname:", "input  /halter/vorname:", "input  /halter/geburtsdatum:",
			"input  /halter/anschrift/postleitzahl:", "output /halter_nachname:",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
		}
	})

	t.Run("ErrProgramDetailShown", func(t *testing.T) {
		m := write("v1.yaml", `name: kaputt
version: 1
input: {schema: {type: object}}
output: {format: json, schema: {type: object}}
transform: .a[]
`)
		in := write("in.json", `{"a": "Geheimnis"}`)
		var out bytes.Buffer
		if err := mappings.RunTest(ctx, &out, m, in); err == nil {
			t.Fatal("RunTest: want an error")
		}
		if !strings.Contains(out.String(), "cannot iterate over") {
			t.Errorf("output lacks gojq's message:\n%s", out.String())
		}
	})

	t.Run("ErrUnknownMapping", func(t *testing.T) {
		var out bytes.Buffer
		if err := mappings.RunTest(ctx, &out, "katzensteuer", "files/hundesteuer/v1.example.json"); err == nil {
			t.Fatal("RunTest: want an error")
		}
	})
}

func TestLintProblems(t *testing.T) {
	dir := t.TempDir()
	mk := func(p, content string) {
		t.Helper()
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A mapping that compiles but has no golden cases and no example.
	mk("leer/v1.yaml", "name: leer\nversion: 1\ninput: {schema: {type: object}}\n"+
		"output: {format: json, schema: {type: object}}\ntransform: .\n")
	// A mapping whose golden output is stale.
	mk("alt/v1.yaml", "name: alt\nversion: 1\ninput: {schema: {type: object}, example: {a: 1}}\n"+
		"output: {format: json, schema: {type: object}}\ntransform: '{b: .a}'\n")
	mk("alt/testdata/v1/fall.input.json", `{"a": 2}`)
	mk("alt/testdata/v1/fall.output.json", "{\n  \"b\": 1\n}\n")
	// A mapping that does not compile, in a file whose name disagrees.
	mk("falsch/v2.yaml", "name: falsch\nversion: 1\ninput: {schema: {type: object}}\n"+
		"output: {format: json, schema: {type: object}}\ntransform: '{'\n")

	var out bytes.Buffer
	err := mappings.Lint(context.Background(), &out, dir)
	if err == nil {
		t.Fatalf("Lint: want an error\n%s", out.String())
	}
	for _, want := range []string{
		"FAIL  leer/v1.yaml", "input.example: missing", "no golden cases",
		"FAIL  alt/v1.yaml", "golden case fall: output differs",
		"FAIL  falsch/v2.yaml", "declares version 1",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("lint output lacks %q:\n%s", want, out.String())
		}
	}
}
