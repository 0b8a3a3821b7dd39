package portal_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/register"
	regsim "github.com/amthub/amthub/connectors/register/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/mailbox"
	"github.com/amthub/amthub/hub/payments"
	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/registers"
	"github.com/amthub/amthub/hub/sqlstore"
)

// seeded is a citizen with data in every table that can hold some.
type seeded struct {
	c            *client
	id, email    string
	tag          string // in every text the citizen's data holds
	caseID       string
	messageTitle string
}

// seedCitizen registers a citizen through the pages and gives them data in
// every module, through the modules' own services: master data, session,
// e-mail, document safe, an OAuth grant, a case with a submission (data
// and an attachment), a payment, a postbox reference, a message with an
// attachment and the citizen's reply, an external postbox, and a register
// query on the citizen's consent.
func seedCitizen(t *testing.T, a *accountEnv, regs *registers.Service, tag string) *seeded {
	t.Helper()
	ctx := context.Background()
	s := &seeded{tag: tag, email: strings.ToLower(tag) + "-" + hub.NewID() + "@example.org"}
	s.c, s.id = a.citizen(t, s.email)
	docs := a.portal.Documents()
	f, err := docs.CreateFolder(ctx, a.tenant, s.id, "Nachweise "+tag)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := docs.Put(ctx, a.tenant, s.id, f.ID, "nachweis-"+tag+".txt", []byte("Nachweis von "+tag)); err != nil {
		t.Fatal(err)
	}
	a.grant(t, s.c, a.demoApp())

	sub := &hub.Submission{TenantID: a.tenant, ClientID: "vendor-a", CitizenID: s.id, DestinationID: a.cases.Destination.ID,
		ServiceType: hub.ServiceType{Identifier: "99050012104000", Name: "Gewerbeanmeldung"}, AnnouncedAttachments: []string{"anlage-1"},
		ExpiresAt: a.db.Now().Add(time.Hour)}
	if _, err := a.cases.Store.CreateSubmission(ctx, sub, "", "h"); err != nil {
		t.Fatal(err)
	}
	s.caseID = sub.CaseID
	content := []byte("Anlage von " + tag)
	sum := sha256.Sum256(content)
	if err := a.cases.Store.PutAttachment(ctx, a.tenant, "vendor-a", sub.ID, &hub.Attachment{ID: "anlage-1", Filename: "anlage-" + tag + ".txt",
		MimeType: "text/plain", Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}, content); err != nil {
		t.Fatal(err)
	}
	if _, err := a.cases.Store.Update(ctx, sub.ID, func(sub *hub.Submission) error {
		_, err := sub.Submit(hub.SubmitData{Data: []byte(`{"name":"` + tag + `"}`), ContentType: "application/json", DataHash: "d"},
			"vendor-a", a.db.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	a.payment(t, s.caseID, "Gebuehr "+tag, 1000, payments.StatusInitial)

	vendor := &hub.Principal{TenantID: a.tenant, ClientID: "vendor-a", Subject: s.id, Scopes: []string{hub.ScopeMailboxSend}}
	ref, err := a.mb.PostboxRef(ctx, vendor)
	if err != nil {
		t.Fatal(err)
	}
	s.messageTitle = "Bescheid für " + tag
	m, _, err := a.mb.Send(ctx, &hub.Principal{TenantID: a.tenant, ClientID: "vendor-a", Subject: "vendor-a", Scopes: []string{hub.ScopeMailboxSend}},
		mailbox.SendRequest{PostboxRef: ref, CaseID: s.caseID, Sender: "Gewerbeamt", Title: s.messageTitle, Body: "Guten Tag " + tag,
			BodyFormat: mailbox.FormatText, ReplyAllowed: true, AssuranceLevel: hub.ACRNormal,
			Attachments: []mailbox.AttachmentData{{Filename: "bescheid-" + tag + ".txt", MimeType: "text/plain", Content: []byte("Bescheid " + tag)}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	citizen := &hub.Principal{TenantID: a.tenant, ClientID: "portal", Subject: s.id, ACR: hub.ACRNormal}
	if _, err := a.mb.Open(ctx, citizen, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.mb.Reply(ctx, citizen, m.ID, "Danke, "+tag); err != nil {
		t.Fatal(err)
	}
	if err := a.mb.LinkExternal(ctx, a.tenant, s.id, "postfach-"+hub.NewID()); err != nil {
		t.Fatal(err)
	}
	_, err = regs.Query(ctx, &hub.Principal{TenantID: a.tenant, ClientID: "vendor-a", Subject: s.id, Scopes: []string{hub.ScopeRegistersQuery}},
		registers.Population, registers.QueryRequest{Purpose: "Gewerbeanmeldung " + tag, CaseID: s.caseID,
			Query: map[string]string{"familyName": "Mustermann", "givenName": "Erika", "dateOfBirth": "1964-08-12"}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newRegisters connects the register service to the register simulator.
func newRegisters(t *testing.T, a *accountEnv) *registers.Service {
	t.Helper()
	sim, err := regsim.New(regsim.Config{Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := register.NewClient(register.Config{Register: registers.Population, BaseURL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	regs, err := registers.NewService(a.db, a.cases.Store, registers.Config{Registers: map[string]registers.Register{registers.Population: c},
		AuditKey: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	return regs
}

// coverage says, for each table that holds a citizen's rows, which section
// of the archive holds them and how to select the citizen's keys directly
// ($1 tenant, $2 citizen id, $3 e-mail address); key names the item's
// field that carries the same key ("" compares counts).
var coverage = map[string]struct{ section, query, key string }{
	"citizen_accounts":        {"account", `SELECT id FROM citizen_accounts WHERE tenant_id = $1 AND id = $2 AND $3 <> ''`, "id"},
	"portal_profiles":         {"profile", `SELECT citizen_id FROM portal_profiles WHERE tenant_id = $1 AND citizen_id = $2 AND $3 <> ''`, ""},
	"portal_sessions":         {"sessions", `SELECT token_hash FROM portal_sessions WHERE tenant_id = $1 AND citizen_id = $2 AND $3 <> ''`, ""},
	"portal_outbox":           {"emails", `SELECT id FROM portal_outbox WHERE tenant_id = $1 AND recipient = $3 AND $2 <> ''`, "id"},
	"portal_document_folders": {"documentFolders", `SELECT id FROM portal_document_folders WHERE tenant_id = $1 AND citizen_id = $2 AND $3 <> ''`, "id"},
	"portal_documents":        {"documents", `SELECT id FROM portal_documents WHERE tenant_id = $1 AND citizen_id = $2 AND $3 <> ''`, "id"},
	"portal_document_usage":   {"documentUsage", `SELECT citizen_id FROM portal_document_usage WHERE tenant_id = $1 AND citizen_id = $2 AND $3 <> ''`, ""},
	"cases":                   {"cases", `SELECT id FROM cases WHERE tenant_id = $1 AND citizen_id = $2 AND $3 <> ''`, "id"},
	"submissions": {"submissions", `SELECT s.id FROM submissions s JOIN cases c ON c.id = s.case_id
		WHERE c.tenant_id = $1 AND c.citizen_id = $2 AND $3 <> ''`, "id"},
	"attachments": {"submissionAttachments", `SELECT a.submission_id || '/' || a.attachment_id FROM attachments a
		JOIN submissions s ON s.id = a.submission_id JOIN cases c ON c.id = s.case_id
		WHERE c.tenant_id = $1 AND c.citizen_id = $2 AND $3 <> ''`, "submissionId/attachmentId"},
	"case_events": {"caseEvents", `SELECT e.id FROM case_events e JOIN cases c ON c.id = e.case_id
		WHERE c.tenant_id = $1 AND c.citizen_id = $2 AND $3 <> ''`, "id"},
	"payments": {"payments", `SELECT p.id FROM payments p JOIN cases c ON c.id = p.case_id
		WHERE c.tenant_id = $1 AND c.citizen_id = $2 AND $3 <> ''`, "id"},
	"mailbox_postboxes": {"postboxReferences", `SELECT ref FROM mailbox_postboxes WHERE tenant_id = $1 AND citizen_id = $2 AND $3 <> ''`, "ref"},
	"mailbox_external":  {"externalPostbox", `SELECT mailbox_uuid FROM mailbox_external WHERE tenant_id = $1 AND citizen_id = $2 AND $3 <> ''`, "mailboxUuid"},
	"mailbox_messages":  {"messages", `SELECT id FROM mailbox_messages WHERE tenant_id = $1 AND citizen_id = $2 AND $3 <> ''`, "id"},
	"mailbox_attachments": {"messageAttachments", `SELECT a.message_id FROM mailbox_attachments a JOIN mailbox_messages m ON m.id = a.message_id
		WHERE m.tenant_id = $1 AND m.citizen_id = $2 AND $3 <> ''`, "messageId"},
	"register_audit": {"registerQueries", `SELECT id FROM register_audit WHERE tenant_id = $1 AND (citizen_id = $2 OR subject = $2) AND $3 <> ''`, "id"},
	"oauth_families": {"oauthGrants", `SELECT request_id FROM oauth_families WHERE tenant_id = $1 AND subject = $2 AND $3 <> ''`, "id"},
}

// notExported are tables that reference a citizen's rows but are not part
// of the archive, each with the reason.
var notExported = map[string]string{
	"callback_deliveries":  "the queue of case events still to be posted to the vendor's callback: an event id and attempts; the events are in caseEvents",
	"oauth_access_tokens":  "tokens, kept as signatures, of the grants in oauthGrants",
	"oauth_refresh_tokens": "tokens, kept as signatures, of the grants in oauthGrants",
	"oauth_codes":          "authorization codes, kept as signatures, of the grants in oauthGrants",
	"oauth_pkce":           "an unfinished authorization request (minutes), of a grant in oauthGrants",
	"oauth_oidc_sessions":  "an unfinished authorization request (minutes), of a grant in oauthGrants",
}

// column is a text or binary column of the schema.
type column struct {
	table, name string
	binary      bool
}

// textColumns lists every text column of every table, from the database's
// own catalogue (information_schema on PostgreSQL, pragma_table_info on
// SQLite).
func textColumns(t *testing.T, db *sqlstore.DB) []column {
	t.Helper()
	q := `SELECT table_name, column_name, data_type = 'bytea' FROM information_schema.columns
		WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'jsonb', 'bytea')
		ORDER BY table_name, column_name`
	if db.Dialect == sqlstore.SQLite {
		q = `SELECT m.name, p.name, upper(p.type) = 'BLOB' FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '%_fts%' AND m.name NOT LIKE '%_vocab'
			AND upper(p.type) IN ('TEXT', 'JSONB', 'JSON', 'BLOB')
			ORDER BY m.name, p.name`
	}
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.table, &c.name, &c.binary); err != nil {
			t.Fatal(err)
		}
		if c.table != "goose_db_version" {
			out = append(out, c)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 50 {
		t.Fatalf("only %d text columns found: the catalogue query is wrong", len(out))
	}
	return out
}

// foreignKeys returns, per table, the tables its foreign keys point to.
func foreignKeys(t *testing.T, db *sqlstore.DB) map[string][]string {
	t.Helper()
	q := `SELECT DISTINCT tc.table_name, ccu.table_name FROM information_schema.table_constraints tc
		JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name
			AND ccu.constraint_schema = tc.constraint_schema
		WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()`
	if db.Dialect == sqlstore.SQLite {
		q = `SELECT DISTINCT m.name, f."table" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'`
	}
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			t.Fatal(err)
		}
		out[from] = append(out[from], to)
	}
	return out
}

// referencing returns the tables that hold rows about a citizen: those
// with a text column whose value is the citizen's id or e-mail address
// (matching: the value contains it), and, through foreign keys, the
// tables that hang off those (a case's submissions, a message's
// attachments), with the number of rows that match directly.
func referencing(t *testing.T, db *sqlstore.DB, cols []column, fks map[string][]string, values ...string) map[string]int {
	t.Helper()
	ctx := context.Background()
	out := map[string]int{}
	for _, c := range cols {
		for _, v := range values {
			var n int
			q, arg := fmt.Sprintf(`SELECT count(*) FROM %q WHERE CAST(%q AS TEXT) LIKE $1`, c.table, c.name), any("%"+v+"%")
			switch {
			case c.binary && db.Dialect == sqlstore.Postgres:
				q, arg = fmt.Sprintf(`SELECT count(*) FROM %q WHERE position($1::bytea in %q) > 0`, c.table, c.name), []byte(v)
			case c.binary:
				q, arg = fmt.Sprintf(`SELECT count(*) FROM %q WHERE instr(%q, $1) > 0`, c.table, c.name), []byte(v)
			}
			if err := db.QueryRowContext(ctx, q, arg).Scan(&n); err != nil {
				t.Fatalf("%s.%s: %v", c.table, c.name, err)
			}
			if n > 0 {
				out[c.table] += n
			}
		}
	}
	for grew := true; grew; { // children of referencing tables
		grew = false
		for from, tos := range fks {
			if _, ok := out[from]; ok {
				continue
			}
			for _, to := range tos {
				if _, ok := out[to]; ok && to != "tenants" {
					out[from], grew = 0, true
					break
				}
			}
		}
	}
	return out
}

// readArchive returns the archive's document and files.
func readArchive(t *testing.T, body []byte) (map[string][]map[string]any, map[string][]byte) {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("the download is no ZIP file: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = b
	}
	var doc struct {
		Format   string                      `json:"format"`
		Sections map[string][]map[string]any `json:"sections"`
	}
	if err := json.Unmarshal(files[privacy.DocumentName], &doc); err != nil {
		t.Fatalf("%s is no JSON: %v", privacy.DocumentName, err)
	}
	if doc.Format != privacy.ArchiveFormat {
		t.Errorf("format %q", doc.Format)
	}
	return doc.Sections, files
}

// itemKey returns an item's key field(s), joined by "/".
func itemKey(it map[string]any, key string) string {
	var parts []string
	for _, k := range strings.Split(key, "/") {
		parts = append(parts, fmt.Sprint(it[k]))
	}
	return strings.Join(parts, "/")
}

func directKeys(t *testing.T, db *sqlstore.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestMyDataArchiveHoldsEverything seeds two citizens with data in every
// table and downloads Erika's archive: for every table that holds rows
// about her (found from the schema, not from a list), the archive's
// section holds exactly the rows a direct query finds, and the files of
// her documents and attachments; nothing in it is Max's.
func TestMyDataArchiveHoldsEverything(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			a := newAccountEnv(t, d.Open(t), false)
			regs := newRegisters(t, a)
			erika, max := seedCitizen(t, a, regs, "Erika"), seedCitizen(t, a, regs, "Max")

			code, body := erika.c.get("/konto/meine-daten/archiv")
			if code != http.StatusOK {
				t.Fatalf("download: %d %.300s", code, body)
			}
			sections, files := readArchive(t, []byte(body))
			cols, fks := textColumns(t, a.db), foreignKeys(t, a.db)
			tables := referencing(t, a.db, cols, fks, erika.id, erika.email)
			for table := range tables {
				if _, ok := notExported[table]; ok {
					continue
				}
				cov, ok := coverage[table]
				if !ok {
					t.Errorf("table %s holds data about the citizen, but the archive does not cover it (add it to the export and to coverage)", table)
					continue
				}
				want := directKeys(t, a.db, cov.query, a.tenant, erika.id, erika.email)
				items, ok := sections[cov.section]
				if !ok {
					t.Errorf("%s: the archive has no section %s", table, cov.section)
					continue
				}
				if len(want) == 0 {
					t.Errorf("%s: the seed left no rows of Erika: the test proves nothing for it", table)
				}
				if cov.key == "" {
					if len(items) != len(want) {
						t.Errorf("%s: section %s has %d items, the table %d rows", table, cov.section, len(items), len(want))
					}
					continue
				}
				var got []string
				for _, it := range items {
					got = append(got, itemKey(it, cov.key))
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("%s: section %s holds %v, the table %v", table, cov.section, got, want)
				}
			}
			for table := range coverage {
				if _, ok := tables[table]; !ok {
					t.Errorf("coverage names %s, but the schema search did not find it holding Erika's data", table)
				}
			}
			// Every file an item names is there, with the content seeded.
			for _, want := range []string{"Nachweis von Erika", "Anlage von Erika", "Bescheid Erika"} {
				found := false
				for _, b := range files {
					found = found || string(b) == want
				}
				if !found {
					t.Errorf("no file with %q in the archive", want)
				}
			}
			for name, items := range sections {
				for _, it := range items {
					for _, field := range []string{"file", "dataFile"} {
						if p, ok := it[field].(string); ok && p != "" {
							if _, ok := files[p]; !ok {
								t.Errorf("section %s names file %s, which the archive lacks", name, p)
							}
						}
					}
				}
			}
			// Nothing of Max.
			for name, b := range files {
				for _, v := range []string{max.id, max.email, "Max", max.caseID} {
					if bytes.Contains(b, []byte(v)) {
						t.Errorf("%s holds %q, which is Max's", name, v)
					}
				}
			}
		})
	}
}

// TestDeleteAccountReachesEverything seeds two citizens with data in every
// table and deletes Erika's account through the page: afterwards no row of
// any table holds her id or e-mail address (the same search over the
// schema), her grant's tokens are refused, and Max's rows are all there.
func TestDeleteAccountReachesEverything(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			a := newAccountEnv(t, d.Open(t), false)
			regs := newRegisters(t, a)
			erika, max := seedCitizen(t, a, regs, "Erika"), seedCitizen(t, a, regs, "Max")
			grant := a.grant(t, erika.c, a.demoApp())
			cols, fks := textColumns(t, a.db), foreignKeys(t, a.db)
			maxBefore := referencing(t, a.db, cols, fks, max.id, max.email)

			erika.c.get("/konto/loeschen")
			if code, body := erika.c.post("/konto/loeschen", url.Values{"confirm": {"ja"}}); code != http.StatusOK || !strings.Contains(body, "Konto gelöscht") {
				t.Fatalf("delete: %d %.300s", code, body)
			}
			for table, n := range referencing(t, a.db, cols, nil, erika.id, erika.email) {
				t.Errorf("after deletion %d rows of %s still hold Erika's id or e-mail address", n, table)
			}
			if got := a.resource(t, grant.AccessToken); got != http.StatusUnauthorized {
				t.Errorf("Erika's grant's access token after deletion: %d, want 401", got)
			}
			// The cases stay with the authority, unlinked; the messages are gone.
			if n := hubtest.Count(t, a.db, `SELECT count(*) FROM cases WHERE id = $1 AND citizen_id IS NULL`, erika.caseID); n != 1 {
				t.Errorf("Erika's case: %d unlinked rows, want 1", n)
			}
			if n := hubtest.Count(t, a.db, `SELECT count(*) FROM mailbox_messages WHERE title = $1`, "Bescheid für Erika"); n != 0 {
				t.Errorf("%d of Erika's messages left", n)
			}
			if n := hubtest.Count(t, a.db, `SELECT count(*) FROM mailbox_blobs`); n != 1 {
				t.Errorf("%d attachment contents left, want Max's 1", n)
			}
			maxAfter := referencing(t, a.db, cols, fks, max.id, max.email)
			for table, n := range maxBefore {
				if maxAfter[table] != n {
					t.Errorf("Max's rows in %s: %d before, %d after", table, n, maxAfter[table])
				}
			}
			if code, _ := max.c.get("/konto/meine-daten"); code != http.StatusOK {
				t.Errorf("Max's data page after Erika's deletion: %d", code)
			}
		})
	}
}
