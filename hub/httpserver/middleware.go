package httpserver

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/amthub/amthub/hub"
)

type requestIDKey struct{}
type loggerKey struct{}

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// RequestID returns the request id stored in ctx.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WithRequestID takes a well-formed X-Request-Id from the caller or makes
// one, echoes it in the response, and puts it and a logger carrying it into
// the request context.
func WithRequestID(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-Id")
			if !validRequestID.MatchString(id) {
				id = hub.NewID()
			}
			w.Header().Set("X-Request-Id", id)
			ctx := context.WithValue(r.Context(), requestIDKey{}, id)
			ctx = context.WithValue(ctx, loggerKey{}, logger.With("request_id", id))
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	size   int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.size += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Metrics are the HTTP metrics of one server.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// NewMetrics registers the HTTP metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "amthub_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "amthub_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "amthub_http_requests_in_flight", Help: "HTTP requests being served.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight)
	return m
}

// Observe logs every request (method, route pattern, status, duration —
// never query strings, bodies or tokens, which may carry personal data),
// records metrics, and turns panics into a problem response.
func Observe(m *Metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := &statusWriter{ResponseWriter: w}
			m.inFlight.Inc()
			defer func() {
				m.inFlight.Dec()
				if p := recover(); p != nil {
					if p == http.ErrAbortHandler {
						panic(p)
					}
					Logger(r.Context()).Error("panic in handler", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
					if sw.status == 0 {
						WriteError(sw, r, hub.Errorf(hub.EINTERNAL, "panic"))
					}
				}
				route := "unmatched"
				if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
					route = rc.RoutePattern()
				}
				status := sw.status
				if status == 0 {
					status = http.StatusOK
				}
				if span := trace.SpanFromContext(r.Context()); span.IsRecording() {
					span.SetName(r.Method + " " + route)
					span.SetAttributes(attribute.String("http.route", route))
				}
				elapsed := time.Since(start)
				m.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
				m.duration.WithLabelValues(route, r.Method).Observe(elapsed.Seconds())
				level := slog.LevelInfo
				if status >= 500 {
					level = slog.LevelError
				}
				Logger(r.Context()).Log(r.Context(), level, "http request",
					"method", r.Method, "route", route, "status", status,
					"bytes", sw.size, "duration_ms", float64(elapsed.Microseconds())/1000)
			}()
			next.ServeHTTP(sw, r)
		})
	}
}
