package sim_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/amthub/amthub/connectors/fitconnect/fctest"
	"github.com/amthub/amthub/connectors/fitconnect/sim"
	"github.com/amthub/amthub/hub/fitcrypto"
)

// sender is a FIT-Connect sender written in the test from the Submission
// API's documentation, to drive the simulator.
type sender struct {
	t     *testing.T
	base  string
	http  *http.Client
	token string
}

func newSender(t *testing.T, s *fctest.Sim) (*sender, http.RoundTripper) {
	rt := fctest.Transport(t, nil)
	c := &sender{t: t, base: s.URL, http: &http.Client{Transport: rt, Timeout: 10 * time.Second}}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ClientID()}, "client_secret": {s.ClientSecret()}}
	resp, err := c.http.PostForm(s.URL+"/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	c.decode(resp, http.StatusOK, &tok)
	if tok.Scope != "send:region:DE14" {
		t.Errorf("scope = %q, want send:region:DE14", tok.Scope)
	}
	c.token = tok.AccessToken
	return c, rt
}

func (c *sender) do(method, path, contentType string, body []byte) *http.Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp
}

func (c *sender) decode(resp *http.Response, want int, v any) {
	c.t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			c.t.Fatalf("decode %s: %v", b, err)
		}
	}
}

func sha512hex(b []byte) string {
	s := sha512.Sum512(b)
	return hex.EncodeToString(s[:])
}

// send runs the sender's whole flow for data with one attachment and
// returns the case id.
func (c *sender) send(s *fctest.Sim, data string) (submissionID, caseID string) {
	c.t.Helper()
	var dest struct {
		EncryptionKid string `json:"encryptionKid"`
	}
	c.decode(c.do(http.MethodGet, "/v1/destinations/"+s.DestinationID(), "", nil), http.StatusOK, &dest)
	resp := c.do(http.MethodGet, "/v1/destinations/"+s.DestinationID()+"/keys/"+dest.EncryptionKid, "", nil)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	key, err := fitcrypto.ParsePublicKey(raw, fitcrypto.Encryption)
	if err != nil {
		c.t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(s.Keys().TrustAnchorPEM())
	if err := fitcrypto.VerifyChain(key, roots, time.Now()); err != nil {
		c.t.Fatalf("destination key: %v", err)
	}
	att := uuid.NewString()
	create, _ := json.Marshal(map[string]any{"destinationId": s.DestinationID(), "announcedAttachments": []string{att},
		"serviceType": map[string]string{"name": "Gewerbeanmeldung", "identifier": "urn:de:fim:leika:leistung:99050012104000"}})
	var created struct{ SubmissionID, CaseID string }
	c.decode(c.do(http.MethodPost, "/v1/submissions", "application/json", create), http.StatusCreated, &created)
	pdf := []byte("%PDF-1.7 Anlage")
	encAtt, _ := fitcrypto.Encrypt(pdf, key, "application/pdf")
	c.decode(c.do(http.MethodPut, "/v1/submissions/"+created.SubmissionID+"/attachments/"+att, "application/jose", []byte(encAtt)), http.StatusNoContent, nil)
	meta, _ := json.Marshal(map[string]any{"contentStructure": map[string]any{
		"data": map[string]any{"hash": map[string]string{"type": "sha512", "content": sha512hex([]byte(data))},
			"submissionSchema": map[string]string{"schemaUri": sim.SchemaURI("99050012104000"), "mimeType": "application/json"}},
		"attachments": []map[string]any{{"attachmentId": att, "purpose": "attachment", "mimeType": "application/pdf",
			"hash": map[string]string{"type": "sha512", "content": sha512hex(pdf)}}}}})
	encMeta, _ := fitcrypto.Encrypt(meta, key, "application/json")
	encData, _ := fitcrypto.Encrypt([]byte(data), key, "application/json")
	body, _ := json.Marshal(map[string]string{"encryptedMetadata": encMeta, "encryptedData": encData})
	c.decode(c.do(http.MethodPut, "/v1/submissions/"+created.SubmissionID, "application/json", body), http.StatusAccepted, nil)
	return created.SubmissionID, created.CaseID
}

// lastEvent waits for the case's log to end in accept or reject and
// verifies every SET with the key its issuer publishes.
func (c *sender) lastEvent(s *fctest.Sim, caseID string) (fitcrypto.Event, json.RawMessage) {
	c.t.Helper()
	s.Wait()
	var log struct{ EventLog []string }
	c.decode(c.do(http.MethodGet, "/v1/cases/"+caseID+"/events", "", nil), http.StatusOK, &log)
	if len(log.EventLog) != 3 {
		c.t.Fatalf("event log has %d SETs, want create, submit and a decision", len(log.EventLog))
	}
	var last *fitcrypto.SET
	for _, tok := range log.EventLog {
		kid, err := fitcrypto.SETKeyID(tok)
		if err != nil {
			c.t.Fatal(err)
		}
		var key *fitcrypto.PublicKey
		if kid == s.Keys().Service.KeyID {
			resp := c.do(http.MethodGet, "/.well-known/jwks.json", "", nil)
			var set struct{ Keys []json.RawMessage }
			c.decode(resp, http.StatusOK, &set)
			key, err = fitcrypto.ParsePublicKey(set.Keys[0], fitcrypto.Signature)
		} else {
			resp := c.do(http.MethodGet, "/v1/destinations/"+s.DestinationID()+"/keys/"+kid, "", nil)
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			key, err = fitcrypto.ParsePublicKey(raw, fitcrypto.Signature)
		}
		if err != nil {
			c.t.Fatal(err)
		}
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(s.Keys().TrustAnchorPEM())
		if err := fitcrypto.VerifyChain(key, roots, time.Now()); err != nil {
			c.t.Fatal(err)
		}
		if last, err = fitcrypto.VerifySET(tok, key, fitcrypto.VerifyOptions{}); err != nil {
			c.t.Fatal(err)
		}
	}
	return last.Event, last.Payload
}

// TestFlow sends as a FIT-Connect sender would, every call checked against
// the Submission API document, and reads the subscriber's decision.
func TestFlow(t *testing.T) {
	tests := []struct {
		name      string
		data      string
		rejectAll bool
		want      fitcrypto.Event
		problem   string
	}{
		{"Accept", `{"name":"Erika"}`, false, fitcrypto.EventAcceptSubmission, ""},
		{"RejectByData", `{"simulateReject":true}`, false, fitcrypto.EventRejectSubmission, "asks to be rejected"},
		{"RejectAll", `{"name":"Erika"}`, true, fitcrypto.EventRejectSubmission, "rejects every submission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fctest.NewSim(t, sim.Config{})
			s.RejectAll(tt.rejectAll)
			c, rt := newSender(t, s)
			subID, caseID := c.send(s, tt.data)
			ev, payload := c.lastEvent(s, caseID)
			if ev != tt.want {
				t.Fatalf("last event %s, want %s", ev, tt.want)
			}
			if tt.problem != "" && !strings.Contains(string(payload), tt.problem) {
				t.Errorf("reject payload %s does not say %q", payload, tt.problem)
			}
			got := s.Received()
			if len(got) != 1 || got[0].SubmissionID != subID || string(got[0].Data) != tt.data || len(got[0].Attachments) != 1 {
				t.Fatalf("subscriber received %+v", got)
			}
			ops := fctest.Operations(rt)
			for _, op := range []string{"get-destination-info", "get-destination-key", "create-submission",
				"add-submission-attachment", "submit-submission", "get-case-events"} {
				if ops[op] == 0 {
					t.Errorf("operation %s was not exercised (validated: %v)", op, ops)
				}
			}
		})
	}
}

// TestRefusals: what FIT-Connect refuses, the simulator refuses too, with
// problem+json the document allows.
func TestRefusals(t *testing.T) {
	s := fctest.NewSim(t, sim.Config{})
	c, _ := newSender(t, s)
	create := func(dest, leika string) []byte {
		b, _ := json.Marshal(map[string]any{"destinationId": dest, "announcedAttachments": []string{},
			"serviceType": map[string]string{"name": "Leistung", "identifier": "urn:de:fim:leika:leistung:" + leika}})
		return b
	}
	var created struct{ SubmissionID string }
	c.decode(c.do(http.MethodPost, "/v1/submissions", "application/json", create(s.DestinationID(), "99050012104000")), http.StatusCreated, &created)
	tests := []struct {
		name, method, path, ct string
		body                   []byte
		token                  string
		want                   int
	}{
		{"NoToken", http.MethodGet, "/v1/destinations/" + s.DestinationID(), "", nil, "nope", http.StatusUnauthorized},
		{"UnknownDestination", http.MethodPost, "/v1/submissions", "application/json", create(uuid.NewString(), "99050012104000"), "", http.StatusNotFound},
		{"ServiceNotOffered", http.MethodPost, "/v1/submissions", "application/json", create(s.DestinationID(), "99000000000000"), "", http.StatusUnprocessableEntity},
		{"UnannouncedAttachment", http.MethodPut, "/v1/submissions/" + created.SubmissionID + "/attachments/" + uuid.NewString(), "application/jose", []byte("a.b.c.d.e"), "", http.StatusUnprocessableEntity},
		{"NotJWE", http.MethodPut, "/v1/submissions/" + created.SubmissionID, "application/json", []byte(`{"encryptedMetadata":"x"}`), "", http.StatusBadRequest},
		{"UnknownCase", http.MethodGet, "/v1/cases/" + uuid.NewString() + "/events", "", nil, "", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run("Err"+tt.name, func(t *testing.T) {
			tok := c.token
			if tt.token != "" {
				c.token = tt.token
			}
			defer func() { c.token = tok }()
			resp := c.do(tt.method, tt.path, tt.ct, tt.body)
			defer resp.Body.Close()
			if resp.StatusCode != tt.want || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("status %d (%s), want %d problem+json", resp.StatusCode, resp.Header.Get("Content-Type"), tt.want)
			}
		})
	}
	t.Run("ErrWrongSecret", func(t *testing.T) {
		resp, err := http.PostForm(s.URL+"/token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {s.ClientID()}, "client_secret": {"wrong"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", resp.StatusCode)
		}
	})
}

// TestDown: while down, every endpoint answers 503; afterwards it serves
// again with its state intact.
func TestDown(t *testing.T) {
	s := fctest.NewSim(t, sim.Config{})
	c, _ := newSender(t, s)
	s.SetDown(true)
	for _, path := range []string{"/v1/destinations/" + s.DestinationID(), "/token", "/.well-known/jwks.json"} {
		resp := c.do(http.MethodGet, path, "", nil)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("GET %s while down: %d, want 503 with Retry-After", path, resp.StatusCode)
		}
	}
	s.SetDown(false)
	c.decode(c.do(http.MethodGet, "/v1/destinations/"+s.DestinationID(), "", nil), http.StatusOK, nil)
}

// FuzzCreateSubmission: any body to POST /v1/submissions is answered with
// 201 or a 4xx problem, never a crash or a 5xx.
func FuzzCreateSubmission(f *testing.F) {
	s, err := sim.New(sim.Config{Keys: fctestKeys(f)})
	if err != nil {
		f.Fatal(err)
	}
	tok := token(f, s)
	f.Add(`{"destinationId":"` + s.DestinationID() + `","announcedAttachments":[],"serviceType":{"identifier":"urn:de:fim:leika:leistung:99050012104000"}}`)
	f.Add(`{}`)
	f.Add(`{"destinationId":1}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		for _, target := range []string{"/v1/submissions", "/v1/submissions/" + uuid.NewString()} {
			method := http.MethodPost
			if target != "/v1/submissions" {
				method = http.MethodPut
			}
			req, _ := http.NewRequestWithContext(context.Background(), method, target, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			w := &recorder{header: http.Header{}}
			s.ServeHTTP(w, req)
			if w.status >= 500 || w.status == 0 {
				t.Fatalf("%s %s %q: status %d", method, target, body, w.status)
			}
		}
	})
}

func fctestKeys(tb testing.TB) *sim.Keys { return fctest.Keys(tb) }

// token gets an access token from s without a network.
func token(tb testing.TB, s *sim.Sim) string {
	req, _ := http.NewRequest(http.MethodPost, "/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"},
		"client_id": {s.ClientID()}, "client_secret": {s.ClientSecret()}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := &recorder{header: http.Header{}}
	s.ServeHTTP(w, req)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(w.body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		tb.Fatalf("token: %d %s", w.status, w.body.String())
	}
	return tok.AccessToken
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(s int) { r.status = s }

var _ = fmt.Sprintf
