package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/amthub/amthub/hub"
)

// TestFitConnectOutbound: a vendor's submission to the demo destination of
// kind fitconnect leaves through the FIT-Connect connector to the
// simulated FIT-Connect, whose subscriber decrypts and accepts it; the
// decision shows on the amthub timeline, on dev and on serve.
func TestFitConnectOutbound(t *testing.T) {
	for name, start := range map[string]func(*testing.T, ...string) *Hub{"dev": startDev, "serve": startServe} {
		t.Run(name, func(t *testing.T) {
			h := start(t)
			tok := h.Token(h.Demo.Vendor.ClientID, h.Demo.Vendor.ClientSecret, allScopes)
			var destID, leika string
			var data json.RawMessage
			for _, d := range h.Demo.Destinations {
				if d.Kind == hub.DestinationFITConnect {
					destID, leika, data = d.DestinationID, d.LeikaKey, d.ExampleData
				}
			}
			if destID == "" {
				t.Fatal("demo.json lists no destination of kind fitconnect")
			}
			att := hub.NewID()
			res := h.Do("POST", "/v1/submissions", tok, JSONBody(map[string]any{"destinationId": destID,
				"serviceType": map[string]string{"identifier": leika}, "announcedAttachments": []string{att}}), "Idempotency-Key", "fc-create")
			var sub struct{ SubmissionID, CaseID string }
			res.JSON(t, &sub)
			if res.Status != 201 {
				t.Fatalf("create: %d %s", res.Status, res.Body)
			}
			pdf := []byte("%PDF-1.7 Hundesteuer Anlage")
			sum := sha256.Sum256(pdf)
			res = h.Do("PUT", "/v1/submissions/"+sub.SubmissionID+"/attachments/"+att, tok, bytes.NewReader(pdf),
				"Content-Type", "application/pdf", "Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
			if res.Status != 200 {
				t.Fatalf("upload: %d %s", res.Status, res.Body)
			}
			res = h.Do("POST", "/v1/submissions/"+sub.SubmissionID+"/submit", tok, JSONBody(map[string]any{"data": data}), "Idempotency-Key", "fc-submit")
			if res.Status != 200 {
				t.Fatalf("submit: %d %s", res.Status, res.Body)
			}
			events := waitForEvents(t, h, tok, sub.CaseID, hub.EventSubmissionAccepted)
			want := []string{hub.EventSubmissionCreated, hub.EventSubmissionSubmitted, hub.EventSubmissionForwarded, hub.EventSubmissionAccepted}
			for i, typ := range want {
				if i >= len(events) || events[i].Type != typ {
					t.Fatalf("timeline %v, want %v", types(events), want)
				}
			}
			verifyTokens(t, h, events)
		})
	}
}
