// Package e2e drives the real amthub binary over HTTP: `amthub dev` and
// `amthub serve` against real PostgreSQL, RabbitMQ and Redis. Every
// response is validated against the OpenAPI spec.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/openapi"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "amthub-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "amthub")
	build := exec.Command("go", "build", "-o", binary, "github.com/amthub/amthub/cmd/amthub")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build amthub:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Demo mirrors the parts of demo.json the tests use.
type Demo struct {
	Tenant struct{ ID, Slug string }
	URLs   map[string]string `json:"urls"`
	Vendor struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	} `json:"vendor"`
	Destinations []struct {
		DestinationID string          `json:"destinationId"`
		LeikaKey      string          `json:"leikaKey"`
		ARS           string          `json:"ars"`
		ExampleData   json.RawMessage `json:"exampleData"`
		Kind          string          `json:"kind"`
	} `json:"destinations"`
	FITConnect struct {
		SubmissionAPI string `json:"submissionApi"`
		RoutingAPI    string `json:"routingApi"`
		Token         string `json:"token"`
		Sender        struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		} `json:"sender"`
		Subscriber struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		} `json:"subscriber"`
		Destination struct {
			DestinationID string          `json:"destinationId"`
			LeikaKey      string          `json:"leikaKey"`
			ServiceName   string          `json:"serviceName"`
			ARS           string          `json:"ars"`
			ExampleData   json.RawMessage `json:"exampleData"`
		} `json:"destination"`
	} `json:"fitConnect"`
}

// Hub is a running amthub process.
type Hub struct {
	t      *testing.T
	Base   string
	Demo   Demo
	DBURL  string // for operator commands against the same database
	env    []string
	stderr *bytes.Buffer
	spec   routers.Router
}

// startDev runs `amthub dev` in a fresh data directory.
func startDev(t *testing.T, env ...string) *Hub {
	dir := t.TempDir()
	h := &Hub{t: t, DBURL: "sqlite:" + filepath.Join(dir, "amthub.db"), env: env}
	h.start(filepath.Join(dir, "demo.json"), "dev", "--data-dir", dir, "--addr", "127.0.0.1:0")
	return h
}

// startServe runs `amthub serve --demo --simulators` on a fresh PostgreSQL
// database, RabbitMQ and Redis.
func startServe(t *testing.T, env ...string) *Hub {
	dir := t.TempDir()
	h := &Hub{t: t, DBURL: hubtest.NewPostgresURL(t)}
	h.env = append([]string{
		"AMTHUB_DATABASE_URL=" + h.DBURL,
		"AMTHUB_AMQP_URL=" + hubtest.AMQPURL(t),
		"AMTHUB_REDIS_URL=" + hubtest.RedisURL(t),
		"AMTHUB_KEY_ENCRYPTION_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		"AMTHUB_HTTP_ADDR=127.0.0.1:" + hubtest.FreePort(t),
	}, env...)
	h.start(filepath.Join(dir, "demo.json"), "serve", "--demo", filepath.Join(dir, "demo.json"), "--simulators", "--insecure-callbacks")
	return h
}

func (h *Hub) start(demoPath string, args ...string) {
	t := h.t
	cmd := exec.Command(binary, args...)
	cmd.Env = append(append(os.Environ(), "AMTHUB_LOG_LEVEL=warn"), h.env...)
	h.stderr = &bytes.Buffer{}
	cmd.Stderr = h.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("amthub did not stop within 15 s of SIGINT")
		}
		if t.Failed() {
			t.Logf("amthub stderr:\n%s", h.stderr.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(demoPath); err == nil {
			if err := json.Unmarshal(b, &h.Demo); err != nil {
				t.Fatal(err)
			}
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("amthub exited before serving: %v\n%s", err, h.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("amthub wrote no demo file within 30 s\n%s", h.stderr.String())
		}
		time.Sleep(25 * time.Millisecond)
	}
	h.Base = h.Demo.URLs["api"]
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	if h.spec, err = gorillamux.NewRouter(doc); err != nil {
		t.Fatal(err)
	}
}

// Operator runs an amthub operator command against the hub's database.
func (h *Hub) Operator(args ...string) []byte {
	h.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(append(os.Environ(), h.env...), "AMTHUB_DATABASE_URL="+h.DBURL, "AMTHUB_PUBLIC_URL="+h.Base)
	out, err := cmd.Output()
	if err != nil {
		h.t.Fatalf("amthub %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// Token gets a client-credentials token.
func (h *Hub) Token(clientID, secret, scope string) string {
	h.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}
	req, _ := http.NewRequest(http.MethodPost, h.Base+"/oauth2/token", strings.NewReader(form.Encode()))
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != 200 {
		h.t.Fatalf("token: %d %v", res.StatusCode, err)
	}
	return tok.AccessToken
}

// Response is a checked API answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r Response) JSON(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Problem returns the problem type of an error answer.
func (r Response) Problem() string {
	var p struct{ Type string }
	_ = json.Unmarshal(r.Body, &p)
	return p.Type
}

// Do sends a request to the vendor API and validates the answer against
// the spec: status declared, headers and body matching their schemas.
func (h *Hub) Do(method, path, token string, body io.Reader, header ...string) Response {
	h.t.Helper()
	req, err := http.NewRequest(method, h.Base+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	h.validate(req, res, b)
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

func (h *Hub) validate(req *http.Request, res *http.Response, body []byte) {
	h.t.Helper()
	specReq := req.Clone(context.Background())
	specReq.Body = nil
	route, params, err := h.spec.FindRoute(specReq)
	if err != nil {
		h.t.Fatalf("%s %s is not in the spec: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: specReq, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		h.t.Fatalf("%s %s → %d does not match the spec: %v\n%s", req.Method, req.URL.Path, res.StatusCode, err, body)
	}
}

// JSONBody encodes v for a request.
func JSONBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}
