package mappings_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/amthub/amthub/mappings"
)

func TestLintBuiltins(t *testing.T) {
	var out bytes.Buffer
	if err := mappings.LintBuiltins(context.Background(), &out); err != nil {
		t.Fatalf("LintBuiltins: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"ok    gewerbeanmeldung/v1.yaml  gewerbeanmeldung@v1, xml, example checked",
		"ok    hundesteuer/v1.yaml  hundesteuer@v1, json, example checked",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("lint output lacks %q:\n%s", want, out.String())
		}
	}
}
