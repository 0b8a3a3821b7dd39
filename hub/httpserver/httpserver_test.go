package httpserver_test

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/httpserver"
)

func TestProblems(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		typ    string
		detail string
	}{
		{"NotFound", hub.Errorf(hub.ENOTFOUND, "No such case."), 404, "/problems/not_found", "No such case."},
		{"KindWins", &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "data_invalid", Message: "bad"}, 422, "/problems/data_invalid", "bad"},
		{"Wrapped", errorsJoin(hub.Errorf(hub.ECONFLICT, "taken")), 409, "/problems/conflict", "taken"},
		{"InternalHidden", errors.New("pq: password authentication failed for user secret"), 500, "/problems/internal", "An internal error has occurred."},
		{"InternalKindHidden", &hub.Error{Code: hub.EINTERNAL, Kind: "db_down", Message: "host db-7 refused"}, 500, "/problems/internal", "An internal error has occurred."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			httpserver.WriteError(w, httptest.NewRequest("GET", "/v1/x?token=abc", nil), tc.err)
			var p httpserver.Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if w.Code != tc.status || p.Status != tc.status || p.Type != tc.typ || p.Detail != tc.detail {
				t.Fatalf("got %d %+v", w.Code, p)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
			if p.Instance != "/v1/x" {
				t.Fatalf("instance %q leaks the query", p.Instance)
			}
		})
	}
}

func errorsJoin(err error) error { return errors.Join(errors.New("context"), err) }

func TestMiddleware(t *testing.T) {
	var logs strings.Builder
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	r := chi.NewRouter()
	r.Use(httpserver.WithRequestID(logger), httpserver.Observe(httpserver.NewMetrics(prometheus.NewRegistry())))
	r.Get("/panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	r.Get("/ok", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(httpserver.RequestID(r.Context())))
	})

	t.Run("RequestIDFromCaller", func(t *testing.T) {
		req := httptest.NewRequest("GET", "/ok", nil)
		req.Header.Set("X-Request-Id", "abc-123")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Body.String() != "abc-123" || w.Header().Get("X-Request-Id") != "abc-123" {
			t.Fatalf("request id %q / %q", w.Body.String(), w.Header().Get("X-Request-Id"))
		}
	})
	t.Run("MalformedRequestIDReplaced", func(t *testing.T) {
		req := httptest.NewRequest("GET", "/ok", nil)
		req.Header.Set("X-Request-Id", "evil\nlog line")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if !hub.ValidID(w.Body.String()) {
			t.Fatalf("request id %q", w.Body.String())
		}
	})
	t.Run("PanicBecomesProblem", func(t *testing.T) {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", "/panic?secret=x", nil))
		if w.Code != 500 || strings.Contains(w.Body.String(), "boom") || strings.Contains(w.Body.String(), "goroutine") {
			t.Fatalf("got %d %s", w.Code, w.Body.String())
		}
	})
	if strings.Contains(logs.String(), "secret=x") {
		t.Fatal("the access log shows a query string")
	}
	if !strings.Contains(logs.String(), `"route":"/panic"`) {
		t.Fatalf("the access log lacks the route: %s", logs.String())
	}
}
