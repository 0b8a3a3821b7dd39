package fitconnect

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/amthub/amthub/hub"
)

// ProblemTypeBase prefixes the type of every problem the FIT-Connect surface
// answers with; the rest is the error's stable kind.
const ProblemTypeBase = "urn:amthub:fitconnect:problem:"

// Problem is an error response in FIT-Connect's format (the documents'
// Error schema: RFC 7807 type, title, status, detail, instance).
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
}

var statusOf = map[string]int{
	hub.EINVALID:       http.StatusBadRequest,
	hub.EUNAUTHORIZED:  http.StatusUnauthorized,
	hub.EFORBIDDEN:     http.StatusForbidden,
	hub.ENOTFOUND:      http.StatusNotFound,
	hub.ECONFLICT:      http.StatusConflict,
	hub.ETOOLARGE:      http.StatusRequestEntityTooLarge,
	hub.EUNPROCESSABLE: http.StatusUnprocessableEntity,
	hub.EUNAVAILABLE:   http.StatusServiceUnavailable,
}

// writeError answers err in FIT-Connect's format. Internal errors are
// logged and shown without their cause.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	var he *hub.Error
	if !errors.As(err, &he) || he.Code == hub.EINTERNAL || statusOf[he.Code] == 0 {
		logger.ErrorContext(r.Context(), "fitconnect request failed", "path", r.URL.Path, "error", err)
		writeProblem(w, Problem{Type: ProblemTypeBase + "internal", Title: "Internal Server Error",
			Status: http.StatusInternalServerError})
		return
	}
	kind := he.Kind
	if kind == "" {
		kind = map[string]string{hub.EINVALID: "invalid-request", hub.ENOTFOUND: "not-found",
			hub.EFORBIDDEN: "forbidden", hub.EUNAUTHORIZED: "unauthorized"}[he.Code]
	}
	if kind == "" {
		kind = he.Code
	}
	status := statusOf[he.Code]
	detail := he.Message
	if he.Field != "" {
		detail = he.Field + ": " + detail
	}
	writeProblem(w, Problem{Type: ProblemTypeBase + kind, Title: http.StatusText(status), Status: status, Detail: detail})
}

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONAs(w, "application/json", status, v)
}

func writeJSONAs(w http.ResponseWriter, contentType string, status int, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// errorf returns a *hub.Error of code and kind.
func errorf(code, kind, msg string) error { return &hub.Error{Code: code, Kind: kind, Message: msg} }
