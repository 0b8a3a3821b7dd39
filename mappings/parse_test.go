package mappings_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/amthub/amthub/mappings"
)

func TestParse(t *testing.T) {
	t.Run("OKInlineDocuments", func(t *testing.T) {
		d, err := mappings.Parse([]byte(`
name: inline
version: 3
input:
  schema: {type: object, required: [a]}
  example: {a: 1}
output:
  format: json
  schema: {type: object}
transform: '{b: .a}'
`), nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(d.InputSchema), `{"required":["a"],"type":"object"}`; got != want {
			t.Errorf("input schema = %s, want %s", got, want)
		}
		if _, err := mappings.Check(context.Background(), d, mappings.Limits{}); err != nil {
			t.Error(err)
		}
	})

	t.Run("OKBundleRoundTrip", func(t *testing.T) {
		for _, name := range []string{"gewerbeanmeldung", "hundesteuer"} {
			d, err := mappings.Builtin(name, 1)
			if err != nil {
				t.Fatal(err)
			}
			b, err := d.Bundle()
			if err != nil {
				t.Fatal(err)
			}
			back, err := mappings.Parse(b, nil, "")
			if err != nil {
				t.Fatalf("%s: parse bundle: %v\n%s", name, err, b)
			}
			want := run(t, d, d.Example)
			if got := run(t, back, d.Example); !bytes.Equal(got, want) {
				t.Errorf("%s: bundled mapping maps differently", name)
			}
		}
	})

	errs := []struct {
		name, yaml, want string
	}{
		{"ErrUnknownKey", "name: a\nversion: 1\ntransfrom: .\n", "transfrom"},
		{"ErrFileOutsideFolder", "name: a\nversion: 1\ninput: {schema: ../secret.json}\n", "next to the mapping file"},
		{"ErrFileWithoutFS", "name: a\nversion: 1\ninput: {schema: in.json}\n", "next to the mapping file"},
		{"ErrMissingOutputSchema", "name: a\nversion: 1\ninput: {schema: {}}\noutput: {format: json}\ntransform: .\n", "output.schema"},
		{"ErrNotYAML", "name: [a\n", "parse mapping"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mappings.Parse([]byte(tt.yaml), nil, "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}

	t.Run("ErrFolderDisagrees", func(t *testing.T) {
		fsys := fstest.MapFS{"andere/v1.yaml": {Data: []byte("name: a\nversion: 1\ninput: {schema: {}}\n" +
			"output: {format: json, schema: {}}\ntransform: .\n")}}
		if _, err := mappings.ParseFile(fsys, "andere/v1.yaml"); err == nil || !strings.Contains(err.Error(), "folder") {
			t.Errorf("got %v, want a folder mismatch", err)
		}
	})
}

func run(t *testing.T, d *mappings.Definition, input []byte) []byte {
	t.Helper()
	m, err := mappings.Compile(d, mappings.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Run(context.Background(), input, mappings.ExampleMeta())
	if err != nil {
		t.Fatal(err)
	}
	return res.Body
}
