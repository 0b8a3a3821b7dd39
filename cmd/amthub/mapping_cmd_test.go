package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMappingCommand(t *testing.T) {
	const files = "../../mappings/files"
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"hund": {"name": "Bello"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := t.TempDir()
	if err := os.MkdirAll(filepath.Join(broken, "kaputt"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "kaputt", "v1.yaml"), []byte("name: kaputt\nversion: 1\n"+
		"input: {schema: {type: object}}\noutput: {format: json, schema: {type: object}}\ntransform: '{'\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"OKTestBuiltin", []string{"test", "hundesteuer@v1", files + "/hundesteuer/v1.example.json"}, 0, `"steuerklasse": "1"`, ""},
		{"OKTestFile", []string{"test", files + "/gewerbeanmeldung/v1.yaml", files + "/gewerbeanmeldung/v1.example.json"}, 0, "<?xml", ""},
		{"ErrTestInvalidInput", []string{"test", "hundesteuer", bad}, 1, "input  /halter:", "amthub: mapping test hundesteuer@v1: "},
		{"ErrTestUnknownMapping", []string{"test", "katzensteuer@v1", bad}, 1, "", "neither a file nor a built-in mapping"},
		{"ErrTestArgs", []string{"test", "hundesteuer"}, 1, "", "accepts 2 arg(s)"},
		{"OKLintBuiltins", []string{"lint"}, 0, "ok    hundesteuer/v1.yaml  hundesteuer@v1, json, example checked", ""},
		{"OKLintDir", []string{"lint", files}, 0, "ok    gewerbeanmeldung/v1.yaml  gewerbeanmeldung@v1, xml,", ""},
		{"ErrLintBroken", []string{"lint", broken}, 1, "FAIL  kaputt/v1.yaml", "1 of 1 mapping file(s) failed"},
		{"ErrLintNoDir", []string{"lint", filepath.Join(broken, "fehlt")}, 1, "", "amthub: lint "},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"mapping"}, c.args...), &stdout, &stderr, envFrom(nil))
			if code != c.wantCode {
				t.Errorf("exit code = %d, want %d\nstdout: %s\nstderr: %s", code, c.wantCode, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), c.wantStdout) {
				t.Errorf("stdout lacks %q:\n%s", c.wantStdout, stdout.String())
			}
			if !strings.Contains(stderr.String(), c.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", c.wantStderr, stderr.String())
			}
		})
	}
}
