package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/amthub/amthub/hub/privacy"
)

// archiveSections are the sections of the citizen's archive when every
// module that holds data about citizens is wired in (docs/citizen-archive.md).
var archiveSections = []string{"account", "profile", "sessions", "emails", "documentFolders", "documents", "documentUsage",
	"cases", "submissions", "submissionAttachments", "caseEvents", "postboxReferences", "externalPostbox", "messages",
	"messageAttachments", "payments", "registerQueries", "oauthGrants"}

// TestDevWiresMyData logs the demo citizen of `amthub dev` in to the
// portal and downloads "Meine Daten": the archive has every module's
// sections, so the wiring in cmd/amthub leaves none out (the portal's
// tests check what each section holds).
func TestDevWiresMyData(t *testing.T) {
	demo, stop := startDev(t, t.TempDir())
	defer stop()
	b := newBrowser(t, demo.URLs["portal"])
	b.do("/konto/anmelden", nil)
	if code, loc, body := b.do("/konto/anmelden", url.Values{"email": {demo.Citizen.Email}, "password": {demo.Citizen.Password}}); code != http.StatusSeeOther {
		t.Fatalf("login = %d %s %.300s", code, loc, body)
	}
	if code, _, body := b.do("/konto/meine-daten", nil); code != http.StatusOK {
		t.Fatalf("Meine Daten = %d %.300s", code, body)
	}
	code, _, body := b.do("/konto/meine-daten/archiv", nil)
	if code != http.StatusOK {
		t.Fatalf("archive = %d %.300s", code, body)
	}
	z, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatalf("the archive is no ZIP file: %v", err)
	}
	var doc struct {
		CitizenID string                       `json:"citizenId"`
		Sections  map[string][]json.RawMessage `json:"sections"`
	}
	for _, f := range z.File {
		if f.Name != privacy.DocumentName {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for name := range doc.Sections {
		got = append(got, name)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(archiveSections))
	if !slices.Equal(got, want) {
		t.Errorf("sections = %v\nwant %v", got, want)
	}
	if len(doc.Sections["account"]) != 1 || doc.CitizenID == "" {
		t.Errorf("account section %s for citizen %q", doc.Sections["account"], doc.CitizenID)
	}
}
