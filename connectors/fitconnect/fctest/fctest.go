// Package fctest helps tests of FIT-Connect senders: a PKI shared by the
// test binary (4096-bit keys are slow to make), a simulator on loopback,
// and an HTTP transport that checks every request and response against
// FIT-Connect's vendored Submission API document with kin-openapi.
package fctest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/amthub/amthub/connectors/fitconnect/sim"
	"github.com/amthub/amthub/openapi/fitconnect"
)

var (
	keysOnce sync.Once
	keys     *sim.Keys
	keysErr  error
)

// Keys returns the simulator PKI of this test binary, made on first use.
func Keys(t testing.TB) *sim.Keys {
	t.Helper()
	keysOnce.Do(func() { keys, keysErr = sim.NewKeys() })
	if keysErr != nil {
		t.Fatalf("simulator keys: %v", keysErr)
	}
	return keys
}

// Sim is a simulator served on loopback for one test.
type Sim struct {
	*sim.Sim
	URL string
}

// NewSim starts a simulator with the shared keys; cfg's Keys and PublicURL
// are filled in. It stops when the test ends.
func NewSim(t testing.TB, cfg sim.Config) *Sim {
	t.Helper()
	cfg.Keys = Keys(t)
	var h http.Handler = http.NotFoundHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	cfg.PublicURL = srv.URL
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h = s
	t.Cleanup(s.Wait)
	return &Sim{Sim: s, URL: srv.URL}
}

var (
	routerOnce sync.Once
	router     routers.Router
	routerErr  error
)

// submissionAPI returns a router over the vendored Submission API document,
// with its servers cleared so that any host matches.
func submissionAPI(t testing.TB) routers.Router {
	t.Helper()
	routerOnce.Do(func() {
		var doc *openapi3.T
		if doc, routerErr = fitconnect.Load(context.Background(), fitconnect.SubmissionAPI); routerErr != nil {
			return
		}
		doc.Servers = nil
		// application/jose bodies are compact JWEs: strings.
		openapi3filter.RegisterBodyDecoder("application/jose", openapi3filter.PlainBodyDecoder)
		router, routerErr = gorillamux.NewRouter(doc)
	})
	if routerErr != nil {
		t.Fatalf("load FIT-Connect Submission API: %v", routerErr)
	}
	return router
}

// Transport returns a RoundTripper over next (http.DefaultTransport if nil)
// that fails the test for any request or response of the Submission API
// that its document does not allow, and for any path it does not define.
// The OAuth token endpoint (path suffix /token) is not part of the
// document and passes unchecked.
func Transport(t testing.TB, next http.RoundTripper) http.RoundTripper {
	t.Helper()
	if next == nil {
		next = http.DefaultTransport
	}
	return &validating{t: t, next: next, router: submissionAPI(t)}
}

type validating struct {
	t      testing.TB
	next   http.RoundTripper
	router routers.Router
	mu     sync.Mutex
	seen   map[string]int
}

func (v *validating) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/token") {
		return v.next.RoundTrip(req)
	}
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		v.t.Errorf("FIT-Connect: %s %s is not in the Submission API: %v", req.Method, req.URL.Path, err)
		return v.next.RoundTrip(req)
	}
	body, err := readBody(&req.Body)
	if err != nil {
		return nil, err
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: cloneWith(req, body), PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
		v.t.Errorf("FIT-Connect: request %s %s does not match the Submission API: %v", req.Method, req.URL.Path, err)
	}
	resp, err := v.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	rbody, err := readBody(&resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusServiceUnavailable {
		return resp, nil // an outage: FIT-Connect's document lists no 503
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
		Header: resp.Header, Body: io.NopCloser(bytes.NewReader(rbody)), Options: opts}
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		v.t.Errorf("FIT-Connect: response %d to %s %s does not match the Submission API: %v", resp.StatusCode, req.Method, req.URL.Path, err)
	}
	v.mu.Lock()
	if v.seen == nil {
		v.seen = map[string]int{}
	}
	v.seen[route.Operation.OperationID]++
	v.mu.Unlock()
	return resp, nil
}

// Operations returns how often each operation of the Submission API
// passed through rt (a Transport) and was checked.
func Operations(rt http.RoundTripper) map[string]int {
	v, ok := rt.(*validating)
	if !ok {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[string]int{}
	for k, n := range v.seen {
		out[k] = n
	}
	return out
}

// readBody reads *rc and replaces it with a reader of the same bytes.
func readBody(rc *io.ReadCloser) ([]byte, error) {
	if *rc == nil || *rc == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(*rc)
	(*rc).Close()
	*rc = io.NopCloser(bytes.NewReader(b))
	return b, err
}

func cloneWith(req *http.Request, body []byte) *http.Request {
	c := req.Clone(req.Context())
	c.Body = io.NopCloser(bytes.NewReader(body))
	return c
}
