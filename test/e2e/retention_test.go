package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
)

// TestRetentionOnServe: on production servers, with a grace period of two
// seconds, a submission the Fachverfahren simulator accepted loses its
// data and attachments; the vendor's GET answers with the metadata and
// contentDeleted; the event log is unchanged and its signatures verify.
func TestRetentionOnServe(t *testing.T) {
	h := startServe(t, "AMTHUB_RETENTION_INTERVAL=1s")
	h.Operator("retention", "set", h.Demo.Tenant.Slug, "submission_content", "2s")
	tok := h.Token(h.Demo.Vendor.ClientID, h.Demo.Vendor.ClientSecret, allScopes)
	dest := h.Demo.Destinations[0]

	att := hub.NewID()
	res := h.Do("POST", "/v1/submissions", tok, JSONBody(map[string]any{"destinationId": dest.DestinationID,
		"serviceType": map[string]string{"identifier": dest.LeikaKey}, "announcedAttachments": []string{att}}), "Idempotency-Key", "r-1")
	var sub struct{ SubmissionID, CaseID, CaseNumber string }
	res.JSON(t, &sub)
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	pdf := []byte("%PDF-1.7 Meldebescheinigung")
	sum := sha256.Sum256(pdf)
	if res := h.Do("PUT", "/v1/submissions/"+sub.SubmissionID+"/attachments/"+att, tok, bytes.NewReader(pdf),
		"Content-Type", "application/pdf", "Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":",
		"Content-Disposition", `attachment; filename="meldebescheinigung-mustermann.pdf"`); res.Status != 200 {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	if res := h.Do("POST", "/v1/submissions/"+sub.SubmissionID+"/submit", tok, JSONBody(map[string]any{"data": dest.ExampleData}),
		"Idempotency-Key", "r-2"); res.Status != 200 {
		t.Fatalf("submit: %d %s", res.Status, res.Body)
	}
	before := waitForEvents(t, h, tok, sub.CaseID, hub.EventSubmissionAccepted)

	type attachment struct {
		AttachmentID, Filename, MimeType, Sha256 string
		Size                                     int64
	}
	var got struct {
		SubmissionID, CaseID, CaseNumber, State string
		Attachments                             []attachment
		ContentDeleted                          bool
		ContentDeletedAt                        *time.Time
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res := h.Do("GET", "/v1/submissions/"+sub.SubmissionID, tok, nil)
		got.Attachments = nil // decode afresh: an absent filename must not keep the old one
		res.JSON(t, &got)
		if res.Status != 200 {
			t.Fatalf("get: %d %s", res.Status, res.Body)
		}
		if got.ContentDeleted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("content not deleted within 30 s of the decision: %s", res.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got.State != "accepted" || got.CaseNumber != sub.CaseNumber || got.ContentDeletedAt == nil || len(got.Attachments) != 1 ||
		got.Attachments[0].Filename != "" || got.Attachments[0].Size != int64(len(pdf)) || got.Attachments[0].MimeType != "application/pdf" {
		t.Fatalf("after deletion: %+v", got)
	}

	db, err := sqlstore.Open(context.Background(), h.DBURL, sqlstore.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`SELECT count(*) FROM submissions WHERE id = $1 AND (data IS NOT NULL OR content_deleted_at IS NULL)`,
		`SELECT count(*) FROM attachments WHERE submission_id = $1 AND (content IS NOT NULL OR filename IS NOT NULL)`,
		`SELECT count(*) FROM outbox WHERE metadata ->> 'amthub:submission' = $1`,
	} {
		if n := hubtest.Count(t, db, q, sub.SubmissionID); n != 0 {
			t.Fatalf("%s: %d rows still hold content", q, n)
		}
	}

	after := waitForEvents(t, h, tok, sub.CaseID, hub.EventSubmissionAccepted)
	if len(after) < len(before) || !slices.Equal(after[:len(before)], before) {
		t.Fatalf("the event log changed: %v, was %v", types(after), types(before))
	}
	verifyTokens(t, h, after)
	if log := string(h.Operator("retention", "log", h.Demo.Tenant.Slug)); !strings.Contains(log, "submission_content 1") {
		t.Fatalf("retention log: %q", log)
	}

	testPrivacyRecord(t, h, tok)
}

// testPrivacyRecord reads the tenant's record of processing activities as
// an operator (admin scope), and checks that a vendor's token and another
// tenant's path are refused.
func testPrivacyRecord(t *testing.T, h *Hub, vendorTok string) {
	var admin struct {
		ID           string `json:"id"`
		ClientSecret string `json:"clientSecret"`
	}
	if err := json.Unmarshal(h.Operator("client", "create", "--tenant", h.Demo.Tenant.Slug, "--name", "Betrieb", "--scopes", "admin"), &admin); err != nil {
		t.Fatal(err)
	}
	adminTok := h.Token(admin.ID, admin.ClientSecret, "admin")
	get := func(tok, tenant, accept string) (int, string) {
		req, _ := http.NewRequest("GET", h.Base+"/admin/v1/tenants/"+tenant+"/privacy/record", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		req.Header.Set("Accept", accept)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get(adminTok, h.Demo.Tenant.ID, "text/markdown"); code != 200 ||
		!strings.Contains(body, "# Verzeichnis von Verarbeitungstätigkeiten") || !strings.Contains(body, "2s (vom Mandanten festgelegt)") {
		t.Fatalf("record as Markdown: %d %.500s", code, body)
	}
	if code, body := get(adminTok, h.Demo.Tenant.ID, "text/html"); code != 200 || !strings.Contains(body, `<html lang="de">`) {
		t.Fatalf("record as HTML: %d %.300s", code, body)
	}
	if code, _ := get(vendorTok, h.Demo.Tenant.ID, "text/html"); code != 403 {
		t.Fatalf("a vendor's token read the record: %d", code)
	}
	if code, _ := get(adminTok, hub.NewID(), "text/html"); code != 403 {
		t.Fatalf("another tenant's record: %d", code)
	}
	if code, _ := get("", h.Demo.Tenant.ID, "text/html"); code != 401 {
		t.Fatalf("without a token: %d", code)
	}
}
