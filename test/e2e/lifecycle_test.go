package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v3"

	"github.com/amthub/amthub/hub"
)

const allScopes = "routes:read submissions:write submissions:read events:read"

// TestLifecycle drives a submission from route lookup to the
// Fachverfahren's decision, on the embedded hub and on production servers.
func TestLifecycle(t *testing.T) {
	for name, start := range map[string]func(*testing.T, ...string) *Hub{"dev": startDev, "serve": startServe} {
		t.Run(name, func(t *testing.T) { testLifecycle(t, start(t)) })
	}
}

// callbackSink records callbacks after verifying their signature.
type callbackSink struct {
	mu     sync.Mutex
	secret []byte
	got    map[string]string // event id → type
	bad    int
}

func (c *callbackSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := hub.VerifyCallback(c.secret, r.Header.Get(hub.CallbackTimestampHeader), r.Header.Get(hub.CallbackSignatureHeader), body, time.Now()); err != nil {
		c.bad++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var e struct{ EventID, Type string }
	_ = json.Unmarshal(body, &e)
	c.got[e.EventID] = e.Type
}

func testLifecycle(t *testing.T, h *Hub) {
	tok := h.Token(h.Demo.Vendor.ClientID, h.Demo.Vendor.ClientSecret, allScopes)
	dest := h.Demo.Destinations[0]

	sink := &callbackSink{got: map[string]string{}}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	res := h.Do("PUT", "/v1/callback", tok, JSONBody(map[string]string{"url": srv.URL + "/hook"}))
	if res.Status != 200 {
		t.Fatalf("register callback: %d %s", res.Status, res.Body)
	}
	var reg struct{ Secret string }
	res.JSON(t, &reg)
	sink.mu.Lock()
	sink.secret = []byte(reg.Secret)
	sink.mu.Unlock()

	res = h.Do("GET", "/v1/routes?leikaKey="+dest.LeikaKey+"&ars="+dest.ARS, tok, nil)
	var routes struct {
		Routes []struct{ DestinationID string }
	}
	res.JSON(t, &routes)
	if res.Status != 200 || len(routes.Routes) != 1 || routes.Routes[0].DestinationID != dest.DestinationID {
		t.Fatalf("routes: %d %s", res.Status, res.Body)
	}

	att := hub.NewID()
	create := map[string]any{"destinationId": dest.DestinationID, "serviceType": map[string]string{"identifier": dest.LeikaKey},
		"announcedAttachments": []string{att}}
	res = h.Do("POST", "/v1/submissions", tok, JSONBody(create), "Idempotency-Key", "create-1")
	var sub struct {
		SubmissionID, CaseID, CaseNumber string
		State                            hub.State
	}
	res.JSON(t, &sub)
	if res.Status != 201 || sub.State != hub.StateIncomplete || sub.CaseNumber == "" {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	again := h.Do("POST", "/v1/submissions", tok, JSONBody(create), "Idempotency-Key", "create-1")
	var sub2 struct{ SubmissionID string }
	again.JSON(t, &sub2)
	if again.Status != 201 || sub2.SubmissionID != sub.SubmissionID || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry with the same key: %d %s", again.Status, again.Body)
	}

	pdf := []byte("%PDF-1.7 Gewerbeanmeldung Anlage")
	sum := sha256.Sum256(pdf)
	res = h.Do("PUT", "/v1/submissions/"+sub.SubmissionID+"/attachments/"+att, tok, bytes.NewReader(pdf),
		"Content-Type", "application/pdf", "Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":",
		"Content-Disposition", `attachment; filename="anlage.pdf"`)
	if res.Status != 200 {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}

	res = h.Do("POST", "/v1/submissions/"+sub.SubmissionID+"/submit", tok, JSONBody(map[string]any{"data": dest.ExampleData}), "Idempotency-Key", "submit-1")
	if res.Status != 200 {
		t.Fatalf("submit: %d %s", res.Status, res.Body)
	}

	events := waitForEvents(t, h, tok, sub.CaseID, "status.completed")
	want := []string{hub.EventSubmissionCreated, hub.EventSubmissionSubmitted, hub.EventSubmissionForwarded, hub.EventSubmissionAccepted}
	for i, typ := range want {
		if events[i].Type != typ {
			t.Fatalf("event %d is %s, want %s (timeline %v)", i, events[i].Type, typ, types(events))
		}
	}
	verifyTokens(t, h, events)

	// Every event reaches the callback, signed.
	deadline := time.Now().Add(20 * time.Second)
	for {
		sink.mu.Lock()
		n, bad := len(sink.got), sink.bad
		sink.mu.Unlock()
		if bad > 0 {
			t.Fatalf("%d callbacks failed verification", bad)
		}
		if n >= len(events) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events arrived as callbacks", n, len(events))
		}
		time.Sleep(100 * time.Millisecond)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	for _, e := range events {
		if sink.got[e.EventID] != e.Type {
			t.Errorf("callback for event %s (%s) missing", e.EventID, e.Type)
		}
	}
}

type event struct {
	EventID, Type, Token string
	Seq                  int
}

func types(es []event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Type
	}
	return out
}

func waitForEvents(t *testing.T, h *Hub, tok, caseID, last string) []event {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res := h.Do("GET", "/v1/cases/"+caseID+"/events?limit=500", tok, nil)
		var page struct{ Events []event }
		res.JSON(t, &page)
		for _, e := range page.Events {
			if e.Type == last {
				return page.Events
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s event within 30 s; timeline %v", last, types(page.Events))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// verifyTokens checks each event's Security Event Token against the hub's
// published JWKS.
func verifyTokens(t *testing.T, h *Hub, events []event) {
	t.Helper()
	res, err := http.Get(h.Base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	var jwks jose.JSONWebKeySet
	if err := json.NewDecoder(res.Body).Decode(&jwks); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, e := range events {
		jws, err := jose.ParseSigned(e.Token)
		if err != nil {
			t.Fatalf("event %d token: %v", e.Seq, err)
		}
		sig := jws.Signatures[0].Protected
		if sig.ExtraHeaders["typ"] != "secevent+jwt" {
			t.Fatalf("event %d typ = %v", e.Seq, sig.ExtraHeaders["typ"])
		}
		keys := jwks.Key(sig.KeyID)
		if len(keys) == 0 {
			t.Fatalf("event %d signed with unknown key %s", e.Seq, sig.KeyID)
		}
		payload, err := jws.Verify(keys[0].Key)
		if err != nil {
			t.Fatalf("event %d signature: %v", e.Seq, err)
		}
		var claims struct {
			JTI    string         `json:"jti"`
			Events map[string]any `json:"events"`
		}
		_ = json.Unmarshal(payload, &claims)
		if claims.JTI != e.EventID || claims.Events["urn:amthub:event:"+e.Type] == nil {
			t.Fatalf("event %d claims %s do not describe it", e.Seq, payload)
		}
	}
}
