package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/amthub/amthub/openapi/fitconnect"
)

// fcReceiver is the callback endpoint of a FIT-Connect sender or
// subscriber, written from FIT-Connect's documentation: HTTPS, the
// callback-authentication header is the hex HMAC-SHA512 keyed with the
// callback secret over callback-timestamp, "." and the body, and a
// callback whose timestamp is older than 5 minutes is refused.
type fcReceiver struct {
	srv      *httptest.Server
	certFile string // its certificate, for the hub's SSL_CERT_FILE
	mu       sync.Mutex
	secrets  map[string]string // by path
	got      []fcReceived
}

// fcReceived is one callback as it arrived.
type fcReceived struct {
	path   string
	header http.Header
	body   []byte
	err    error // the receiver's verdict
	doc    struct {
		Type          string   `json:"type"`
		SubmissionIDs []string `json:"submissionIds"`
		Submissions   []struct{ DestinationID, SubmissionID, CaseID string }
	}
}

func newFCReceiver(t *testing.T) *fcReceiver {
	r := &fcReceiver{secrets: map[string]string{}}
	r.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		got := fcReceived{path: req.URL.Path, header: req.Header.Clone(), body: body}
		got.err = fcCheckCallback(req.Header, body, r.secrets[req.URL.Path], time.Now())
		if got.err == nil {
			got.err = json.Unmarshal(body, &got.doc)
		}
		r.got = append(r.got, got)
		if got.err != nil {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	t.Cleanup(r.srv.Close)
	r.certFile = filepath.Join(t.TempDir(), "callback-ca.pem")
	if err := os.WriteFile(r.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return r
}

// register returns the callback object for a path, with its secret.
func (r *fcReceiver) register(path, secret string) map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets[path] = secret
	return map[string]string{"url": r.srv.URL + path, "secret": secret}
}

// wait returns the first callback to path about the submission.
func (r *fcReceiver) wait(t *testing.T, path, submissionID string) fcReceived {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		r.mu.Lock()
		for _, c := range r.got {
			if c.path == path && len(c.doc.Submissions) > 0 && c.doc.Submissions[0].SubmissionID == submissionID {
				r.mu.Unlock()
				return c
			}
		}
		r.mu.Unlock()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.got {
		t.Logf("received on %s: %v %s", c.path, c.err, c.body)
	}
	t.Fatalf("no callback to %s about %s", path, submissionID)
	return fcReceived{}
}

// fcCheckCallback is the receiver's check, in its own few lines.
func fcCheckCallback(h http.Header, body []byte, secret string, now time.Time) error {
	ts, err := strconv.ParseInt(h.Get("callback-timestamp"), 10, 64)
	if err != nil {
		return errors.New("no callback-timestamp")
	}
	if now.Sub(time.Unix(ts, 0)) > 5*time.Minute {
		return errors.New("callback older than 5 minutes")
	}
	mac := hmac.New(sha512.New, []byte(secret))
	mac.Write([]byte(h.Get("callback-timestamp") + "." + string(body)))
	if !hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(h.Get("callback-authentication"))) {
		return errors.New("callback-authentication does not match")
	}
	return nil
}

// callbacks: the subscriber sets its destination's callback, the sender
// gives one with its submission; the subscriber learns of the submission
// (new-submissions), the sender of the accept (new-events), each signed
// with the secret its owner chose and valid against the document; the
// same callback 5 minutes later is refused by the receiver's check.
func (w *fcWorld) callbacks(t *testing.T, r *fcReceiver, mode string) {
	doc, err := fitconnect.Load(context.Background(), fitconnect.SubmissionAPI)
	if err != nil {
		t.Fatal(err)
	}
	destPath, senderPath := "/"+mode+"/subscriber", "/"+mode+"/sender"
	if res := w.subscriber.doJSON("PATCH", "/v1/destinations/"+w.dest,
		map[string]any{"callback": r.register(destPath, "subscriber-callback-secret-"+mode+"-0123456789")}); res.status != 200 {
		t.Fatalf("patch callback: %d %s", res.status, res.body)
	}
	w.senderCallback = r.register(senderPath, "sender-callback-secret-"+mode+"-0123456789abc")
	subID, caseID, _, _ := w.send(t, nil)

	for _, step := range []struct {
		path, schema, typ string
		then              func()
	}{
		{destPath, "CallbackNewSubmissions", "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-submissions", func() {
			if gotCase, _, problem := w.pickUp(t, subID); gotCase != caseID || problem != "" {
				t.Fatalf("pickup: case %s, problem %q", gotCase, problem)
			}
			w.decide(t, subID, caseID, "")
		}},
		{senderPath, "CallbackNewEvents", "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-events", nil},
	} {
		c := r.wait(t, step.path, subID)
		if c.err != nil {
			t.Fatalf("callback to %s refused: %v (%s)", step.path, c.err, c.body)
		}
		var v any
		_ = json.Unmarshal(c.body, &v)
		if err := doc.Components.Schemas[step.schema].Value.VisitJSON(v); err != nil {
			t.Fatalf("callback to %s is no %s: %v", step.path, step.schema, err)
		}
		s := c.doc.Submissions[0]
		if c.doc.Type != step.typ || s.CaseID != caseID || s.DestinationID != w.dest || len(c.doc.SubmissionIDs) != 1 || c.doc.SubmissionIDs[0] != subID {
			t.Fatalf("callback to %s: %s", step.path, c.body)
		}
		if err := fcCheckCallback(c.header, c.body, r.secrets[step.path], time.Now().Add(5*time.Minute+time.Second)); err == nil {
			t.Fatalf("a callback older than 5 minutes passed the receiver's check")
		}
		if err := fcCheckCallback(c.header, append(c.body, ' '), r.secrets[step.path], time.Now()); err == nil {
			t.Fatalf("an altered callback passed the receiver's check")
		}
		if step.then != nil {
			step.then()
		}
	}
}
