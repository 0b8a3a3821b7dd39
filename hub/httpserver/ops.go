package httpserver

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check reports whether a dependency is usable.
type Check func(ctx context.Context) error

// MountOps adds /healthz (the process is alive), /readyz (every check
// passes) and /metrics (Prometheus) to r.
func MountOps(r chi.Router, checks map[string]Check, gatherer prometheus.Gatherer) {
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	r.Get("/readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		results := runChecks(ctx, checks)
		status, code := "ok", http.StatusOK
		for _, v := range results {
			if v != "ok" {
				status, code = "unavailable", http.StatusServiceUnavailable
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": status, "checks": results})
	})
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
}

// runChecks runs every check in parallel. A failing check reports only its
// dependency's name and "unavailable": the cause goes to the log.
func runChecks(ctx context.Context, checks map[string]Check) map[string]string {
	names := make([]string, 0, len(checks))
	for n := range checks {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make(map[string]string, len(names))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Go(func() {
			res := "ok"
			if err := checks[n](ctx); err != nil {
				Logger(ctx).Warn("readiness check failed", "check", n, "error", err)
				res = "unavailable"
			}
			mu.Lock()
			out[n] = res
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}
