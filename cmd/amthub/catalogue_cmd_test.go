package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCatalogueImport(t *testing.T) {
	dir := t.TempDir()
	env := envFrom(map[string]string{"AMTHUB_DATABASE_URL": "sqlite:" + filepath.Join(dir, "amthub.db")})
	ctx := context.Background()
	runOK := func(args ...string) []byte {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(ctx, args, &out, &errOut, env); code != 0 {
			t.Fatalf("amthub %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
		}
		return out.Bytes()
	}
	runOK("tenant", "create", "sachsen")
	seed := filepath.Join("..", "..", "portal", "seed", "sachsen.json")
	var first, second struct {
		Services struct{ Created, Unchanged int }
	}
	if err := json.Unmarshal(runOK("catalogue", "import", seed, "--tenant", "sachsen"), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(runOK("catalogue", "import", seed, "--tenant", "sachsen"), &second); err != nil {
		t.Fatal(err)
	}
	if first.Services.Created == 0 || second.Services.Created != 0 || second.Services.Unchanged != first.Services.Created {
		t.Fatalf("first %+v, second %+v: the import is not idempotent", first, second)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"leistungen":[{"x":1}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"catalogue", "import", bad, "--tenant", "sachsen"}, &out, &errOut, env); code == 0 {
		t.Fatal("a broken catalogue was imported")
	}
	if !strings.Contains(errOut.String(), "line 1") || strings.Count(strings.TrimSpace(errOut.String()), "\n") != 0 {
		t.Fatalf("error %q does not name the line on one line", errOut.String())
	}
}
