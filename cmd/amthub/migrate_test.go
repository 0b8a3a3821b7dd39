package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestMigrateComposesModules runs `amthub migrate up` and `status` on a
// fresh SQLite file: one run applies every module's migrations, and the
// status names each migration's module.
func TestMigrateComposesModules(t *testing.T) {
	env := envFrom(map[string]string{"AMTHUB_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "amthub.db")})
	for _, args := range [][]string{{"migrate", "up"}, {"migrate", "up"}, {"migrate", "status"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr, env); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		out := stdout.String()
		if strings.Contains(out, "pending") {
			t.Errorf("%v left migrations pending:\n%s", args, out)
		}
		for _, want := range []string{
			"00001_foundation.sql", "sqlstore",
			"00100_oauth.sql", "oauth",
			"00200_submissions.sql", "pipeline",
			"00302_portal_documents.sql", "portal",
			"00400_mappings.sql", "mappings",
			"00500_payments.sql", "payments",
			"00510_register_audit.sql", "registers",
			"00520_mailbox.sql", "mailbox",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%v output lacks %q:\n%s", args, want, out)
			}
		}
	}
}
