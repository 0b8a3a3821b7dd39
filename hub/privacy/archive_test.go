package privacy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/amthub/amthub/hub/privacy"
)

// readZip returns the files of a ZIP archive by name.
func readZip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a ZIP file: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		c, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = c
	}
	return out
}

type part func(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error

func (p part) ExportCitizen(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	return p(ctx, tenantID, citizenID, a)
}

func TestWriteArchive(t *testing.T) {
	var buf bytes.Buffer
	h := privacy.Header{CreatedAt: time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC), TenantID: "t1", CitizenID: "c1"}
	docs := part(func(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
		if err := a.Section("documents"); err != nil {
			return err
		}
		for _, name := range []string{"Nachweis.pdf", "Nachweis.pdf", "../../etc/passwd"} {
			p := a.File("dokumente", name, func(context.Context) ([]byte, error) { return []byte("Inhalt " + name), nil })
			if err := a.Add(map[string]string{"name": name, "file": p, "owner": citizenID}); err != nil {
				return err
			}
		}
		return a.Section("empty")
	})
	if err := privacy.WriteArchive(context.Background(), &buf, h, []privacy.Exporter{docs}); err != nil {
		t.Fatal(err)
	}
	files := readZip(t, buf.Bytes())
	var doc struct {
		Format, TenantID, CitizenID string
		Sections                    map[string][]map[string]string
	}
	if err := json.Unmarshal(files[privacy.DocumentName], &doc); err != nil {
		t.Fatalf("document is not JSON: %v\n%s", err, files[privacy.DocumentName])
	}
	if doc.Format != privacy.ArchiveFormat || doc.TenantID != "t1" || doc.CitizenID != "c1" {
		t.Errorf("header = %+v", doc)
	}
	if got, ok := doc.Sections["empty"]; !ok || len(got) != 0 {
		t.Errorf("empty section = %v (present %v), want []", got, ok)
	}
	items := doc.Sections["documents"]
	if len(items) != 3 {
		t.Fatalf("documents = %v, want 3", items)
	}
	want := []string{"dokumente/Nachweis.pdf", "dokumente/Nachweis-2.pdf", "dokumente/_.._etc_passwd"}
	for i, it := range items {
		if it["file"] != want[i] {
			t.Errorf("item %d file = %q, want %q", i, it["file"], want[i])
		}
		if got := string(files[it["file"]]); got != "Inhalt "+it["name"] {
			t.Errorf("file %s = %q", it["file"], got)
		}
	}
	if len(files) != 4 {
		t.Errorf("archive has %d files, want the document and 3", len(files))
	}
}

func TestArchiveErrors(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		part part
	}{
		{"ErrSectionTwice", func(_ context.Context, _, _ string, a *privacy.Archive) error {
			if err := a.Section("a"); err != nil {
				return err
			}
			if err := a.Section("b"); err != nil {
				return err
			}
			return a.Section("a")
		}},
		{"ErrItemOutsideSection", func(_ context.Context, _, _ string, a *privacy.Archive) error { return a.Add(1) }},
		{"ErrFile", func(_ context.Context, _, _ string, a *privacy.Archive) error {
			a.File("x", "y", func(context.Context) ([]byte, error) { return nil, boom })
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := privacy.WriteArchive(context.Background(), io.Discard, privacy.Header{}, []privacy.Exporter{tc.part})
			if err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"Nachweis.pdf", "../../etc/passwd", "", "..", "a/b\\c:d", "\x00\xff", " . ", "Grüße ÄÖÜ ß €.txt"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		s := privacy.SafeName(name)
		if s == "" || !utf8.ValidString(s) || strings.ContainsAny(s, "/\\:") || s == "." || s == ".." ||
			utf8.RuneCountInString(s) > 100 || path.Clean("d/"+s) != "d/"+s {
			t.Fatalf("SafeName(%q) = %q", name, s)
		}
		for _, r := range s {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("SafeName(%q) = %q has a control character", name, s)
			}
		}
	})
}

// countingWriter counts the bytes written through it.
type countingWriter struct{ n int }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

// TestArchiveReadsFilesOneAtATime checks the bounded memory: no file is
// read while the document is written, and each is read only after the one
// before went out.
func TestArchiveReadsFilesOneAtATime(t *testing.T) {
	w := &countingWriter{}
	const size = 1 << 20
	var opened []int // bytes written when each file was opened
	exporting := true
	p := part(func(_ context.Context, _, _ string, a *privacy.Archive) error {
		if err := a.Section("files"); err != nil {
			return err
		}
		for i := range 3 {
			a.File("d", fmt.Sprintf("f%d.bin", i), func(context.Context) ([]byte, error) {
				if exporting {
					t.Error("a file was read while the document was written")
				}
				opened = append(opened, w.n)
				b := make([]byte, size) // random, so the compressed file is as large
				_, _ = rand.NewChaCha8([32]byte{byte(i)}).Read(b)
				return b, nil
			})
		}
		exporting = false
		return nil
	})
	if err := privacy.WriteArchive(context.Background(), w, privacy.Header{}, []privacy.Exporter{p}); err != nil {
		t.Fatal(err)
	}
	if len(opened) != 3 {
		t.Fatalf("%d files read, want 3", len(opened))
	}
	for i := 1; i < 3; i++ {
		if opened[i] <= opened[i-1] {
			t.Errorf("file %d was read before file %d was written out (%d bytes then, %d before)", i, i-1, opened[i], opened[i-1])
		}
	}
}
