package sim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAppliedLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "applied.jsonl")
	l, err := openLog(path)
	if err != nil {
		t.Fatal(err)
	}
	a := Applied{SubmissionID: "s1", Decision: DecisionAccepted, AppliedAt: time.Now().UTC()}
	if _, fresh, err := l.apply("s1", func() Applied { return a }); err != nil || !fresh {
		t.Fatalf("first apply: fresh %v, %v", fresh, err)
	}
	if got, fresh, err := l.apply("s1", func() Applied { t.Fatal("decided twice"); return Applied{} }); err != nil || fresh || got.Decision != DecisionAccepted {
		t.Fatalf("second apply: %+v fresh %v, %v", got, fresh, err)
	}
	if err := l.close(); err != nil {
		t.Fatal(err)
	}

	t.Run("OK/TornTail", func(t *testing.T) {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(`{"submissionId":"s2","deci`) // a crash mid-write
		f.Close()
		l, err := openLog(path)
		if err != nil {
			t.Fatal(err)
		}
		defer l.close()
		if got := l.all(); len(got) != 1 || got[0].SubmissionID != "s1" {
			t.Fatalf("entries: got %+v", got)
		}
		if _, fresh, err := l.apply("s3", func() Applied { return Applied{SubmissionID: "s3"} }); err != nil || !fresh {
			t.Fatalf("apply after torn tail: fresh %v, %v", fresh, err)
		}
		entries, err := ReadLog(path)
		if err != nil || len(entries) != 2 || entries[1].SubmissionID != "s3" {
			t.Fatalf("read log: got %+v, %v", entries, err)
		}
	})

	t.Run("ErrCorruptLine", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.jsonl")
		os.WriteFile(bad, []byte("{\"submissionId\":\"s1\"}\nnot json\n{\"submissionId\":\"s2\"}\n"), 0o600)
		if _, err := openLog(bad); err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Fatalf("got %v, want an error about line 2", err)
		}
	})

	t.Run("ErrClosed", func(t *testing.T) {
		l, err := openLog(filepath.Join(t.TempDir(), "c.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		l.close()
		if _, _, err := l.apply("s9", func() Applied { return Applied{} }); err == nil {
			t.Fatal("apply on a closed log succeeded")
		}
	})
}
