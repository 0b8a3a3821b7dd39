package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestRetentionCommand(t *testing.T) {
	env := envFrom(map[string]string{"AMTHUB_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "amthub.db")})
	ctx := context.Background()
	amthub := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := run(ctx, args, &out, &errOut, env)
		return out.String(), errOut.String(), code
	}
	if _, errOut, code := amthub("tenant", "create", "sachsen"); code != 0 {
		t.Fatal(errOut)
	}
	out, errOut, code := amthub("retention", "show", "sachsen")
	if code != 0 || !strings.Contains(out, "submission_content   7d         default") || !strings.Contains(out, "documents            keep       default") {
		t.Fatalf("show: exit %d, %s%s", code, out, errOut)
	}
	out, errOut, code = amthub("retention", "set", "sachsen", "submission_content", "36h")
	if code != 0 || !strings.Contains(out, "submission_content   36h0m0s    set") {
		t.Fatalf("set: exit %d, %s%s", code, out, errOut)
	}
	out, _, _ = amthub("retention", "set", "sachsen", "payments", "keep")
	if !strings.Contains(out, "payments             keep       set") {
		t.Fatalf("set keep: %s", out)
	}
	out, _, _ = amthub("retention", "set", "sachsen", "submission_content", "default")
	if !strings.Contains(out, "submission_content   7d         default") {
		t.Fatalf("set default: %s", out)
	}
	for _, args := range [][]string{
		{"retention", "set", "sachsen", "submission_content", "-3d"},
		{"retention", "set", "sachsen", "account", "3d"},
		{"retention", "set", "bayern", "drafts", "3d"},
	} {
		if _, errOut, code := amthub(args...); code == 0 || errOut == "" {
			t.Errorf("amthub %s: exit %d", strings.Join(args, " "), code)
		}
	}
	if out, errOut, code := amthub("retention", "log", "sachsen"); code != 0 || out != "" {
		t.Fatalf("log of a fresh tenant: exit %d, %q %s", code, out, errOut)
	}
}
