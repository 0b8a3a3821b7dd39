// Package sim simulates FIT-Connect for a sender: an OAuth token endpoint
// (client credentials, FIT-Connect's send:region scopes), the Submission
// API as FIT-Connect serves it to a sender (destination information and its
// public keys with an x5c chain from the simulator's own PKI, create
// submission, upload attachments as application/jose, submit, the case
// event log of signed SETs), and a built-in subscriber that picks each
// submitted submission up, decrypts it with the destination's private key,
// checks it against its metadata, and accepts or rejects it.
//
// The subscriber rejects a submission whose data (JSON) has true at
// Config.RejectPointer (default /simulateReject), or every submission while
// RejectAll is on. SetDown makes every endpoint answer 503, as FIT-Connect
// does in an outage; put a TCP proxy in front to refuse connections.
//
// amthub's tests and `amthub dev` run it; it is a test double of a system
// we do not run, speaking its documented protocol (Submission API 1.1.3).
package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/fitcrypto"
)

// Config configures a simulator. Every field has a working default.
type Config struct {
	// PublicURL is the simulator's base URL as senders reach it; it is the
	// issuer of the Submission API's SETs. Default "http://fitconnect.sim".
	PublicURL string
	// DestinationID is the simulated destination's UUID. Default: a new one.
	DestinationID string
	// ClientID and ClientSecret are the sender's OAuth client. Default
	// "sender" and a random secret (see Sim.ClientSecret).
	ClientID, ClientSecret string
	// Region is the ARS prefix (with "DE") the destination serves and the
	// sender's token is scoped to. Default "DE14" (Saxony).
	Region string
	// Services are the LeiKa keys the destination accepts. Default one:
	// 99050012104000 (Gewerbeanmeldung).
	Services []string
	// Keys is the PKI; default a new one (slow: share it between sims).
	Keys *Keys
	// RejectPointer is a JSON pointer into the data; a submission whose
	// value there is true is rejected. Default "/simulateReject".
	RejectPointer string
	// TokenTTL is how long an access token lives. Default 30 minutes.
	TokenTTL time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() (Config, error) {
	if c.PublicURL == "" {
		c.PublicURL = "http://fitconnect.sim"
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.DestinationID == "" {
		c.DestinationID = hub.NewID()
	}
	if c.ClientID == "" {
		c.ClientID = "sender"
	}
	if c.ClientSecret == "" {
		c.ClientSecret = hub.NewID()
	}
	if c.Region == "" {
		c.Region = "DE14"
	}
	if len(c.Services) == 0 {
		c.Services = []string{"99050012104000"}
	}
	if c.RejectPointer == "" {
		c.RejectPointer = "/simulateReject"
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = 30 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Keys == nil {
		k, err := NewKeys()
		if err != nil {
			return c, err
		}
		c.Keys = k
	}
	if !hub.ValidID(strings.ToLower(c.DestinationID)) {
		return c, fmt.Errorf("fitconnect sim: destination id %q is not a UUID", c.DestinationID)
	}
	return c, nil
}

// Sim is a running simulator; it is an http.Handler and safe for
// concurrent use.
type Sim struct {
	cfg Config
	mux *http.ServeMux

	down      atomic.Bool
	rejectAll atomic.Bool
	tamper    atomic.Bool

	mu          sync.Mutex
	tokens      map[string]token
	submissions map[string]*submission
	cases       map[string]*caseLog
	picked      []Received
	created     int
	subscriber  sync.WaitGroup
}

// New returns a simulator.
func New(cfg Config) (*Sim, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Sim{cfg: cfg, mux: http.NewServeMux(), tokens: map[string]token{},
		submissions: map[string]*submission{}, cases: map[string]*caseLog{}}
	s.routes()
	return s, nil
}

func (s *Sim) routes() {
	s.mux.HandleFunc("POST /token", s.token)
	s.mux.HandleFunc("GET /.well-known/jwks.json", s.jwks)
	s.mux.HandleFunc("GET /v1/info", s.info)
	s.mux.HandleFunc("GET /v1/destinations/{destinationId}", s.sender(s.destination))
	s.mux.HandleFunc("GET /v1/destinations/{destinationId}/keys/{keyId}", s.key)
	s.mux.HandleFunc("POST /v1/submissions", s.sender(s.createSubmission))
	s.mux.HandleFunc("PUT /v1/submissions/{submissionId}/attachments/{attachmentId}", s.sender(s.uploadAttachment))
	s.mux.HandleFunc("PUT /v1/submissions/{submissionId}", s.sender(s.submit))
	s.mux.HandleFunc("GET /v1/cases/{caseId}/events", s.sender(s.events))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusNotFound, "not-found", "Not Found", "no such endpoint in the simulator")
	})
}

// ServeHTTP serves the simulated endpoints, or 503 while the sim is down.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.down.Load() {
		w.Header().Set("Retry-After", "5")
		problem(w, http.StatusServiceUnavailable, "unavailable", "Service Unavailable", "the simulated FIT-Connect is down")
		return
	}
	s.mux.ServeHTTP(w, r)
}

// SetDown takes the simulator down (every request answers 503) or up.
func (s *Sim) SetDown(down bool) { s.down.Store(down) }

// RejectAll makes the subscriber reject every submission (or stop doing so).
func (s *Sim) RejectAll(on bool) { s.rejectAll.Store(on) }

// TamperDecisions makes the subscriber's accept and reject SETs carry a
// broken signature (or stops doing so), to test that a sender refuses them.
func (s *Sim) TamperDecisions(on bool) { s.tamper.Store(on) }

// DestinationID is the simulated destination's UUID.
func (s *Sim) DestinationID() string { return s.cfg.DestinationID }

// ClientID and ClientSecret are the sender's OAuth client credentials.
func (s *Sim) ClientID() string { return s.cfg.ClientID }

// ClientSecret is the sender's OAuth client secret.
func (s *Sim) ClientSecret() string { return s.cfg.ClientSecret }

// Keys is the simulator's PKI; TrustAnchorPEM is what a sender trusts.
func (s *Sim) Keys() *Keys { return s.cfg.Keys }

// Created counts the submissions senders created.
func (s *Sim) Created() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.created
}

// Received lists what the subscriber picked up, in order.
func (s *Sim) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.picked...)
}

// Wait waits for the subscriber to finish the submissions submitted so far.
func (s *Sim) Wait() { s.subscriber.Wait() }

// problem writes an RFC 7807 problem as the Submission API does.
func problem(w http.ResponseWriter, status int, kind, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type":   "https://schema.fitko.de/fit-connect/submission-api/problems/" + kind,
		"title":  title,
		"status": status,
		"detail": detail,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// info answers GET /v1/info.
func (s *Sim) info(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"version": map[string]int{"major": 1, "minor": 1, "patch": 3}})
}

// jwks answers GET /.well-known/jwks.json: the Submission API's own
// signature key, with which it signs create and submit events.
func (s *Sim) jwks(w http.ResponseWriter, _ *http.Request) {
	k := public(s.cfg.Keys.Service, s.cfg.Keys.ServiceCrt)
	writeJSON(w, http.StatusOK, map[string]any{"keys": []*fitcrypto.PublicKey{k}})
}

// key answers GET /v1/destinations/{id}/keys/{kid}: the destination's
// encryption or signature key, public, with its x5c chain.
func (s *Sim) key(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.PathValue("destinationId"), s.cfg.DestinationID) {
		problem(w, http.StatusNotFound, "destination-not-found", "Not Found", "no such destination")
		return
	}
	k := s.cfg.Keys
	switch r.PathValue("keyId") {
	case k.Encryption.KeyID:
		writeJSON(w, http.StatusOK, public(k.Encryption, k.EncryptionCrt))
	case k.Signature.KeyID:
		writeJSON(w, http.StatusOK, public(k.Signature, k.SignatureCrt))
	default:
		problem(w, http.StatusNotFound, "key-not-found", "Not Found", "no such key")
	}
}

// destination answers GET /v1/destinations/{id} with the public view.
func (s *Sim) destination(w http.ResponseWriter, r *http.Request, _ token) {
	if !strings.EqualFold(r.PathValue("destinationId"), s.cfg.DestinationID) {
		problem(w, http.StatusNotFound, "destination-not-found", "Not Found", "no such destination")
		return
	}
	services := make([]map[string]any, 0, len(s.cfg.Services))
	for _, leika := range s.cfg.Services {
		services = append(services, map[string]any{
			"identifier":        leikaURN + leika,
			"regions":           []string{s.cfg.Region},
			"submissionSchemas": []map[string]string{{"schemaUri": SchemaURI(leika), "mimeType": "application/json"}},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"destinationId":    s.cfg.DestinationID,
		"status":           "active",
		"encryptionKid":    s.cfg.Keys.Encryption.KeyID,
		"metadataVersions": []string{"1.0.0"},
		"services":         services,
	})
}

// SchemaURI is the data schema the simulated destination names for a
// service (JSON); the subscriber rejects data that claims another.
func SchemaURI(leika string) string { return "urn:fitconnect-sim:schema:" + leika + ":1.0.0" }

// leikaURN prefixes a LeiKa key in FIT-Connect's service identifiers.
const leikaURN = "urn:de:fim:leika:leistung:"
