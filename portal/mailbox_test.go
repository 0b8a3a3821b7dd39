package portal_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/casetest"
	"github.com/amthub/amthub/hub/citizens"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/mailbox"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/portal"
)

var testPDF = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func testKeys(b byte) mailbox.Keyring {
	return mailbox.Keyring{Active: "k1", Keys: map[string][]byte{"k1": bytes.Repeat([]byte{b}, 32)}}
}

// boxEnv is a portal over TLS with the hub's mailbox service, the test
// eID, and the document safe, on a fresh database without catalogue.
type boxEnv struct {
	*env
	mb    *mailbox.Service
	cases *casetest.Fixture
}

func newBoxEnv(t *testing.T, db *sqlstore.DB, docs portal.DocumentConfig) *boxEnv {
	t.Helper()
	tenant := hubtest.MustTenant(t, db)
	b := &boxEnv{cases: casetest.New(t, db, tenant)}
	var err error
	quiet := slog.New(slog.DiscardHandler)
	if b.mb, err = mailbox.NewService(db, b.cases.Store, b.cases.Catalogue, quiet, mailbox.Config{Keys: testKeys(1)}); err != nil {
		t.Fatal(err)
	}
	if docs.Keys.Active == "" {
		docs.Keys = testKeys(2)
	}
	p, err := portal.New(portal.Config{TenantID: tenant, DevOutbox: true, TestEID: true, Documents: docs}, db,
		citizens.NewStore(db), b.cases.Store, portal.NewDBSessions(db), cache.NewMemory(), quiet, portal.Services{Mailbox: b.mb})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	p.Routes(r)
	b.env = &env{db: db, tenant: tenant, portal: p, srv: httptest.NewTLSServer(r)}
	t.Cleanup(b.srv.Close)
	return b
}

// citizen registers, confirms and logs in a citizen (password: level
// normal) and returns the browser and the account id.
func (b *boxEnv) citizen(t *testing.T, email string) (*client, string) {
	t.Helper()
	c := b.browser(t)
	c.registerAndConfirm(email, "richtig-geheim-1")
	c.get("/konto/anmelden")
	if code, loc := c.post("/konto/anmelden", url.Values{"email": {email}, "password": {"richtig-geheim-1"}}); code != 303 || loc != "/konto" {
		t.Fatalf("login = %d %s", code, loc)
	}
	acct, err := citizens.NewStore(b.db).FindByEmail(context.Background(), b.tenant, email)
	if err != nil {
		t.Fatal(err)
	}
	return c, acct.ID
}

// browser is a client with cookies of its own (env.client's share the
// test server's one http.Client, and so its cookie jar).
func (b *boxEnv) browser(t *testing.T) *client {
	hc := *b.srv.Client()
	hc.Jar, _ = cookiejar.New(nil)
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{t: t, e: b.env, hc: &hc}
}

// send sends a message from vendor-a to a citizen, as the vendor API does:
// a postbox reference by the citizen's consent, then the message.
func (b *boxEnv) send(t *testing.T, citizenID, caseID string, mod func(*mailbox.SendRequest)) *mailbox.Message {
	t.Helper()
	ctx := context.Background()
	vendor := &hub.Principal{TenantID: b.tenant, ClientID: "vendor-a", Subject: citizenID, Scopes: []string{hub.ScopeMailboxSend}}
	ref, err := b.mb.PostboxRef(ctx, vendor)
	if err != nil {
		t.Fatal(err)
	}
	req := mailbox.SendRequest{PostboxRef: ref, CaseID: caseID, Sender: "Gewerbeamt Chemnitz", Title: "Ihr Gewerbeschein",
		Body: "Guten Tag,\n\nanbei Ihr **Gewerbeschein**. <script>window.pwned=1</script>", BodyFormat: mailbox.FormatMarkdown,
		ReplyAllowed: true, AssuranceLevel: hub.ACRNormal,
		Attachments: []mailbox.AttachmentData{{Filename: "gewerbeschein.pdf", MimeType: "application/pdf", Content: testPDF}}}
	if mod != nil {
		mod(&req)
	}
	m, _, err := b.mb.Send(ctx, &hub.Principal{TenantID: b.tenant, ClientID: "vendor-a", Subject: "vendor-a",
		Scopes: []string{hub.ScopeMailboxSend}}, req, "")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// upload sends the safe's multipart form: the form token first (csrf
// "-" leaves it out), then the folder and the file.
func (c *client) upload(folder, name string, content []byte, csrf string) (int, string) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if csrf == "" {
		csrf = c.tok
	}
	if csrf != "-" {
		_ = mw.WriteField("csrf_token", csrf)
	}
	_ = mw.WriteField("ordner", folder)
	fw, _ := mw.CreateFormFile("datei", name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+"/konto/dokumente", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.read(resp)
}

func (b *boxEnv) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	return hubtest.Count(t, b.db, query, args...)
}

// TestMailboxPages reads, downloads and answers a message in the portal,
// with a document from the safe attached, and checks the receipts on the
// case timeline, the assurance-level gate and its test-eID step-up, and
// that another citizen finds nothing.
func TestMailboxPages(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			b := newBoxEnv(t, d.Open(t), portal.DocumentConfig{})
			erika, erikaID := b.citizen(t, "erika@example.org")
			sub := b.cases.Case(t, "vendor-a", erikaID)
			m := b.send(t, erikaID, sub.CaseID, nil)
			high := b.send(t, erikaID, "", func(r *mailbox.SendRequest) {
				r.Title, r.Body, r.AssuranceLevel, r.Attachments = "Ihr Steuerbescheid", "Streng vertraulicher Inhalt", hub.ACRHigh, nil
			})
			noReply := b.send(t, erikaID, "", func(r *mailbox.SendRequest) { r.Title, r.ReplyAllowed = "Nur zur Kenntnis", false })

			t.Run("Inbox", func(t *testing.T) {
				code, body := erika.get("/konto/postfach")
				if code != 200 {
					t.Fatalf("inbox = %d", code)
				}
				for _, want := range []string{"Ihr Gewerbeschein", "Ihr Steuerbescheid", `<span class="badge">Neu</span>`, "3 ungelesen",
					"höherem Vertrauensniveau", `href="/konto/postfach/` + m.ID + `"`} {
					if !strings.Contains(body, want) {
						t.Errorf("inbox lacks %q", want)
					}
				}
				if strings.Contains(body, "Streng vertraulich") {
					t.Error("the inbox shows the body of a message above the login's level")
				}
			})
			t.Run("Read", func(t *testing.T) {
				code, body := erika.get("/konto/postfach/" + m.ID)
				if code != 200 {
					t.Fatalf("message = %d: %.300s", code, body)
				}
				for _, want := range []string{"<strong>Gewerbeschein</strong>", "&lt;script&gt;window.pwned=1&lt;/script&gt;",
					"Gewerbeamt Chemnitz", sub.CaseNumber, `href="/konto/postfach/` + m.ID + `/anhaenge/0"`, `action="/konto/postfach/` + m.ID + `/antworten"`} {
					if !strings.Contains(body, want) {
						t.Errorf("message page lacks %q", want)
					}
				}
				inert(t, "message", body)
				resp, err := erika.hc.Get(b.srv.URL + "/konto/postfach/" + m.ID + "/anhaenge/0")
				if err != nil {
					t.Fatal(err)
				}
				got := readAll(t, resp)
				if resp.StatusCode != 200 || !bytes.Equal(got, testPDF) ||
					resp.Header.Get("Content-Disposition") != `attachment; filename=gewerbeschein.pdf` ||
					resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Type") != "application/pdf" {
					t.Fatalf("attachment: %d %q %v", resp.StatusCode, got, resp.Header)
				}
				if code, _ := erika.get("/konto/postfach/" + m.ID + "/anhaenge/7"); code != 404 {
					t.Errorf("attachment 7 = %d, want 404", code)
				}
			})
			t.Run("ErrReplyWithoutCSRF", func(t *testing.T) {
				if code, _ := erika.post("/konto/postfach/"+m.ID+"/antworten", url.Values{"body": {"Hallo"}, "csrf_token": {""}}); code != 403 {
					t.Fatalf("reply without form token = %d, want 403", code)
				}
				if n := b.count(t, `SELECT count(*) FROM mailbox_messages WHERE in_reply_to = $1`, m.ID); n != 0 {
					t.Fatalf("%d replies stored", n)
				}
			})
			t.Run("ErrReplyEmpty", func(t *testing.T) {
				erika.get("/konto/postfach/" + m.ID)
				code, body := erika.post("/konto/postfach/"+m.ID+"/antworten", url.Values{"body": {""}})
				if code != 422 || !strings.Contains(body, "Bitte schreiben Sie eine Antwort") {
					t.Fatalf("empty reply = %d", code)
				}
			})
			t.Run("ErrReplyNotAllowed", func(t *testing.T) {
				_, body := erika.get("/konto/postfach/" + noReply.ID)
				if strings.Contains(body, "/antworten") || !strings.Contains(body, "nicht antworten") {
					t.Error("the page offers a reply form for a message without replies")
				}
				if code, _ := erika.post("/konto/postfach/"+noReply.ID+"/antworten", url.Values{"body": {"Doch!"}}); code != 422 {
					t.Fatalf("reply to a message without replies = %d, want 422", code)
				}
			})
			const xss = `Danke <img src=x onerror="window.pwned=1"> und </textarea><script>window.pwned=1</script>`
			var docID string
			t.Run("ReplyWithDocument", func(t *testing.T) {
				erika.get("/konto/dokumente")
				if code, loc := erika.upload("", "nachweis.pdf", testPDF, ""); code != 303 {
					t.Fatalf("upload = %d %s", code, loc)
				}
				docs, err := b.portal.Documents().List(context.Background(), b.tenant, erikaID, "")
				if err != nil || len(docs) != 1 {
					t.Fatalf("documents %v %v", docs, err)
				}
				docID = docs[0].ID
				_, body := erika.get("/konto/postfach/" + m.ID)
				if !strings.Contains(body, `<option value="`+docID+`">nachweis.pdf</option>`) {
					t.Fatal("the reply form does not offer the safe's document")
				}
				code, loc := erika.post("/konto/postfach/"+m.ID+"/antworten", url.Values{"body": {xss}, "document": {docID}})
				if code != 303 || loc != "/konto/postfach/"+m.ID+"?beantwortet=1" {
					t.Fatalf("reply = %d %s", code, loc)
				}
				code, body = erika.get(loc)
				if code != 200 || !strings.Contains(body, "Ihre Antwort ist versendet") || !strings.Contains(body, "Danke &lt;img src=x") {
					t.Fatalf("after reply = %d: %.400s", code, body)
				}
				inert(t, "reply", body)
				got, err := b.mb.Get(context.Background(), &hub.Principal{TenantID: b.tenant, ClientID: "vendor-a", Subject: "vendor-a",
					Scopes: []string{hub.ScopeMailboxSend}}, m.ID)
				if err != nil || got.Status != mailbox.StatusReplied || len(got.Replies) != 1 {
					t.Fatalf("the sender sees %+v %v", got, err)
				}
				r, err := b.mb.Get(context.Background(), &hub.Principal{TenantID: b.tenant, ClientID: "vendor-a", Subject: "vendor-a",
					Scopes: []string{hub.ScopeMailboxSend}}, got.Replies[0])
				if err != nil || r.Body != xss || len(r.Attachments) != 1 || r.Attachments[0].Filename != "nachweis.pdf" {
					t.Fatalf("the sender reads the reply %+v %v", r, err)
				}
				if !strings.Contains(body, `href="/konto/postfach/`+r.ID+`/anhaenge/0"`) {
					t.Error("the page does not link the reply's attachment")
				}
			})
			t.Run("Receipts", func(t *testing.T) {
				want := []string{hub.EventSubmissionCreated, mailbox.EventDelivered, mailbox.EventRead, mailbox.EventReplied}
				if got := b.cases.EventTypes(t, "vendor-a", sub.CaseID); !slices.Equal(got, want) {
					t.Fatalf("timeline %v, want %v", got, want)
				}
				_, body := erika.get("/konto/antraege/" + sub.CaseID)
				for _, w := range []string{"Nachricht in Ihrem Postfach", "Nachricht gelesen", "Nachricht beantwortet"} {
					if !strings.Contains(body, w) {
						t.Errorf("case page lacks %q", w)
					}
				}
			})
			t.Run("AssuranceLevel", func(t *testing.T) {
				code, body := erika.get("/konto/postfach/" + high.ID)
				if code != 403 || !strings.Contains(body, "Vertrauensniveau <strong>hoch (Online-Ausweis)</strong>") ||
					strings.Contains(body, "Streng vertraulich") || !strings.Contains(body, "Mit Test-Ausweis anmelden") {
					t.Fatalf("message above the login level = %d: %.500s", code, body)
				}
				if code, _ := erika.get("/konto/postfach/" + high.ID + "/anhaenge/0"); code != 403 {
					t.Errorf("attachment above the login level = %d, want 403", code)
				}
				if n := b.count(t, `SELECT count(*) FROM mailbox_messages WHERE id = $1 AND status = 'delivered'`, high.ID); n != 1 {
					t.Fatal("a message above the login level was marked read")
				}
				code, loc := erika.post("/konto/anmelden/ausweis", url.Values{"return": {"/konto/postfach/" + high.ID}})
				if code != 303 || loc != "/konto/postfach/"+high.ID {
					t.Fatalf("test eID = %d %s", code, loc)
				}
				if code, body := erika.get(loc); code != 200 || !strings.Contains(body, "Streng vertraulicher Inhalt") {
					t.Fatalf("after the test eID = %d", code)
				}
				if code, loc := erika.post("/konto/anmelden/ausweis", url.Values{"return": {"https://evil.example/"}}); code != 303 || loc != "/konto/postfach" {
					t.Fatalf("test eID with a foreign return = %d %s", code, loc)
				}
			})
			t.Run("ErrOtherCitizen", func(t *testing.T) {
				other, otherID := b.citizen(t, "max@example.org")
				toOther := b.send(t, otherID, "", nil)
				for _, path := range []string{"/konto/postfach/" + m.ID, "/konto/postfach/" + m.ID + "/anhaenge/0",
					"/konto/postfach/" + high.ID, "/konto/postfach/not-an-id", "/konto/dokumente/" + docID} {
					if code, _ := other.get(path); code != 404 {
						t.Errorf("GET %s by another citizen = %d, want 404", path, code)
					}
				}
				if code, _ := other.post("/konto/postfach/"+m.ID+"/antworten", url.Values{"body": {"Fremd"}}); code != 404 {
					t.Errorf("reply by another citizen = %d, want 404", code)
				}
				if _, body := other.get("/konto/postfach"); strings.Contains(body, m.ID) || !strings.Contains(body, toOther.ID) {
					t.Error("another citizen's inbox shows the message")
				}
				if code, _ := other.post("/konto/postfach/"+toOther.ID+"/antworten", url.Values{"body": {"x"}, "document": {docID}}); code != 404 {
					t.Errorf("attaching another citizen's document = %d, want 404", code)
				}
				if n := b.count(t, `SELECT count(*) FROM mailbox_messages WHERE in_reply_to = $1`, toOther.ID); n != 0 {
					t.Errorf("%d replies stored", n)
				}
			})
			t.Run("ErrLoggedOut", func(t *testing.T) {
				if code, loc := b.browser(t).get("/konto/postfach/" + m.ID); code != 303 || loc != "/konto/anmelden" {
					t.Fatalf("logged out = %d %s", code, loc)
				}
			})
		})
	}
}

// inert fails if markup from a test input survived unescaped.
func inert(t *testing.T, where, body string) {
	t.Helper()
	for _, bad := range []string{"<script>window", "<img src=x", "</textarea><script"} {
		if strings.Contains(body, bad) {
			t.Errorf("%s: markup %q not escaped", where, bad)
		}
	}
}

func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSessionLevel: every session store keeps the login's assurance level
// (the mailbox checks it), and an unset level reads as a password login.
func TestSessionLevel(t *testing.T) {
	for name, open := range sessionStores() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			store, tenant := open(t)
			now := time.Now().UTC()
			for _, tc := range []struct{ set, want string }{{hub.ACRHigh, hub.ACRHigh}, {"", hub.ACRNormal}} {
				tok, err := store.Create(ctx, &portal.Session{TenantID: tenant, CitizenID: "c1", CSRF: "f", ACR: tc.set,
					CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
				if err != nil {
					t.Fatal(err)
				}
				s, err := store.Get(ctx, tok)
				if err != nil || s.ACR != tc.want {
					t.Fatalf("level %q reads back as %+v (%v), want %q", tc.set, s, err, tc.want)
				}
			}
		})
	}
}
