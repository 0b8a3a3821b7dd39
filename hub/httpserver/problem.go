// Package httpserver is the HTTP side of the hub that every surface shares:
// RFC 9457 problem responses, request ids, access logs, metrics, health and
// readiness endpoints, and a server with graceful shutdown.
package httpserver

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/amthub/amthub/hub"
)

// ProblemTypeBase prefixes every problem type. Types are relative URIs
// ("/problems/data_invalid"), stable across releases, and listed in the
// API reference (openapi/amthub.yaml, served at /docs).
const ProblemTypeBase = "/problems/"

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	Instance  string `json:"instance,omitempty"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

// statuses maps every hub error code to its HTTP status: the one place
// where the HTTP surface translates domain errors.
var statuses = map[string]int{
	hub.ECONFLICT:       http.StatusConflict,
	hub.EINTERNAL:       http.StatusInternalServerError,
	hub.EINVALID:        http.StatusBadRequest,
	hub.ENOTFOUND:       http.StatusNotFound,
	hub.EUNAUTHORIZED:   http.StatusUnauthorized,
	hub.EFORBIDDEN:      http.StatusForbidden,
	hub.EUNAVAILABLE:    http.StatusServiceUnavailable,
	hub.ETOOLARGE:       http.StatusRequestEntityTooLarge,
	hub.ERATELIMITED:    http.StatusTooManyRequests,
	hub.EPRECONDITION:   http.StatusPreconditionFailed,
	hub.EGONE:           http.StatusGone,
	hub.EUNPROCESSABLE:  http.StatusUnprocessableEntity,
	hub.ENOTIMPLEMENTED: http.StatusNotImplemented,
}

// StatusOf returns the HTTP status for err.
func StatusOf(err error) int {
	if s, ok := statuses[hub.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ProblemOf builds the problem detail for err. Internal errors get a
// generic text: their details go to the log only.
func ProblemOf(r *http.Request, err error) Problem {
	status := StatusOf(err)
	p := Problem{
		Type:      ProblemTypeBase + hub.ErrorKind(err),
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    hub.ErrorMessage(err),
		RequestID: RequestID(r.Context()),
	}
	if status == http.StatusInternalServerError {
		p.Type = ProblemTypeBase + hub.EINTERNAL
	}
	var he *hub.Error
	if errors.As(err, &he) {
		p.Field = he.Field
	}
	if r != nil {
		p.Instance = r.URL.Path
	}
	return p
}

// WriteError answers with the problem detail for err and logs internal
// errors with the request id.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	p := ProblemOf(r, err)
	after, shed := RetryAfter(err)
	if shed {
		w.Header().Set("Retry-After", after) // expected under load: not logged as a failure
	} else if p.Status >= 500 {
		Logger(r.Context()).Error("request failed", "error", err, "status", p.Status)
	}
	WriteProblem(w, p)
}

// RetryAfter returns the Retry-After value (whole seconds, at least 1) of
// an error whose chain says how long to wait (a cause with a
// RetryAfter() time.Duration method, such as backpressure's), and whether
// it has one.
func RetryAfter(err error) (string, bool) {
	var ra interface{ RetryAfter() time.Duration }
	if !errors.As(err, &ra) {
		return "", false
	}
	d := ra.RetryAfter()
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second))), true
}

// WriteProblem writes p as application/problem+json.
func WriteProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// Logger returns the request's logger, or the default one.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}
