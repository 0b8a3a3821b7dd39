package mailbox_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/casetest"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/mailbox"
	"github.com/amthub/amthub/hub/sqlstore"
)

var pdf = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func keyring(id string, b byte) mailbox.Keyring {
	return mailbox.Keyring{Active: id, Keys: map[string][]byte{id: bytes.Repeat([]byte{b}, 32)}}
}

type env struct {
	db      *sqlstore.DB
	cases   *casetest.Fixture
	svc     *mailbox.Service
	vendor  *hub.Principal // acts for citizen-1, by consent
	citizen *hub.Principal // citizen-1 logged in with eID
}

func newEnv(t testing.TB, db *sqlstore.DB, cfg mailbox.Config) *env {
	t.Helper()
	e := &env{db: db, cases: casetest.New(t, db, hubtest.MustTenant(t, db))}
	if cfg.Keys.Active == "" {
		cfg.Keys = keyring("k1", 1)
	}
	var err error
	if e.svc, err = mailbox.NewService(db, e.cases.Store, e.cases.Catalogue, slog.New(slog.DiscardHandler), cfg); err != nil {
		t.Fatal(err)
	}
	e.vendor = &hub.Principal{TenantID: e.cases.TenantID, ClientID: "vendor-a", Subject: "citizen-1", Scopes: []string{hub.ScopeMailboxSend}}
	e.citizen = &hub.Principal{TenantID: e.cases.TenantID, ClientID: "portal", Subject: "citizen-1", ACR: hub.ACRSubstantial}
	return e
}

func (e *env) ref(t testing.TB) string {
	t.Helper()
	ref, err := e.svc.PostboxRef(context.Background(), e.vendor)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func message(ref, caseID string) mailbox.SendRequest {
	return mailbox.SendRequest{PostboxRef: ref, CaseID: caseID, Sender: "Gewerbeamt Chemnitz", Title: "Ihr Gewerbeschein",
		Body: "Guten Tag,\n\nanbei Ihr **Gewerbeschein**.", BodyFormat: mailbox.FormatMarkdown, ReplyAllowed: true,
		AssuranceLevel: hub.ACRSubstantial,
		Attachments:    []mailbox.AttachmentData{{Filename: "gewerbeschein.pdf", MimeType: "application/pdf", Content: pdf}}}
}

func TestDeliveredReadReplied(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			e := newEnv(t, d.Open(t), mailbox.Config{})
			ctx := context.Background()
			c := e.cases.Case(t, "vendor-a", "citizen-1")
			m, created, err := e.svc.Send(ctx, e.vendor, message(e.ref(t), c.CaseID), "k1")
			if err != nil || !created || m.Status != mailbox.StatusDelivered || m.Channel != mailbox.ChannelOwn {
				t.Fatalf("send: %+v created=%v err=%v", m, created, err)
			}
			inbox, err := e.svc.Inbox(ctx, e.citizen, 10)
			if err != nil || len(inbox) != 1 || inbox[0].ID != m.ID {
				t.Fatalf("inbox %v %v", inbox, err)
			}
			low := *e.citizen
			low.ACR = hub.ACRNormal
			if _, err := e.svc.Open(ctx, &low, m.ID); hub.ErrorKind(err) != "assurance_level_too_low" {
				t.Errorf("a login with password only opens a substantial message: %v", err)
			}
			opened, err := e.svc.Open(ctx, e.citizen, m.ID)
			if err != nil || opened.Status != mailbox.StatusRead || !bytes.Equal(opened.Attachments[0].Content, pdf) {
				t.Fatalf("open: %+v %v", opened, err)
			}
			if _, err := e.svc.Open(ctx, e.citizen, m.ID); err != nil {
				t.Fatal(err)
			}
			reply, err := e.svc.Reply(ctx, e.citizen, m.ID, "Vielen Dank!")
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.svc.Get(ctx, e.vendor, m.ID)
			if err != nil || got.Status != mailbox.StatusReplied || !slices.Equal(got.Replies, []string{reply.ID}) || got.ReadAt == nil {
				t.Fatalf("the sender sees %+v %v", got, err)
			}
			if r, err := e.svc.Get(ctx, e.vendor, reply.ID); err != nil || r.Body != "Vielen Dank!" || r.InReplyTo != m.ID {
				t.Fatalf("the sender reads the reply: %+v %v", r, err)
			}
			want := []string{hub.EventSubmissionCreated, mailbox.EventDelivered, mailbox.EventRead, mailbox.EventReplied}
			if got := e.cases.EventTypes(t, "vendor-a", c.CaseID); !slices.Equal(got, want) {
				t.Errorf("timeline %v, want %v", got, want)
			}
			if again, created, err := e.svc.Send(ctx, e.vendor, message(e.ref(t), c.CaseID), "k1"); err != nil || created || again.ID != m.ID {
				t.Errorf("repeat with the same key: %v %v", created, err)
			}
		})
	}
}

func TestAttachmentsStoredOnceEncrypted(t *testing.T) {
	db := hubtest.NewPostgres(t)
	e := newEnv(t, db, mailbox.Config{})
	ctx := context.Background()
	ref := e.ref(t)
	for i := 0; i < 2; i++ {
		if _, _, err := e.svc.Send(ctx, e.vendor, message(ref, ""), ""); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	var ct []byte
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM mailbox_blobs`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT ciphertext FROM mailbox_blobs`).Scan(&ct); err != nil {
		t.Fatal(err)
	}
	if n != 1 || bytes.Contains(ct, []byte("Catalog")) {
		t.Fatalf("%d blobs; plaintext visible: %v", n, bytes.Contains(ct, []byte("Catalog")))
	}
	t.Run("KeyRotation", func(t *testing.T) {
		both := mailbox.Keyring{Active: "k2", Keys: map[string][]byte{"k1": bytes.Repeat([]byte{1}, 32), "k2": bytes.Repeat([]byte{2}, 32)}}
		rotating := newEnvOn(t, e, both)
		if n, err := rotating.svc.RewrapKeys(ctx, 100); err != nil || n != 1 {
			t.Fatalf("rewrapped %d, err %v", n, err)
		}
		onlyNew := newEnvOn(t, e, keyring("k2", 2))
		inbox, _ := onlyNew.svc.Inbox(ctx, e.citizen, 1)
		m, err := onlyNew.svc.Open(ctx, e.citizen, inbox[0].ID)
		if err != nil || !bytes.Equal(m.Attachments[0].Content, pdf) {
			t.Fatalf("open with the new key only: %v", err)
		}
	})
}

// newEnvOn returns a service with other keys on e's database and tenant.
func newEnvOn(t *testing.T, e *env, keys mailbox.Keyring) *env {
	svc, err := mailbox.NewService(e.db, e.cases.Store, e.cases.Catalogue, slog.New(slog.DiscardHandler), mailbox.Config{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	c := *e
	c.svc = svc
	return &c
}

func TestSendRefusesBadInput(t *testing.T) {
	db := hubtest.NewSQLite(t)
	e := newEnv(t, db, mailbox.Config{MaxAttachmentSize: 1024})
	ctx := context.Background()
	ref := e.ref(t)
	c := e.cases.Case(t, "vendor-a", "citizen-1")
	other := e.cases.Case(t, "vendor-b", "citizen-1")
	stranger := e.cases.Case(t, "vendor-a", "citizen-2")
	att := func(name, typ string, content []byte) func(r *mailbox.SendRequest) {
		return func(r *mailbox.SendRequest) {
			r.Attachments = []mailbox.AttachmentData{{Filename: name, MimeType: typ, Content: content}}
		}
	}
	tests := []struct {
		name, kind string
		edit       func(r *mailbox.SendRequest)
	}{
		{"AttachmentTooLarge", "attachment_too_large", att("a.pdf", "application/pdf", append(bytes.Clone(pdf), make([]byte, 1024)...))},
		{"AttachmentExecutable", "attachment_type_forbidden", att("setup.exe", "application/x-msdownload", []byte("MZ\x90\x00"))},
		{"AttachmentHTMLAsPDF", "attachment_type_forbidden", att("a.pdf", "application/pdf", []byte("<html><script>alert(1)</script></html>"))},
		{"AttachmentHTML", "attachment_type_forbidden", att("a.html", "text/html", []byte("<html></html>"))},
		{"AttachmentPathName", "attachment_invalid", att("../etc/passwd", "text/plain", []byte("x"))},
		{"TooManyAttachments", "too_many_attachments", func(r *mailbox.SendRequest) {
			r.Attachments = slices.Repeat(r.Attachments, 6)
		}},
		{"NoTitle", "message_invalid", func(r *mailbox.SendRequest) { r.Title = "" }},
		{"TitleControl", "message_invalid", func(r *mailbox.SendRequest) { r.Title = "a\x1bb" }},
		{"BodyTooLong", "message_invalid", func(r *mailbox.SendRequest) { r.Body = strings.Repeat("x", mailbox.MaxBody+1) }},
		{"BadFormat", "message_invalid", func(r *mailbox.SendRequest) { r.BodyFormat = "html" }},
		{"BadAssurance", "message_invalid", func(r *mailbox.SendRequest) { r.AssuranceLevel = "extreme" }},
		{"UnknownPostbox", "postbox_not_found", func(r *mailbox.SendRequest) { r.PostboxRef = "pbx_nope" }},
		{"OtherVendorsCase", "case_not_found", func(r *mailbox.SendRequest) { r.CaseID = other.CaseID }},
		{"CaseOfAnotherCitizen", "recipient_not_applicant", func(r *mailbox.SendRequest) { r.CaseID = stranger.CaseID }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := message(ref, c.CaseID)
			tt.edit(&r)
			if _, _, err := e.svc.Send(ctx, e.vendor, r, ""); hub.ErrorKind(err) != tt.kind {
				t.Fatalf("error %v, want %s", err, tt.kind)
			}
			var n int
			if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM mailbox_messages) + (SELECT count(*) FROM mailbox_blobs)`).Scan(&n); err != nil || n != 0 {
				t.Errorf("%d rows written (err %v)", n, err)
			}
		})
	}
	t.Run("HTMLInBodyStoredInert", func(t *testing.T) {
		r := message(ref, c.CaseID)
		r.Body = "<script>alert('x')</script> <img src=x onerror=alert(1)> **wichtig** [Link](javascript:alert(1)) [ok](https://amt.example/a?b=1&c=2)"
		m, _, err := e.svc.Send(ctx, e.vendor, r, "")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := e.svc.Get(ctx, e.vendor, m.ID)
		if got.Body != r.Body {
			t.Errorf("body not stored as sent: %q", got.Body)
		}
		out := mailbox.RenderHTML(got.Body, got.BodyFormat)
		for _, bad := range []string{"<script", "<img", "javascript:alert(1)\""} {
			if strings.Contains(out, bad) {
				t.Errorf("rendered body holds %q: %s", bad, out)
			}
		}
		if !strings.Contains(out, "&lt;script&gt;") || !strings.Contains(out, "<strong>wichtig</strong>") ||
			!strings.Contains(out, `<a href="https://amt.example/a?b=1&amp;c=2" rel="noopener noreferrer nofollow"`) {
			t.Errorf("rendered %s", out)
		}
	})
}

func TestVisibility(t *testing.T) {
	db := hubtest.NewPostgres(t)
	e := newEnv(t, db, mailbox.Config{})
	ctx := context.Background()
	m, _, err := e.svc.Send(ctx, e.vendor, message(e.ref(t), ""), "")
	if err != nil {
		t.Fatal(err)
	}
	otherVendor := &hub.Principal{TenantID: e.vendor.TenantID, ClientID: "vendor-b", Subject: "citizen-1", Scopes: e.vendor.Scopes}
	otherTenant := &hub.Principal{TenantID: hubtest.MustTenant(t, db), ClientID: "vendor-a", Subject: "citizen-1", Scopes: e.vendor.Scopes}
	for _, p := range []*hub.Principal{otherVendor, otherTenant} {
		if _, err := e.svc.Get(ctx, p, m.ID); hub.ErrorCode(err) != hub.ENOTFOUND {
			t.Errorf("%s/%s reads the message: %v", p.TenantID, p.ClientID, err)
		}
		if _, _, err := e.svc.Send(ctx, p, message(m.PostboxRef, ""), ""); hub.ErrorKind(err) != "postbox_not_found" {
			t.Errorf("%s/%s uses another's postbox reference: %v", p.TenantID, p.ClientID, err)
		}
	}
	otherCitizen := &hub.Principal{TenantID: e.vendor.TenantID, ClientID: "portal", Subject: "citizen-2", ACR: hub.ACRHigh}
	if _, err := e.svc.Open(ctx, otherCitizen, m.ID); hub.ErrorCode(err) != hub.ENOTFOUND {
		t.Errorf("another citizen opens the message: %v", err)
	}
	machine := &hub.Principal{TenantID: e.vendor.TenantID, ClientID: "vendor-a", Subject: "vendor-a", Scopes: e.vendor.Scopes}
	if _, err := e.svc.PostboxRef(ctx, machine); hub.ErrorKind(err) != "consent_required" {
		t.Errorf("a postbox reference without consent: %v", err)
	}
}

func TestFromFachverfahrenOnce(t *testing.T) {
	e := newEnv(t, hubtest.NewSQLite(t), mailbox.Config{})
	ctx := context.Background()
	c := e.cases.Case(t, "vendor-a", "citizen-1")
	f := mailbox.FromFachverfahren{MessageID: hub.NewID(), DestinationID: e.cases.Destination.ID, CaseID: c.CaseID,
		Reply: hub.MailboxReply{Title: "Bescheid", Body: "Ihr Antrag ist genehmigt.", ReplyAllowed: true}}
	for i, want := range []bool{true, false} {
		if applied, err := e.svc.DeliverFromFachverfahren(ctx, f); err != nil || applied != want {
			t.Fatalf("delivery %d: applied=%v err=%v", i, applied, err)
		}
	}
	inbox, _ := e.svc.Inbox(ctx, e.citizen, 10)
	if len(inbox) != 1 || inbox[0].Sender != e.cases.Destination.Name {
		t.Fatalf("inbox %+v", inbox)
	}
	if got := e.cases.EventTypes(t, "vendor-a", c.CaseID); !slices.Contains(got, mailbox.EventDelivered) {
		t.Errorf("timeline %v", got)
	}
	noCitizen := e.cases.Case(t, "vendor-a", "")
	f.MessageID, f.CaseID = hub.NewID(), noCitizen.CaseID
	if _, err := e.svc.DeliverFromFachverfahren(ctx, f); hub.ErrorKind(err) != "no_recipient" {
		t.Errorf("a case without a citizen: %v", err)
	}
}
