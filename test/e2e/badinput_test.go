package e2e

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
)

// TestBadInput tries what a careless or hostile vendor sends. Each refusal
// has its status and stable problem type, matches the spec, and leaves no
// partial write behind.
func TestBadInput(t *testing.T) {
	for name, start := range map[string]func(*testing.T, ...string) *Hub{"dev": startDev, "serve": startServe} {
		t.Run(name, func(t *testing.T) { testBadInput(t, start(t, "AMTHUB_SUBMISSION_TTL=3s")) })
	}
}

func testBadInput(t *testing.T, h *Hub) {
	tok := h.Token(h.Demo.Vendor.ClientID, h.Demo.Vendor.ClientSecret, allScopes)
	dest := h.Demo.Destinations[0]
	newSub := func(t *testing.T, key string, announced ...string) string {
		t.Helper()
		if announced == nil {
			announced = []string{}
		}
		res := h.Do("POST", "/v1/submissions", tok, JSONBody(map[string]any{"destinationId": dest.DestinationID,
			"serviceType": map[string]string{"identifier": dest.LeikaKey}, "announcedAttachments": announced}), "Idempotency-Key", key)
		if res.Status != 201 {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		var s struct{ SubmissionID string }
		res.JSON(t, &s)
		return s.SubmissionID
	}
	state := func(t *testing.T, id string) (hub.State, int) {
		t.Helper()
		res := h.Do("GET", "/v1/submissions/"+id, tok, nil)
		var s struct {
			State       hub.State
			Attachments []any
		}
		res.JSON(t, &s)
		return s.State, len(s.Attachments)
	}
	expect := func(t *testing.T, res Response, status int, problem string) {
		t.Helper()
		if res.Status != status || res.Problem() != "/problems/"+problem {
			t.Fatalf("got %d %s, want %d /problems/%s", res.Status, res.Body, status, problem)
		}
		if res.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("content type %q", res.Header.Get("Content-Type"))
		}
		if strings.Contains(string(res.Body), "goroutine") || strings.Contains(string(res.Body), ".go:") {
			t.Fatalf("stack trace in answer: %s", res.Body)
		}
	}

	t.Run("WrongSchema", func(t *testing.T) {
		id := newSub(t, "schema")
		res := h.Do("POST", "/v1/submissions/"+id+"/submit", tok, JSONBody(map[string]any{"data": map[string]any{"unexpected": "<script>"}}), "Idempotency-Key", "s1")
		expect(t, res, 422, "data_invalid")
		var p struct{ Field string }
		res.JSON(t, &p)
		if p.Field == "" {
			t.Fatalf("no field named: %s", res.Body)
		}
		if st, _ := state(t, id); st != hub.StateIncomplete {
			t.Fatalf("state after refused submit: %s", st)
		}
	})
	t.Run("UnknownDestination", func(t *testing.T) {
		res := h.Do("POST", "/v1/submissions", tok, JSONBody(map[string]any{"destinationId": hub.NewID(),
			"serviceType": map[string]string{"identifier": dest.LeikaKey}}), "Idempotency-Key", "unknown-dest")
		expect(t, res, 404, "destination_not_found")
	})
	t.Run("MissingAttachment", func(t *testing.T) {
		id := newSub(t, "missing", hub.NewID())
		res := h.Do("POST", "/v1/submissions/"+id+"/submit", tok, JSONBody(map[string]any{"data": dest.ExampleData}), "Idempotency-Key", "s2")
		expect(t, res, 422, "attachments_missing")
		if st, _ := state(t, id); st != hub.StateIncomplete {
			t.Fatalf("state after refused submit: %s", st)
		}
	})
	t.Run("IdempotencyKeyReusedWithOtherBody", func(t *testing.T) {
		first := newSub(t, "reused")
		res := h.Do("POST", "/v1/submissions", tok, JSONBody(map[string]any{"destinationId": dest.DestinationID,
			"serviceType": map[string]string{"identifier": dest.LeikaKey}, "announcedAttachments": []string{hub.NewID()}}), "Idempotency-Key", "reused")
		expect(t, res, 422, "idempotency_key_reused")
		if st, n := state(t, first); st != hub.StateIncomplete || n != 0 {
			t.Fatalf("the first submission changed: %s, %d attachments", st, n)
		}
	})
	t.Run("IdempotencyKeyMissing", func(t *testing.T) {
		res := h.Do("POST", "/v1/submissions", tok, JSONBody(map[string]any{"destinationId": dest.DestinationID,
			"serviceType": map[string]string{"identifier": dest.LeikaKey}}))
		expect(t, res, 400, "idempotency_key_missing")
	})
	t.Run("OversizedAttachment", func(t *testing.T) {
		att := hub.NewID()
		id := newSub(t, "big", att)
		big := bytes.Repeat([]byte{'x'}, 20<<20+1)
		res := h.Do("PUT", "/v1/submissions/"+id+"/attachments/"+att, tok, bytes.NewReader(big), "Content-Type", "application/pdf")
		expect(t, res, 413, "attachment_too_large")
		if _, n := state(t, id); n != 0 {
			t.Fatalf("an oversized attachment was stored")
		}
	})
	t.Run("ChecksumMismatch", func(t *testing.T) {
		att := hub.NewID()
		id := newSub(t, "digest", att)
		res := h.Do("PUT", "/v1/submissions/"+id+"/attachments/"+att, tok, strings.NewReader("content"),
			"Content-Type", "text/plain", "Repr-Digest", "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:")
		expect(t, res, 400, "checksum_mismatch")
		if _, n := state(t, id); n != 0 {
			t.Fatalf("an attachment with a wrong checksum was stored")
		}
	})
	t.Run("ExpiredSubmission", func(t *testing.T) {
		att := hub.NewID()
		id := newSub(t, "expired", att)
		time.Sleep(3200 * time.Millisecond)
		res := h.Do("PUT", "/v1/submissions/"+id+"/attachments/"+att, tok, strings.NewReader("late"), "Content-Type", "text/plain")
		expect(t, res, 410, "submission_expired")
		res = h.Do("POST", "/v1/submissions/"+id+"/submit", tok, JSONBody(map[string]any{"data": dest.ExampleData}), "Idempotency-Key", "late")
		expect(t, res, 410, "submission_expired")
	})
	t.Run("AnotherVendorsSubmission", func(t *testing.T) {
		id := newSub(t, "mine")
		var other struct {
			ID           string `json:"id"`
			ClientSecret string `json:"clientSecret"`
		}
		if err := json.Unmarshal(h.Operator("client", "create", "--tenant", h.Demo.Tenant.Slug, "--name", "Zweiter Anbieter"), &other); err != nil {
			t.Fatal(err)
		}
		tok2 := h.Token(other.ID, other.ClientSecret, allScopes)
		expect(t, h.Do("GET", "/v1/submissions/"+id, tok2, nil), 404, "submission_not_found")
		expect(t, h.Do("POST", "/v1/submissions/"+id+"/submit", tok2, JSONBody(map[string]any{"data": dest.ExampleData}), "Idempotency-Key", "x"), 404, "submission_not_found")
		res := h.Do("GET", "/v1/submissions/"+id, tok, nil)
		var s struct{ CaseID string }
		res.JSON(t, &s)
		expect(t, h.Do("GET", "/v1/cases/"+s.CaseID+"/events", tok2, nil), 404, "case_not_found")
	})
	t.Run("NoToken", func(t *testing.T) {
		res := h.Do("GET", "/v1/routes?leikaKey="+dest.LeikaKey+"&ars="+dest.ARS, "", nil)
		if res.Status != 401 {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
	t.Run("MissingScope", func(t *testing.T) {
		narrow := h.Token(h.Demo.Vendor.ClientID, h.Demo.Vendor.ClientSecret, "routes:read")
		res := h.Do("POST", "/v1/submissions", narrow, JSONBody(map[string]any{"destinationId": dest.DestinationID,
			"serviceType": map[string]string{"identifier": dest.LeikaKey}}), "Idempotency-Key", "scope")
		expect(t, res, 403, "insufficient_scope")
	})
	t.Run("MalformedJSON", func(t *testing.T) {
		res := h.Do("POST", "/v1/submissions", tok, strings.NewReader(`{"destinationId": `), "Idempotency-Key", "broken")
		if res.Status != 400 {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
	t.Run("BadRouteQuery", func(t *testing.T) {
		res := h.Do("GET", "/v1/routes?leikaKey=123&ars="+dest.ARS, tok, nil)
		expect(t, res, 400, "request_invalid")
	})
	t.Run("NoRoute", func(t *testing.T) {
		expect(t, h.Do("GET", "/v1/routes?leikaKey=99000000000000&ars="+dest.ARS, tok, nil), 404, "unknown_service")
		expect(t, h.Do("GET", "/v1/routes?leikaKey="+dest.LeikaKey+"&ars=091620000000", tok, nil), 404, "unknown_area")
		expect(t, h.Do("GET", "/v1/routes?leikaKey="+dest.LeikaKey+"&ars=146270000000", tok, nil), 404, "no_responsibility")
	})
}
