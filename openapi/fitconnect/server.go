package fitconnect

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/fitcrypto"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Config configures the FIT-Connect surface.
type Config struct {
	// BaseURL is the public URL of the Submission API
	// ("https://hub.example/fitconnect"); its path is where Mount serves it,
	// and the Routing API is served below it at /routing/v1.
	BaseURL string
	// TrustAnchors, if set, must issue the x5c chain of every key a
	// subscriber registers; nil accepts a chain whose leaf matches the key
	// without checking its issuer (dev only).
	TrustAnchors *x509.CertPool
	// KeyEncryptionKey (32 bytes) seals the hub's FIT-Connect signing key at
	// rest; empty (dev) stores it as is.
	KeyEncryptionKey []byte
	// MaxAttachmentSize bounds one attachment upload; the pipeline's limit.
	MaxAttachmentSize int64
}

// Deps are the modules the surface maps FIT-Connect onto.
type Deps struct {
	DB        *sqlstore.DB
	Pipeline  *pipeline.Service
	Cases     *pipeline.Store
	Catalogue *catalogue.Store
	// Auth authenticates a bearer token of the hub's OAuth server and puts
	// the principal into the request's context (no scope required: the
	// surface checks FIT-Connect's scopes per destination).
	Auth   func(http.Handler) http.Handler
	Logger *slog.Logger
	Now    hub.Clock
}

// Server is amthub's FIT-Connect surface: the Submission API for senders
// and subscribers, and the Routing API, mapped onto amthub's cases.
type Server struct {
	cfg      Config
	db       *sqlstore.DB
	pipe     *pipeline.Service
	cases    *pipeline.Store
	cat      *catalogue.Store
	auth     func(http.Handler) http.Handler
	log      *slog.Logger
	now      hub.Clock
	key      *fitcrypto.PrivateKey // the hub's SET and routing signature key
	pub      *fitcrypto.PublicKey
	submit   *Validator
	routing  *Validator
	basePath string
	// routingTenant is the tenant whose catalogue the public Routing API
	// answers from (the portal's); until it is set, the Routing API is 404.
	routingTenant atomic.Pointer[string]
}

// SetRoutingTenant names the tenant whose catalogue the public Routing API
// answers from.
func (s *Server) SetRoutingTenant(tenantID string) { s.routingTenant.Store(&tenantID) }

// routingTenantID returns the routing tenant, or "".
func (s *Server) routingTenantID() string {
	if t := s.routingTenant.Load(); t != nil {
		return *t
	}
	return ""
}

// New loads (or makes) the hub's FIT-Connect signing key and the vendored
// documents.
func New(ctx context.Context, d Deps, cfg Config) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Server{cfg: cfg, db: d.DB, pipe: d.Pipeline, cases: d.Cases, cat: d.Catalogue, auth: d.Auth, log: d.Logger, now: d.Now}
	s.basePath = basePath(cfg.BaseURL)
	var err error
	if s.key, s.pub, err = hubKey(ctx, d.DB, cfg.KeyEncryptionKey, cfg.BaseURL); err != nil {
		return nil, err
	}
	if s.submit, err = NewValidator(ctx, SubmissionAPI, s.basePath); err != nil {
		return nil, err
	}
	if s.routing, err = NewValidator(ctx, RoutingAPI, s.basePath+"/routing/v1"); err != nil {
		return nil, err
	}
	return s, nil
}

func basePath(base string) string {
	if i := strings.Index(base, "://"); i >= 0 {
		rest := base[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return strings.TrimSuffix(rest[j:], "/")
		}
		return ""
	}
	return strings.TrimSuffix(base, "/")
}

// Mount serves the Submission API at the base URL's path and the Routing
// API below it at /routing/v1.
func (s *Server) Mount(r chi.Router) {
	r.Route(s.basePath, func(r chi.Router) {
		r.Use(s.validateRequests)
		r.Get("/.well-known/jwks.json", s.jwks)
		r.Get("/v1/info", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"version": map[string]int{"major": 1, "minor": 1, "patch": 3}})
		})
		r.Route("/routing/v1", func(r chi.Router) {
			r.Use(s.requireRoutingTenant)
			r.Get("/routes", s.routes)
			r.Get("/areas", s.areas)
			r.Get("/info", func(w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, http.StatusOK, map[string]any{"version": map[string]int{"major": 2, "minor": 0, "patch": 0}})
			})
		})
		r.Group(func(r chi.Router) {
			r.Use(s.auth)
			r.Post("/v1/submissions", s.createSubmission)
			r.Get("/v1/submissions", s.listForPickup)
			r.Get("/v1/submissions/{submissionId}", s.getSubmission)
			r.Put("/v1/submissions/{submissionId}", s.submitSubmission)
			r.Put("/v1/submissions/{submissionId}/attachments/{attachmentId}", s.uploadAttachment)
			r.Get("/v1/submissions/{submissionId}/attachments/{attachmentId}", s.getAttachment)
			r.Get("/v1/cases/{caseId}/events", s.eventLog)
			r.Post("/v1/cases/{caseId}/events", s.postEvent)
			r.Get("/v1/destinations/{destinationId}", s.getDestination)
			r.Patch("/v1/destinations/{destinationId}", s.patchDestination)
			r.Post("/v1/destinations/{destinationId}/keys", s.addKey)
			r.Get("/v1/destinations/{destinationId}/keys/{keyId}", s.getKey)
		})
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			writeError(w, r, s.log, errorf(hub.ENOTFOUND, "not-found", "No such resource."))
		})
	})
}

// requireRoutingTenant answers 404 while no routing tenant is set.
func (s *Server) requireRoutingTenant(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.routingTenantID() == "" {
			writeError(w, r, s.log, errorf(hub.ENOTFOUND, "not-found", "The Routing API serves no tenant on this hub."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// validateRequests checks each request's parameters and JSON body against
// the vendored document before the handler sees it. application/jose
// bodies (attachments up to the size limit, SETs) are checked by their
// handlers, which parse them anyway.
func (s *Server) validateRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := s.submit
		if strings.HasPrefix(r.URL.Path, s.basePath+"/routing/") {
			v = s.routing
		}
		withBody := r.Body != nil && r.ContentLength != 0 && !strings.HasPrefix(r.Header.Get("Content-Type"), MediaTypeJOSE)
		if withBody {
			r.Body = http.MaxBytesReader(w, r.Body, 4<<20)
		}
		if _, err := v.Request(r.Context(), r, withBody); err != nil {
			if strings.Contains(err.Error(), "no matching operation") || strings.Contains(err.Error(), "method not allowed") {
				next.ServeHTTP(w, r) // the router answers 404/405
				return
			}
			writeError(w, r, s.log, &hub.Error{Code: hub.EINVALID, Kind: "invalid-request",
				Message: "The request does not match FIT-Connect's API document: " + firstLine(err.Error())})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// principal returns the authenticated caller.
func principal(r *http.Request) *hub.Principal { return hub.PrincipalFrom(r.Context()) }

// maySubscribe refuses a principal without subscribe:destination:<id>.
func maySubscribe(p *hub.Principal, destinationID string) error {
	if slices.Contains(p.FITConnectDestinations(hub.ScopeFITSubscribe), destinationID) {
		return nil
	}
	return &hub.Error{Code: hub.EFORBIDDEN, Kind: "insufficient-scope",
		Message: fmt.Sprintf("The token lacks the scope %s%s.", hub.ScopeFITSubscribe, destinationID)}
}

// mayManage refuses a principal without manage:destination:<id>.
func mayManage(p *hub.Principal, destinationID string) error {
	if slices.Contains(p.FITConnectDestinations(hub.ScopeFITManage), destinationID) {
		return nil
	}
	return &hub.Error{Code: hub.EFORBIDDEN, Kind: "insufficient-scope",
		Message: fmt.Sprintf("The token lacks the scope %s%s.", hub.ScopeFITManage, destinationID)}
}

// jwks publishes the hub's FIT-Connect signing keys (SETs, routing answers).
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	keys, err := publishedKeys(r.Context(), s.db)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}
