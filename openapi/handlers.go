package openapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/httpserver"
	"github.com/amthub/amthub/hub/pipeline"
)

// Pipeline is what the handlers need of the submission pipeline.
type Pipeline interface {
	Routes(ctx context.Context, p *hub.Principal, leikaKey, ars string) ([]hub.Route, error)
	Create(ctx context.Context, p *hub.Principal, req pipeline.CreateRequest, idemKey string) (*hub.Submission, bool, error)
	Get(ctx context.Context, p *hub.Principal, id string) (*hub.Submission, error)
	Upload(ctx context.Context, p *hub.Principal, subID, attID, mimeType, filename string, body io.Reader, wantSHA256 []byte) (*hub.Attachment, error)
	Submit(ctx context.Context, p *hub.Principal, id string, req pipeline.SubmitRequest) (*hub.Submission, error)
	Events(ctx context.Context, p *hub.Principal, caseID string, afterSeq, limit int) ([]hub.Event, error)
	PutCallback(ctx context.Context, p *hub.Principal, url string) (*pipeline.RegisteredCallback, error)
	GetCallback(ctx context.Context, p *hub.Principal) (*pipeline.RegisteredCallback, error)
	DeleteCallback(ctx context.Context, p *hub.Principal) error
}

// API serves the vendor API.
type API struct {
	pipeline Pipeline
	// Optional modules, set by WithPayments, WithRegisters and WithMailbox;
	// nil answers 501.
	payments  Payments
	registers Registers
	mailbox   Mailbox
	auth      func(http.Handler) http.Handler
	valid     *validator
	spec      []byte
	docs      []byte // the reference page, rendered once
}

var _ ServerInterface = (*API)(nil)

// New returns the vendor API. authenticate verifies the bearer token and
// puts the *hub.Principal into the request context (it need not check
// scopes: the spec's security requirements are checked here).
func New(p Pipeline, authenticate func(http.Handler) http.Handler) (*API, error) {
	doc, err := Spec()
	if err != nil {
		return nil, err
	}
	v, err := newValidator()
	if err != nil {
		return nil, err
	}
	spec, err := doc.MarshalJSON()
	if err != nil {
		return nil, err
	}
	docs, err := renderDocs(doc)
	if err != nil {
		return nil, err
	}
	return &API{pipeline: p, auth: authenticate, valid: v, spec: spec, docs: docs}, nil
}

// Mount adds the API, /openapi.json and /docs to r.
func (a *API) Mount(r chi.Router) {
	r.Get("/openapi.json", a.serveSpec)
	r.Get("/docs", a.serveDocs)
	r.Group(func(r chi.Router) {
		r.Use(a.auth, a.valid.middleware)
		HandlerWithOptions(a, ChiServerOptions{BaseRouter: r, ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			httpserver.WriteError(w, r, &hub.Error{Code: hub.EINVALID, Kind: "request_invalid", Message: err.Error()})
		}})
	})
}

func (a *API) serveSpec(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(a.spec)
}

func principal(r *http.Request) *hub.Principal { return hub.PrincipalFrom(r.Context()) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// GetRoutes implements ServerInterface.
func (a *API) GetRoutes(w http.ResponseWriter, r *http.Request, params GetRoutesParams) {
	routes, err := a.pipeline.Routes(r.Context(), principal(r), params.LeikaKey, params.Ars)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	out := RouteList{Routes: make([]Route, 0, len(routes))}
	for _, rt := range routes {
		out.Routes = append(out.Routes, toRoute(rt))
	}
	writeJSON(w, http.StatusOK, out)
}

// CreateSubmission implements ServerInterface.
func (a *API) CreateSubmission(w http.ResponseWriter, r *http.Request, params CreateSubmissionParams) {
	var req pipeline.CreateRequest
	if !decode(w, r, &req) {
		return
	}
	sub, created, err := a.pipeline.Create(r.Context(), principal(r), req, params.IdempotencyKey)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	if !created {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/v1/submissions/"+sub.ID)
	writeJSON(w, http.StatusCreated, toSubmission(sub))
}

// GetSubmission implements ServerInterface.
func (a *API) GetSubmission(w http.ResponseWriter, r *http.Request, id SubmissionId) {
	sub, err := a.pipeline.Get(r.Context(), principal(r), id.String())
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toSubmission(sub))
}

// UploadAttachment implements ServerInterface.
func (a *API) UploadAttachment(w http.ResponseWriter, r *http.Request, id SubmissionId, attID openapi_types.UUID, params UploadAttachmentParams) {
	var want []byte
	if params.ReprDigest != nil {
		var err error
		if want, err = parseReprDigest(*params.ReprDigest); err != nil {
			httpserver.WriteError(w, r, err)
			return
		}
	}
	filename := ""
	if params.ContentDisposition != nil {
		if _, p, err := mime.ParseMediaType(*params.ContentDisposition); err == nil {
			filename = p["filename"]
		}
	}
	mimeType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	att, err := a.pipeline.Upload(r.Context(), principal(r), id.String(), attID.String(), mimeType, filename, r.Body, want)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAttachment(*att))
}

// SubmitSubmission implements ServerInterface.
func (a *API) SubmitSubmission(w http.ResponseWriter, r *http.Request, id SubmissionId, _ SubmitSubmissionParams) {
	var req pipeline.SubmitRequest
	if !decode(w, r, &req) {
		return
	}
	sub, err := a.pipeline.Submit(r.Context(), principal(r), id.String(), req)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toSubmission(sub))
}

// ListCaseEvents implements ServerInterface.
func (a *API) ListCaseEvents(w http.ResponseWriter, r *http.Request, caseID openapi_types.UUID, params ListCaseEventsParams) {
	after, limit := 0, 100
	if params.After != nil {
		after = *params.After
	}
	if params.Limit != nil {
		limit = *params.Limit
	}
	events, err := a.pipeline.Events(r.Context(), principal(r), caseID.String(), after, limit+1)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	page := EventPage{Events: make([]Event, 0, len(events))}
	if len(events) > limit {
		events = events[:limit]
		next := events[limit-1].Seq
		page.NextAfter = &next
	}
	for _, e := range events {
		page.Events = append(page.Events, toEvent(e))
	}
	writeJSON(w, http.StatusOK, page)
}

// decode reads a JSON body into v or answers with a problem.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		httpserver.WriteError(w, r, &hub.Error{Code: hub.EINVALID, Kind: "request_invalid", Field: "/", Message: "The body is not valid JSON for this operation."})
		return false
	}
	return true
}

// parseReprDigest reads the sha-256 value of an RFC 9530 Repr-Digest
// header, e.g. `sha-256=:base64:`.
func parseReprDigest(h string) ([]byte, error) {
	for _, item := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok || !strings.EqualFold(k, "sha-256") {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) < 2 || v[0] != ':' || v[len(v)-1] != ':' {
			break
		}
		b, err := base64.StdEncoding.DecodeString(v[1 : len(v)-1])
		if err != nil || len(b) != 32 {
			break
		}
		return b, nil
	}
	return nil, hub.FieldError("Repr-Digest", "want sha-256=:<base64 of 32 bytes>:")
}

// GetCallback implements ServerInterface.
func (a *API) GetCallback(w http.ResponseWriter, r *http.Request) {
	cb, err := a.pipeline.GetCallback(r.Context(), principal(r))
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Callback{Url: cb.URL, CreatedAt: cb.CreatedAt.UTC()})
}

// PutCallback implements ServerInterface.
func (a *API) PutCallback(w http.ResponseWriter, r *http.Request) {
	var req CallbackRequest
	if !decode(w, r, &req) {
		return
	}
	cb, err := a.pipeline.PutCallback(r.Context(), principal(r), req.Url)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, CallbackRegistered{Url: cb.URL, Secret: cb.Secret, CreatedAt: cb.CreatedAt.UTC()})
}

// DeleteCallback implements ServerInterface.
func (a *API) DeleteCallback(w http.ResponseWriter, r *http.Request) {
	if err := a.pipeline.DeleteCallback(r.Context(), principal(r)); err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
