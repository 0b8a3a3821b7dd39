package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
)

// BenchmarkIngest creates and submits one submission over HTTP per
// operation on an in-process `dev` (SQLite, in-process bus, simulators),
// as `amthub dev` runs it: tracing off (no OTEL_* variables). With
// BenchmarkIngestTraced it measures what tracing costs on the ingest path,
// off and on.
func BenchmarkIngest(b *testing.B) {
	env := map[string]string{"AMTHUB_LOG_LEVEL": "warn", "AMTHUB_HTTP_ADDR": "127.0.0.1:0"}
	cfg, err := loadConfig(envFrom(env), true)
	if err != nil {
		b.Fatal(err)
	}
	cfg.DataDir = b.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *Demo, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, func(app *App) error {
			demo, err := seedDemo(ctx, app)
			if err == nil {
				err = startSimulators(ctx, app, demo, "")
			}
			ready <- demo
			return err
		})
	}()
	defer func() {
		cancel()
		<-done
	}()
	select {
	case demo := <-ready:
		benchIngest(b, strings.TrimSuffix(demo.URLs["api"], "/"), demo)
	case err := <-done:
		b.Fatal(err)
	case <-time.After(90 * time.Second):
		b.Fatal("dev did not serve within 90 s")
	}
}

// benchIngest submits b.N submissions, one after the other.
func benchIngest(b *testing.B, base string, demo *Demo) {
	token := vendorToken(b, base, demo)
	dest := demo.Destinations[0]
	submitOnce(b, base, token, dest) // warm up
	b.ResetTimer()
	for range b.N {
		submitOnce(b, base, token, dest)
	}
}

// vendorToken gets the demo vendor a token for submissions and events.
func vendorToken(t testing.TB, base string, demo *Demo) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"},
		"scope": {hub.ScopeSubmissionsWrite + " " + hub.ScopeSubmissionsRead + " " + hub.ScopeEventsRead}}
	req, _ := http.NewRequest(http.MethodPost, base+"/oauth2/token", strings.NewReader(form.Encode()))
	req.SetBasicAuth(url.QueryEscape(demo.Vendor.ClientID), url.QueryEscape(demo.Vendor.ClientSecret))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	call(t, req, http.StatusOK, &tok)
	return tok.AccessToken
}

// submitOnce creates and submits one submission and returns its id.
func submitOnce(t testing.TB, base, token string, dest DemoDestination) string {
	t.Helper()
	do := func(path string, body any, want int, out any) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", hub.NewID())
		call(t, req, want, out)
	}
	var sub struct{ SubmissionID string }
	do("/v1/submissions", map[string]any{"destinationId": dest.DestinationID,
		"serviceType": map[string]string{"identifier": dest.LeikaKey}}, http.StatusCreated, &sub)
	do("/v1/submissions/"+sub.SubmissionID+"/submit", map[string]any{"data": dest.ExampleData}, http.StatusOK, nil)
	return sub.SubmissionID
}

func call(t testing.TB, req *http.Request, want int, out any) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d %s", req.Method, req.URL.Path, res.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
		}
	}
}
