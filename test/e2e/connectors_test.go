package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestPaymentsAndRegisters drives a payment through the simulated ePayBL
// pay page back to the hub, one left in the browser and settled by the
// hub's own reconciliation, and register queries answered and refused —
// on dev and on serve with the real servers.
func TestPaymentsAndRegisters(t *testing.T) {
	for name, start := range map[string]func(*testing.T, ...string) *Hub{"dev": startDev, "serve": startServe} {
		t.Run(name, func(t *testing.T) {
			h := start(t, "AMTHUB_PAYMENT_CHECKS=2s,3s")
			tok := h.Token(h.Demo.Vendor.ClientID, h.Demo.Vendor.ClientSecret, allScopes+" payments:write registers:query")
			t.Run("Payments", func(t *testing.T) { testPayments(t, h, tok) })
			t.Run("Registers", func(t *testing.T) { testRegisters(t, h, tok) })
		})
	}
}

func newCase(t *testing.T, h *Hub, tok, key string) string {
	t.Helper()
	dest := h.Demo.Destinations[0]
	res := h.Do("POST", "/v1/submissions", tok, JSONBody(map[string]any{"destinationId": dest.DestinationID,
		"serviceType": map[string]string{"identifier": dest.LeikaKey}}), "Idempotency-Key", key)
	var s struct{ CaseID string }
	res.JSON(t, &s)
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	return s.CaseID
}

func createPayment(t *testing.T, h *Hub, tok, caseID, key string) (id, payURL string) {
	t.Helper()
	res := h.Do("POST", "/v1/payments", tok, JSONBody(map[string]any{"caseId": caseID, "amount": 4500, "purpose": "Gewerbeanmeldung",
		"items":     []map[string]any{{"reference": "GEB-1", "description": "Gebühr", "quantity": 1, "unitAmount": 4500}},
		"returnUrl": "https://portal.example/zurueck"}), "Idempotency-Key", key)
	var p struct{ PaymentID, PayURL, Status string }
	res.JSON(t, &p)
	if res.Status != 201 || p.PayURL == "" {
		t.Fatalf("create payment: %d %s", res.Status, res.Body)
	}
	return p.PaymentID, p.PayURL
}

// press clicks a button on the simulated pay page, as the citizen's
// browser would, without following the redirect back.
func press(t *testing.T, payURL, action string, follow bool) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		if follow {
			return nil
		}
		return http.ErrUseLastResponse
	}}
	res, err := client.PostForm(payURL, url.Values{"action": {action}})
	if err != nil && follow && strings.Contains(err.Error(), "portal.example") {
		return // the hub sent the browser on to the vendor's portal, which does not exist here
	}
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
}

func waitPayment(t *testing.T, h *Hub, tok, id, want string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res := h.Do("GET", "/v1/payments/"+id, tok, nil)
		var p struct{ Status string }
		res.JSON(t, &p)
		if p.Status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("payment %s is %s after 60 s, want %s", id, p.Status, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func testPayments(t *testing.T, h *Hub, tok string) {
	caseID := newCase(t, h, tok, "pay-case")
	paid, payURL := createPayment(t, h, tok, caseID, "pay-1")
	press(t, payURL, "pay", true) // the browser comes back through the hub
	waitPayment(t, h, tok, paid, "PAYED")

	failed, failURL := createPayment(t, h, tok, caseID, "pay-2")
	press(t, failURL, "fail", true)
	waitPayment(t, h, tok, failed, "FAILED")

	abandoned, abURL := createPayment(t, h, tok, caseID, "pay-3")
	press(t, abURL, "pay", false) // the citizen closes the browser after paying
	waitPayment(t, h, tok, abandoned, "PAYED")

	events := waitForEvents(t, h, tok, caseID, "payment.failed")
	count := map[string]int{}
	for _, e := range events {
		count[e.Type]++
	}
	if count["payment.created"] != 3 || count["payment.payed"] != 2 || count["payment.failed"] != 1 {
		t.Fatalf("payment events on the timeline: %v", types(events))
	}
	verifyTokens(t, h, events)

	res := h.Do("POST", "/v1/payments", tok, JSONBody(map[string]any{"caseId": caseID, "amount": 100,
		"purpose": strings.Repeat("x", 28), "items": []map[string]any{{"reference": "R", "description": "D", "quantity": 1, "unitAmount": 100}},
		"returnUrl": "https://portal.example/zurueck"}), "Idempotency-Key", "pay-bad")
	if res.Status != 400 && res.Status != 422 {
		t.Fatalf("a 28-character purpose was accepted: %d %s", res.Status, res.Body)
	}
}

func testRegisters(t *testing.T, h *Hub, tok string) {
	res := h.Do("POST", "/v1/registers/trade/queries", tok, JSONBody(map[string]any{"purpose": "Prüfung der Gewerbeanmeldung",
		"query": map[string]string{"registerNumber": "HRB 12345"}}))
	var a struct {
		Found  bool
		Record map[string]any
	}
	res.JSON(t, &a)
	if res.Status != 200 || !a.Found || a.Record["companyName"] != "Musterfirma GmbH" {
		t.Fatalf("trade register: %d %s", res.Status, res.Body)
	}
	// A machine token may not look up a person without the person's consent.
	res = h.Do("POST", "/v1/registers/population/queries", tok, JSONBody(map[string]any{"purpose": "Meldeauskunft",
		"query": map[string]string{"familyName": "Mustermann", "givenName": "Erika", "dateOfBirth": "1964-08-12"}}))
	if res.Status != 403 || res.Problem() != "/problems/consent_required" {
		t.Fatalf("population register without consent: %d %s", res.Status, res.Body)
	}
	res = h.Do("POST", "/v1/registers/nowhere/queries", tok, JSONBody(map[string]any{"purpose": "Test", "query": map[string]string{}}))
	if res.Status != 404 {
		t.Fatalf("unknown register: %d %s", res.Status, res.Body)
	}
}
