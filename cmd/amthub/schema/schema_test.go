package schema_test

import (
	"io/fs"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/amthub/amthub/cmd/amthub/schema"
)

// TestAllKeepsShippedVersions guards existing installations: every
// migration shipped before the modules owned their migrations keeps its
// file name and version, no two files share a version, and the modules
// are listed in the order of their first version. A module's later
// migrations may lie above another module's: a module that owns its
// tables changes them when it needs to.
func TestAllKeepsShippedVersions(t *testing.T) {
	shipped := map[string]string{
		"00001_foundation.sql":       "sqlstore",
		"00100_oauth.sql":            "oauth",
		"00101_oauth_consents.sql":   "oauth",
		"00200_submissions.sql":      "pipeline",
		"00201_callbacks.sql":        "pipeline",
		"00300_portal.sql":           "portal",
		"00301_portal_search.sql":    "portal",
		"00302_portal_documents.sql": "portal",
		"00400_mappings.sql":         "mappings",
		"00500_payments.sql":         "payments",
		"00510_register_audit.sql":   "registers",
		"00520_mailbox.sql":          "mailbox",
	}
	found := map[string]string{}
	owner := map[int64]string{}
	var lastFirst int64 = -1
	for _, m := range schema.All() {
		names, err := fs.Glob(m.FS, "*.sql")
		if err != nil {
			t.Fatalf("module %s: %v", m.Module, err)
		}
		if len(names) == 0 {
			t.Errorf("module %s has no migrations", m.Module)
		}
		for i, name := range names {
			v, err := goose.NumericComponent(name)
			if err != nil {
				t.Fatalf("%s/%s: %v", m.Module, name, err)
			}
			if i == 0 {
				if v <= lastFirst {
					t.Errorf("%s/%s: first version %d not above %d: list modules in the order of their first version", m.Module, name, v, lastFirst)
				}
				lastFirst = v
			}
			if other, taken := owner[v]; taken {
				t.Errorf("%s/%s: version %d taken by module %s", m.Module, name, v, other)
			}
			owner[v] = m.Module
			found[name] = m.Module
		}
	}
	for name, module := range shipped {
		if got := found[name]; got != module {
			t.Errorf("%s: in module %q, want %q (shipped migrations keep their name and version)", name, got, module)
		}
	}
}
