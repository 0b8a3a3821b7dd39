package openapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/openapi"
)

// TestDocs serves the rendered reference and the machine-readable spec:
// every operation of the spec appears on the page, and the page runs no
// script.
func TestDocs(t *testing.T) {
	api, err := openapi.New(nil, func(h http.Handler) http.Handler { return h })
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	api.Mount(r)
	srv := httptest.NewServer(r)
	defer srv.Close()
	get := func(path string) (*http.Response, string) {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	res, page := get("/docs")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") || strings.Contains(page, "<script") {
		t.Fatal("the docs page may run scripts")
	}
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !strings.Contains(page, "<code>"+path+"</code>") || !strings.Contains(page, ">"+method+"</span>") {
				t.Errorf("%s %s missing from /docs", method, path)
			}
		}
	}
	res, spec := get("/openapi.json")
	if res.StatusCode != 200 || !strings.Contains(spec, `"openapi":"3.0.3"`) {
		t.Fatalf("GET /openapi.json: %d %.80s", res.StatusCode, spec)
	}
}
