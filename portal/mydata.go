package portal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub/privacy"
)

// "Meine Daten" (GDPR Art. 15 and 20): what the hub holds about the
// logged-in citizen, shown on a page and downloadable as an archive (a ZIP
// file with one JSON document and the files; docs/citizen-archive.md).
// Both come from the same export of every module's part.

// myDataPages mounts the page and the archive's download.
func (p *Portal) myDataPages(r chi.Router) {
	r.Get("/konto/meine-daten", p.myDataPage)
	r.Get("/konto/meine-daten/archiv", p.myDataArchive)
}

// sectionInfo names a section of the archive for citizens; an item's
// summary on the page is its field Key (else its first field).
type sectionInfo struct{ Name, Title, Hint, Key string }

// sectionInfos are the archive's sections in the order the page shows them.
var sectionInfos = []sectionInfo{
	{"account", "Konto", "Ihre Anmeldedaten (das Passwort nur als nicht umkehrbarer Hash, hier nicht enthalten)", "email"},
	{"profile", "Stammdaten", "Name, Geburtsdaten, Anschrift und Telefon, wie Sie sie hinterlegt haben", "familyName"},
	{"sessions", "Anmeldungen", "Ihre laufenden Anmeldungen am Portal", "createdAt"},
	{"emails", "E-Mails", "E-Mails, die das Portal an Ihre Adresse geschickt hat", "subject"},
	{"cases", "Anträge", "Vorgänge, die Antragsdienste in Ihrem Namen angelegt haben", "caseNumber"},
	{"submissions", "Einreichungen", "die Daten Ihrer Anträge", "serviceName"},
	{"submissionAttachments", "Anlagen der Anträge", "Dateien, die mit Ihren Anträgen eingereicht wurden", "filename"},
	{"caseEvents", "Verlauf der Anträge", "jeder Schritt der Bearbeitung", "type"},
	{"messages", "Postfach", "Nachrichten an Sie und Ihre Antworten", "title"},
	{"messageAttachments", "Anlagen im Postfach", "Dateien zu den Nachrichten", "filename"},
	{"postboxReferences", "Postfach-Adressen", "Antragsdienste, die Ihnen mit Ihrer Einwilligung schreiben dürfen", "clientId"},
	{"externalPostbox", "Externes Postfach", "ein Postfach außerhalb des Portals, an das Nachrichten gehen", "mailboxUuid"},
	{"documentFolders", "Ordner im Dokumentensafe", "", "name"},
	{"documents", "Dokumentensafe", "Ihre hochgeladenen Dokumente", "filename"},
	{"documentUsage", "Speicherplatz", "belegter Speicher im Dokumentensafe", "bytes"},
	{"payments", "Zahlungen", "Gebühren Ihrer Anträge, in jedem Stand", "purpose"},
	{"oauthGrants", "Einwilligungen für Anwendungen", "Anwendungen, denen Sie Zugriff gegeben haben, auch widerrufene", "clientName"},
	{"registerQueries", "Registerabfragen", "wer Sie in welchem Register nachgeschlagen hat, auf welcher Rechtsgrundlage und wozu", "purpose"},
}

// fieldLabels name the archive's fields in German.
var fieldLabels = map[string]string{
	"id": "Kennung", "email": "E-Mail-Adresse", "displayName": "Name", "confirmed": "bestätigt", "createdAt": "angelegt",
	"updatedAt": "geändert", "givenName": "Vorname", "familyName": "Nachname", "birthName": "Geburtsname",
	"birthDate": "Geburtsdatum", "birthPlace": "Geburtsort", "street": "Straße", "postcode": "Postleitzahl", "city": "Ort",
	"phone": "Telefon", "acr": "Vertrauensniveau", "expiresAt": "läuft ab", "recipient": "an", "subject": "Betreff oder Handelnde",
	"body": "Text", "caseNumber": "Vorgangsnummer", "clientId": "Anwendung", "clientName": "Anwendung",
	"destinationId": "Stelle", "leikaKey": "Leistungsschlüssel", "caseId": "Vorgang", "serviceName": "Leistung",
	"state": "Stand", "contentType": "Datenformat", "data": "Daten", "dataFile": "Datei", "submittedAt": "eingereicht",
	"forwardedAt": "weitergeleitet", "decidedAt": "entschieden", "submissionId": "Einreichung", "attachmentId": "Anlage",
	"filename": "Dateiname", "mimeType": "Dateityp", "size": "Größe (Byte)", "sha256": "Prüfsumme (SHA-256)", "file": "Datei im Archiv",
	"seq": "Nr.", "type": "Ereignis", "actor": "durch", "direction": "Richtung", "inReplyTo": "Antwort auf", "sender": "Absender",
	"title": "Betreff", "bodyFormat": "Textformat", "assuranceLevel": "nötiges Vertrauensniveau", "channel": "Zustellweg",
	"status": "Status", "deliveredAt": "zugestellt", "readAt": "gelesen", "repliedAt": "beantwortet", "ref": "Referenz",
	"mailboxUuid": "Postfach-Kennung", "messageId": "Nachricht", "position": "Nr.", "name": "Name", "folderId": "Ordner",
	"bytes": "Byte", "statusDetail": "Status im Detail", "amount": "Betrag (Cent)", "currency": "Währung", "purpose": "Zweck",
	"description": "Beschreibung", "items": "Positionen", "transactionId": "Transaktion", "paymentMethod": "Zahlart",
	"scopes": "Rechte", "revokedAt": "widerrufen", "register": "Register", "legalBasis": "Rechtsgrundlage", "outcome": "Ergebnis",
	"durationMs": "Dauer (ms)",
}

// dataField is one field of an item as the page shows it.
type dataField struct{ Label, Value string }

// dataSection is one section of the page.
type dataSection struct {
	sectionInfo
	Items []dataItem
}

// dataItem is one item: a summary and its fields.
type dataItem struct {
	Summary string
	Fields  []dataField
}

func (p *Portal) archiveHeader(s *Session) privacy.Header {
	return privacy.Header{CreatedAt: p.accounts.db.Now().UTC(), TenantID: s.TenantID, CitizenID: s.CitizenID}
}

func (p *Portal) myDataPage(w http.ResponseWriter, r *http.Request) {
	s, ok := p.requireLogin(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := privacy.WriteDocument(r.Context(), &buf, p.archiveHeader(s), p.export); err != nil {
		p.fail(w, r, err)
		return
	}
	var doc struct {
		Sections map[string][]map[string]any `json:"sections"`
	}
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		p.fail(w, r, fmt.Errorf("read the citizen's data: %w", err))
		return
	}
	var sections []dataSection
	for _, info := range sectionInfos {
		items, ok := doc.Sections[info.Name]
		if !ok {
			continue
		}
		delete(doc.Sections, info.Name)
		sections = append(sections, dataSection{sectionInfo: info, Items: fields(items, info.Key)})
	}
	rest := make([]string, 0, len(doc.Sections))
	for name := range doc.Sections {
		rest = append(rest, name)
	}
	slices.Sort(rest)
	for _, name := range rest { // a module's section the page does not name yet
		sections = append(sections, dataSection{sectionInfo: sectionInfo{Name: name, Title: name}, Items: fields(doc.Sections[name], "")})
	}
	p.render(w, r, http.StatusOK, "mydata", "Meine Daten", map[string]any{"Sections": sections})
}

// fields turns a section's items into labelled fields (sorted by key, the
// id first), summarised by the field key.
func fields(items []map[string]any, key string) []dataItem {
	out := make([]dataItem, 0, len(items))
	for _, it := range items {
		keys := make([]string, 0, len(it))
		for k := range it {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if i := slices.Index(keys, "id"); i > 0 { // the id first
			keys = append([]string{"id"}, slices.Delete(keys, i, i+1)...)
		}
		row := make([]dataField, 0, len(keys))
		for _, k := range keys {
			label := fieldLabels[k]
			if label == "" {
				label = k
			}
			row = append(row, dataField{Label: label, Value: showValue(it[k])})
		}
		item := dataItem{Fields: row}
		if v, ok := it[key]; ok {
			item.Summary = showValue(v)
			if key == "type" || key == "state" { // timeline events and states by their German names
				item.Summary = label(eventLabels)(label(stateLabels)(item.Summary))
			}
		} else if len(row) > 0 {
			item.Summary = row[0].Value
		}
		out = append(out, item)
	}
	return out
}

// showValue writes a value of the document for citizens: times in German,
// yes and no, nested data as compact JSON.
func showValue(v any) string {
	switch v := v.(type) {
	case string:
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil && len(v) >= 20 {
			return t.In(berlin).Format("02.01.2006, 15:04:05 Uhr")
		}
		return v
	case bool:
		if v {
			return "ja"
		}
		return "nein"
	case json.Number:
		return v.String()
	case nil:
		return ""
	}
	b, _ := json.Marshal(v) // decoded from JSON: marshals again
	return string(b)
}

func (p *Portal) myDataArchive(w http.ResponseWriter, r *http.Request) {
	s, ok := p.requireLogin(w, r)
	if !ok {
		return
	}
	h := p.archiveHeader(s)
	name := "meine-daten-" + h.CreatedAt.In(berlin).Format("2006-01-02") + ".zip"
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	// Streamed: once the first bytes are out, a failure can only cut the
	// file short (the ZIP's directory is missing), which the logs record.
	if err := privacy.WriteArchive(r.Context(), w, h, p.export); err != nil {
		p.log(r).Error("write citizen archive", "error", err)
		return
	}
	p.log(r).Info("citizen archive downloaded", "parts", strconv.Itoa(len(p.export)))
}

// sectionCount is used by the template: "3 Einträge".
func sectionCount(n int) string {
	switch n {
	case 0:
		return "keine Einträge"
	case 1:
		return "1 Eintrag"
	}
	return strings.TrimSpace(strconv.Itoa(n)) + " Einträge"
}
