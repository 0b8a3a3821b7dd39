package privacy

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ArchiveFormat names the structure of the citizen's archive
// (docs/citizen-archive.md); it changes when a field changes meaning.
const ArchiveFormat = "amthub-meine-daten/1"

// DocumentName is the archive's JSON document.
const DocumentName = "daten.json"

// Exporter is a module that holds data about citizens: it writes its part
// of one citizen's archive, section by section.
type Exporter interface {
	ExportCitizen(ctx context.Context, tenantID, citizenID string, a *Archive) error
}

// ExportFunc is one step of a module's export.
type ExportFunc func(ctx context.Context, tenantID, citizenID string, a *Archive) error

// Steps runs a module's export steps one after the other.
func Steps(ctx context.Context, tenantID, citizenID string, a *Archive, steps ...ExportFunc) error {
	for _, step := range steps {
		if err := step(ctx, tenantID, citizenID, a); err != nil {
			return err
		}
	}
	return nil
}

// run writes every part to a, then finishes it.
func run(ctx context.Context, a *Archive, h Header, parts []Exporter) error {
	for _, p := range parts {
		if err := p.ExportCitizen(ctx, h.TenantID, h.CitizenID, a); err != nil {
			return err
		}
	}
	return a.Finish(ctx)
}

// WriteArchive writes the archive of a citizen to w: the header, every
// exporter's sections in the order given, then the files.
func WriteArchive(ctx context.Context, w io.Writer, h Header, parts []Exporter) error {
	a, err := NewArchive(w, h)
	if err != nil {
		return err
	}
	return run(ctx, a, h, parts)
}

// WriteDocument writes only the archive's JSON document to w, without the
// files (their paths are named but not read): for showing a citizen what
// the hub holds.
func WriteDocument(ctx context.Context, w io.Writer, h Header, parts []Exporter) error {
	a, err := start(w, nil, h)
	if err != nil {
		return err
	}
	return run(ctx, a, h, parts)
}

// Archive is a citizen's archive as it is written: a ZIP file with one
// JSON document (DocumentName) and the files it names. The document is
// streamed: each section is an array written item by item, and the files
// are written after it, one at a time, so memory stays bounded by the
// largest single file.
type Archive struct {
	zip      *zip.Writer
	doc      io.Writer
	section  string // the open section, "" before the first
	items    int    // items written to the open section
	seen     map[string]bool
	files    []archiveFile
	paths    map[string]bool
	finished bool
}

// archiveFile is a file the document names, written after it.
type archiveFile struct {
	path string
	open FileFunc
}

// FileFunc returns a file's content when the archive writes it.
type FileFunc func(ctx context.Context) ([]byte, error)

// Header is the start of the archive's document.
type Header struct {
	Format    string    `json:"format"`
	CreatedAt time.Time `json:"createdAt"`
	TenantID  string    `json:"tenantId"`
	CitizenID string    `json:"citizenId"`
}

// NewArchive starts an archive on w and writes the document's header.
func NewArchive(w io.Writer, h Header) (*Archive, error) {
	z := zip.NewWriter(w)
	doc, err := z.CreateHeader(&zip.FileHeader{Name: DocumentName, Method: zip.Deflate, Modified: h.CreatedAt})
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	return start(doc, z, h)
}

// start begins the document on doc; z is the ZIP file around it, nil when
// only the document is written.
func start(doc io.Writer, z *zip.Writer, h Header) (*Archive, error) {
	h.Format = ArchiveFormat
	b, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("archive header: %w", err)
	}
	// The header's object stays open: the sections follow as its members.
	if _, err := doc.Write(append(b[:len(b)-1], ",\n\"sections\":{"...)); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	return &Archive{zip: z, doc: doc, seen: map[string]bool{}, paths: map[string]bool{}}, nil
}

// Section opens a section of the document (an array named name). A module
// opens each of its sections before adding to it, so that an empty one
// appears as []; a section cannot be opened twice.
func (a *Archive) Section(name string) error {
	if a.finished {
		return fmt.Errorf("archive: section %s after the end", name)
	}
	if a.seen[name] {
		return fmt.Errorf("archive: section %s opened twice", name)
	}
	sep := ""
	if a.section != "" {
		sep = "\n],"
	}
	key, _ := json.Marshal(name) // a string always marshals
	if _, err := fmt.Fprintf(a.doc, "%s\n%s:[", sep, key); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	a.section, a.items, a.seen[name] = name, 0, true
	return nil
}

// Add writes one item to the open section.
func (a *Archive) Add(item any) error {
	if a.section == "" || a.finished {
		return fmt.Errorf("archive: item outside a section")
	}
	b, err := json.Marshal(item)
	if err != nil {
		return fmt.Errorf("archive: section %s: %w", a.section, err)
	}
	sep := "\n"
	if a.items > 0 {
		sep = ",\n"
	}
	if _, err := io.WriteString(a.doc, sep); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if _, err := a.doc.Write(b); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	a.items++
	return nil
}

// File names a file of the archive under dir with the name it had (made
// safe, and unique within the archive), to be read by open when the
// archive writes its files; it returns the path to put into the item.
func (a *Archive) File(dir, name string, open FileFunc) string {
	p := a.unique(path.Join(SafeName(dir), SafeName(name)))
	a.paths[p] = true
	a.files = append(a.files, archiveFile{path: p, open: open})
	return p
}

// unique returns p, or p with a counter before its extension when the
// archive has a file of that path already.
func (a *Archive) unique(p string) string {
	if !a.paths[p] {
		return p
	}
	ext := path.Ext(p)
	base := strings.TrimSuffix(p, ext)
	for i := 2; ; i++ {
		if q := fmt.Sprintf("%s-%d%s", base, i, ext); !a.paths[q] {
			return q
		}
	}
}

// Finish closes the document, writes the files it names, one at a time,
// and ends the ZIP file.
func (a *Archive) Finish(ctx context.Context) error {
	if a.finished {
		return fmt.Errorf("archive: finished twice")
	}
	a.finished = true
	end := "}}\n"
	if a.section != "" {
		end = "\n]}}\n"
	}
	if _, err := io.WriteString(a.doc, end); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if a.zip == nil {
		return nil
	}
	for i, f := range a.files {
		b, err := f.open(ctx)
		if err != nil {
			return fmt.Errorf("archive file %s: %w", f.path, err)
		}
		w, err := a.zip.CreateHeader(&zip.FileHeader{Name: f.path, Method: zip.Deflate})
		if err != nil {
			return fmt.Errorf("archive file %s: %w", f.path, err)
		}
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("archive file %s: %w", f.path, err)
		}
		a.files[i].open = nil // let the content's closure go
	}
	if err := a.zip.Close(); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	return nil
}

// SafeName makes name a safe path element of an archive: no directories,
// no control characters, nothing that points upward, at most 100
// characters; an empty result becomes "datei".
func SafeName(name string) string {
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "_")
	}
	var b strings.Builder
	n := 0
	for _, r := range name {
		if n == 100 {
			break
		}
		switch {
		case r == '/' || r == '\\' || r == ':' || unicode.IsControl(r) || !unicode.IsPrint(r):
			r = '_'
		}
		b.WriteRune(r)
		n++
	}
	s := strings.Trim(b.String(), ". ")
	if s == "" {
		return "datei"
	}
	return s
}
