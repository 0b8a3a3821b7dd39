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
	// The record of processing activities shows the tenant's own periods.
	amthub("retention", "set", "sachsen", "mailbox_messages", "90d")
	out, errOut, code = amthub("privacy", "record", "--tenant", "sachsen")
	if code != 0 || !strings.Contains(out, "Verantwortlicher: sachsen") ||
		!strings.Contains(out, "**Löschfrist:** 90 Tag(e) (vom Mandanten festgelegt)") ||
		!strings.Contains(out, "**Löschfrist:** 7 Tag(e); Frist ab Annahme oder Ablehnung") ||
		!strings.Contains(out, "keine Löschfrist (vom Mandanten so festgelegt)") {
		t.Fatalf("record: exit %d, %s%s", code, out, errOut)
	}
	out, _, code = amthub("privacy", "record", "--format", "html")
	if code != 0 || !strings.HasPrefix(out, "<!doctype html>") || !strings.Contains(out, `<html lang="de">`) || !strings.Contains(out, "<h2>Servicekonto: Stammdaten</h2>") {
		t.Fatalf("html record: exit %d, %.300s", code, out)
	}
	if _, _, code := amthub("privacy", "record", "--format", "pdf"); code == 0 {
		t.Fatal("an unknown format was accepted")
	}
}
