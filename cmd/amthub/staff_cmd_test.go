package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"
)

// TestStaffCommand invites a person with a role through the CLI, lists
// them, and finds both changes in the exported audit log.
func TestStaffCommand(t *testing.T) {
	env := envFrom(map[string]string{"AMTHUB_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "amthub.db"),
		"AMTHUB_PUBLIC_URL": "https://hub.example"})
	ctx := context.Background()
	amthub := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := run(ctx, args, &out, &errOut, env)
		return out.String(), errOut.String(), code
	}
	if _, errOut, code := amthub("tenant", "create", "sachsen"); code != 0 {
		t.Fatal(errOut)
	}
	out, errOut, code := amthub("staff", "invite", "--tenant", "sachsen", "--email", "Anna@Amt.example", "--name", "Anna", "--role", "tenant-admin")
	if code != 0 || !strings.Contains(out, "https://hub.example/admin/einladung/") || !strings.Contains(out, `"email": "anna@amt.example"`) {
		t.Fatalf("invite: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = amthub("staff", "list", "--tenant", "sachsen")
	if code != 0 || !strings.Contains(out, `"Role": "tenant-admin"`) {
		t.Fatalf("list: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := amthub("staff", "invite", "--tenant", "sachsen", "--email", "kaputt", "--name", "X"); code == 0 || errOut == "" {
		t.Errorf("inviting a bad address: exit %d", code)
	}
	out, errOut, code = amthub("audit")
	if code != 0 {
		t.Fatalf("audit: exit %d %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("audit CSV: %v\n%s", err, out)
	}
	if rows[1][5] != "grant.added" || rows[2][5] != "staff.invited" || rows[1][3] != "cli" {
		t.Errorf("audit rows: %v", rows[1:])
	}
}
