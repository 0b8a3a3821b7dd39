package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/mailbox"
)

var pdfBytes = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")

func (e *apiEnv) withMailbox(t testing.TB) *mailbox.Service {
	svc, err := mailbox.NewService(e.db, e.cases.Store, e.cases.Catalogue, slog.New(slog.DiscardHandler),
		mailbox.Config{Keys: mailbox.Keyring{Active: "k1", Keys: map[string][]byte{"k1": bytes.Repeat([]byte{9}, 32)}}})
	if err != nil {
		t.Fatal(err)
	}
	e.api.WithMailbox(svc)
	return svc
}

func mailboxBody(ref, caseID string) map[string]any {
	m := map[string]any{"postboxRef": ref, "sender": "Gewerbeamt Chemnitz", "title": "Ihr Gewerbeschein",
		"body": "Guten Tag,\n\nanbei **Ihr Gewerbeschein**.", "bodyFormat": "markdown", "replyAllowed": true,
		"assuranceLevel": "substantial",
		"attachments":    []map[string]any{{"filename": "schein.pdf", "mimeType": "application/pdf", "content": pdfBytes}}}
	if caseID != "" {
		m["caseId"] = caseID
	}
	return m
}

type messageView struct {
	MessageId, Status, BodyHtml, Body string
	Replies                           []string
}

func TestMailboxAPI(t *testing.T) {
	e := newAPIEnv(t, hubtest.NewPostgres(t))
	tenant := e.cases.TenantID
	forCitizen := e.token(tenant, "vendor-a", "citizen-1", hub.ScopeMailboxSend)
	svc := e.withMailbox(t)
	c := e.cases.Case(t, "vendor-a", "citizen-1")
	var ref string
	t.Run("PostboxRefNeedsConsent", func(t *testing.T) {
		resp, body := e.do("POST", "/v1/mailbox/postboxes", e.token(tenant, "vendor-a", "vendor-a", hub.ScopeMailboxSend), nil)
		if resp.StatusCode != 403 || problemType(body) != "consent_required" {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", "/v1/mailbox/postboxes", forCitizen, nil)
		var out struct{ PostboxRef string }
		_ = json.Unmarshal(body, &out)
		if resp.StatusCode != 200 || !strings.HasPrefix(out.PostboxRef, "pbx_") || strings.Contains(out.PostboxRef, "citizen-1") {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		ref = out.PostboxRef
	})
	t.Run("DeliveredReadReplied", func(t *testing.T) {
		resp, body := e.do("POST", "/v1/mailbox/messages", forCitizen, mailboxBody(ref, c.CaseID), "Idempotency-Key", "m1")
		var m messageView
		_ = json.Unmarshal(body, &m)
		if resp.StatusCode != 201 || m.Status != "delivered" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		citizen := &hub.Principal{TenantID: tenant, ClientID: "portal", Subject: "citizen-1", ACR: hub.ACRHigh}
		if _, err := svc.Open(context.Background(), citizen, m.MessageId); err != nil {
			t.Fatal(err)
		}
		reply, err := svc.Reply(context.Background(), citizen, m.MessageId, "Danke, erhalten.")
		if err != nil {
			t.Fatal(err)
		}
		_, body = e.do("GET", "/v1/mailbox/messages/"+m.MessageId, forCitizen, nil)
		_ = json.Unmarshal(body, &m)
		if m.Status != "replied" || !slices.Equal(m.Replies, []string{reply.ID}) {
			t.Fatalf("after the reply: %s", body)
		}
		if _, body := e.do("GET", "/v1/mailbox/messages/"+reply.ID, forCitizen, nil); !bytes.Contains(body, []byte("Danke, erhalten.")) {
			t.Errorf("reply: %s", body)
		}
		want := []string{hub.EventSubmissionCreated, mailbox.EventDelivered, mailbox.EventRead, mailbox.EventReplied}
		if got := e.cases.EventTypes(t, "vendor-a", c.CaseID); !slices.Equal(got, want) {
			t.Errorf("timeline %v, want %v", got, want)
		}
		for _, tok := range []string{
			e.token(tenant, "vendor-b", "citizen-1", hub.ScopeMailboxSend),
			e.token(hubtest.MustTenant(t, e.db), "vendor-a", "citizen-1", hub.ScopeMailboxSend),
		} {
			if resp, body := e.do("GET", "/v1/mailbox/messages/"+m.MessageId, tok, nil); resp.StatusCode != 404 {
				t.Errorf("another vendor or tenant reads it: %d %s", resp.StatusCode, body)
			}
		}
	})
	t.Run("HTMLBodyShownInert", func(t *testing.T) {
		b := mailboxBody(ref, "")
		b["body"] = `<script>alert(document.cookie)</script><b onclick="x()">hi</b>`
		resp, body := e.do("POST", "/v1/mailbox/messages", forCitizen, b, "Idempotency-Key", hub.NewID())
		var m messageView
		_ = json.Unmarshal(body, &m)
		if resp.StatusCode != 201 || m.Body != b["body"] || strings.Contains(m.BodyHtml, "<script") || strings.Contains(m.BodyHtml, "<b ") {
			t.Errorf("%d %+v", resp.StatusCode, m)
		}
	})
	before := hubtest.Count(t, e.db, `SELECT count(*) FROM mailbox_messages`)
	att := func(name, typ string, content []byte) map[string]any {
		b := mailboxBody(ref, "")
		b["attachments"] = []map[string]any{{"filename": name, "mimeType": typ, "content": content}}
		return b
	}
	tests := []struct {
		name   string
		body   map[string]any
		status int
		kind   string
	}{
		{"ErrAttachmentTooLarge", att("big.pdf", "application/pdf", append(bytes.Clone(pdfBytes), make([]byte, 2<<20)...)), 413, "attachment_too_large"},
		{"ErrAttachmentForbiddenType", att("run.exe", "application/x-msdownload", []byte("MZ\x90\x00\x03")), 400, "attachment_type_forbidden"},
		{"ErrAttachmentDisguised", att("brief.pdf", "application/pdf", []byte("<html><script></script></html>")), 400, "attachment_type_forbidden"},
		{"ErrUnknownPostbox", mailboxBody("pbx_unknown", ""), 404, "postbox_not_found"},
		{"ErrNoTitle", with(mailboxBody(ref, ""), "title", ""), 400, "message_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do("POST", "/v1/mailbox/messages", forCitizen, tt.body, "Idempotency-Key", hub.NewID())
			if resp.StatusCode != tt.status || problemType(body) != tt.kind {
				t.Errorf("%d %s, want %d %s", resp.StatusCode, body, tt.status, tt.kind)
			}
		})
	}
	after := hubtest.Count(t, e.db, `SELECT count(*) FROM mailbox_messages`)
	if after != before {
		t.Errorf("refused requests stored %d messages", after-before)
	}
}

// BenchmarkMailboxDelivery sends messages (with a PDF attachment) through
// the vendor API from parallel clients and reports how many are delivered
// per second end to end: request, checks, encrypted attachment, message,
// delivery event on the case timeline, all committed in PostgreSQL.
func BenchmarkMailboxDelivery(b *testing.B) {
	e := newAPIEnv(b, hubtest.NewPostgres(b))
	tok := e.token(e.cases.TenantID, "vendor-a", "citizen-1", hub.ScopeMailboxSend)
	svc := e.withMailbox(b)
	ref, err := svc.PostboxRef(context.Background(), e.principals[tok])
	if err != nil {
		b.Fatal(err)
	}
	// Messages spread over several cases, as in real use: events of one
	// case are numbered in order, so one case's messages serialise.
	cases := make([]string, 16)
	for i := range cases {
		cases[i] = e.cases.Case(b, "vendor-a", "citizen-1").CaseID
	}
	var next atomic.Int64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var n atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := mailboxBody(ref, cases[next.Add(1)%int64(len(cases))])
			body["title"] = "Bescheid " + hub.NewID()
			raw, _ := json.Marshal(body)
			req, _ := http.NewRequest("POST", e.srv.URL+"/v1/mailbox/messages", bytes.NewReader(raw))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Idempotency-Key", hub.NewID())
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 201 {
				b.Fatalf("status %d", resp.StatusCode)
			}
			n.Add(1)
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "msgs/s")
	delivered := hubtest.Count(b, e.db, `SELECT count(*) FROM case_events WHERE type = 'mailbox.delivered'`)
	if int64(delivered) < n.Load() {
		b.Errorf("%d delivery events for %d messages", delivered, n.Load())
	}
}
