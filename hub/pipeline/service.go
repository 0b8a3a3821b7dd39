// Package pipeline is the submission pipeline: it checks what vendors send,
// maps it for its destination, stores it with its outbox message in one
// transaction, applies the Fachverfahren's replies exactly once, and sweeps
// expired and unacknowledged submissions.
package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/amthub/amthub/hub"
)

// Validator checks form data against a destination's JSON Schema. Errors
// are *hub.Error with the offending field's JSON Pointer in Field.
type Validator interface {
	Validate(ctx context.Context, schema json.RawMessage, data []byte) error
}

// Mapper turns form data into what a destination reads, with the named
// mapping; it returns the output and its media type. Errors are *hub.Error
// with the offending field's path in Field.
type Mapper interface {
	Map(ctx context.Context, m MapRequest) (out []byte, contentType string, err error)
}

// MapRequest is one mapping run: which mapping, the data, and what the hub
// knows about the submission (mappings may put it into the output).
type MapRequest struct {
	TenantID, Name, Version string
	Data                    []byte
	SubmissionID            string
	CaseNumber              string
	DestinationID           string
	ServiceKey              string
	SubmittedAt             time.Time
}

// Config holds the pipeline's limits.
type Config struct {
	// ExpireAfter is how long a submission may stay incomplete. Default 24 h.
	ExpireAfter time.Duration
	// MaxAttachmentSize bounds one attachment. Default 20 MiB.
	MaxAttachmentSize int64
	// MaxAttachments bounds how many attachments one submission announces.
	MaxAttachments int
	// MaxDataSize bounds the form data. Default 2 MiB.
	MaxDataSize int
	// InsecureCallbacks allows http:// and private or loopback callback
	// addresses; for `amthub dev` and tests only.
	InsecureCallbacks bool
}

func (c *Config) defaults() {
	if c.ExpireAfter <= 0 {
		c.ExpireAfter = 24 * time.Hour
	}
	if c.MaxAttachmentSize <= 0 {
		c.MaxAttachmentSize = 20 << 20
	}
	if c.MaxAttachments <= 0 {
		c.MaxAttachments = 50
	}
	if c.MaxDataSize <= 0 {
		c.MaxDataSize = 2 << 20
	}
}

// Routing is what the pipeline needs of the catalogue: the destinations
// responsible for a service in an area, and one destination with its
// services.
type Routing interface {
	FindRoutes(ctx context.Context, tenantID, leikaKey, ars string) ([]hub.Route, error)
	FindDestination(ctx context.Context, tenantID, id string) (*hub.Destination, error)
}

// Service is the vendor-facing side of the pipeline.
type Service struct {
	store     *Store
	routing   Routing
	validator Validator
	mapper    Mapper
	signer    Signer
	issuer    string
	sealer    *sealer
	gate      Gate
	cfg       Config
	now       hub.Clock
}

// Gate decides whether the pipeline takes new work for a destination now
// (hub/backpressure): an error refuses it before anything is stored.
type Gate interface {
	Admit(ctx context.Context, destinationID string) error
}

// Deps are the collaborators of a Service. Signer may be nil (events stay
// unsigned); SecretKey (32 bytes) seals callback secrets at rest.
type Deps struct {
	Store     *Store
	Routing   Routing
	Validator Validator
	Mapper    Mapper
	Signer    Signer
	Issuer    string
	SecretKey []byte
	Now       hub.Clock
	// Gate, if not nil, sheds new submissions, uploads and submits while
	// the hub is behind (backpressure).
	Gate Gate
}

// NewService returns the pipeline service.
func NewService(d Deps, cfg Config) (*Service, error) {
	cfg.defaults()
	sl, err := newSealer(d.SecretKey)
	if err != nil {
		return nil, err
	}
	return &Service{store: d.Store, routing: d.Routing, validator: d.Validator, mapper: d.Mapper, signer: d.Signer, issuer: d.Issuer,
		sealer: sl, gate: d.Gate, cfg: cfg, now: d.Now}, nil
}

// Config returns the effective limits.
func (s *Service) Config() Config { return s.cfg }

// Routes finds the destinations responsible for a service in an area.
func (s *Service) Routes(ctx context.Context, p *hub.Principal, leikaKey, ars string) ([]hub.Route, error) {
	if !hub.ValidLeikaKey(leikaKey) {
		return nil, hub.FieldError("leikaKey", "must be a LeiKa key: 99 and 12 digits")
	}
	if !hub.ValidARS(ars) {
		return nil, hub.FieldError("ars", "must be a 12-digit regional key (ARS)")
	}
	if !p.InRegion(ars) {
		return nil, &hub.Error{Code: hub.EFORBIDDEN, Kind: "region_not_allowed", Field: "ars",
			Message: "Your client may not route submissions to this area."}
	}
	return s.routing.FindRoutes(ctx, p.TenantID, leikaKey, ars)
}

// CreateRequest is what a vendor sends to create a submission.
type CreateRequest struct {
	DestinationID        string          `json:"destinationId"`
	ServiceType          hub.ServiceType `json:"serviceType"`
	AnnouncedAttachments []string        `json:"announcedAttachments"`
}

// Create stores a new incomplete submission. idemKey makes retries safe;
// created is false when an earlier identical request is answered again.
func (s *Service) Create(ctx context.Context, p *hub.Principal, req CreateRequest, idemKey string) (sub *hub.Submission, created bool, err error) {
	if err := s.checkCreate(req); err != nil {
		return nil, false, err
	}
	if err := s.admit(ctx, req.DestinationID); err != nil {
		return nil, false, err
	}
	dest, err := s.routing.FindDestination(ctx, p.TenantID, req.DestinationID)
	if err != nil {
		return nil, false, err
	}
	svc, ok := dest.Service(req.ServiceType.Identifier)
	if !ok {
		return nil, false, &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "service_not_offered", Field: "serviceType.identifier",
			Message: "The destination does not accept this service."}
	}
	canonical, _ := json.Marshal(req)
	sub = &hub.Submission{
		TenantID: p.TenantID, ClientID: p.ClientID, CitizenID: citizenOf(p), DestinationID: dest.ID,
		ServiceType:          hub.ServiceType{Identifier: svc.LeikaKey, Name: svc.Name},
		AnnouncedAttachments: req.AnnouncedAttachments, ExpiresAt: s.now().Add(s.cfg.ExpireAfter),
	}
	if sub.AnnouncedAttachments == nil {
		sub.AnnouncedAttachments = []string{}
	}
	created, err = s.store.CreateSubmission(ctx, sub, idemKey, hashOf(canonical))
	return sub, created, err
}

// admit asks the gate, if any, whether new work for destinationID is taken.
func (s *Service) admit(ctx context.Context, destinationID string) error {
	if s.gate == nil {
		return nil
	}
	return s.gate.Admit(ctx, destinationID)
}

func (s *Service) checkCreate(req CreateRequest) error {
	if !hub.ValidID(req.DestinationID) {
		return hub.FieldError("destinationId", "must be a UUID")
	}
	if !hub.ValidLeikaKey(req.ServiceType.Identifier) {
		return hub.FieldError("serviceType.identifier", "must be a LeiKa key: 99 and 12 digits")
	}
	if len(req.AnnouncedAttachments) > s.cfg.MaxAttachments {
		return hub.FieldError("announcedAttachments", "at most %d attachments", s.cfg.MaxAttachments)
	}
	seen := map[string]bool{}
	for _, id := range req.AnnouncedAttachments {
		if !hub.ValidID(id) || seen[id] {
			return hub.FieldError("announcedAttachments", "must be distinct UUIDs")
		}
		seen[id] = true
	}
	return nil
}

// Get returns a submission owned by the caller.
func (s *Service) Get(ctx context.Context, p *hub.Principal, id string) (*hub.Submission, error) {
	if !hub.ValidID(id) {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "submission_not_found", Message: "No such submission."}
	}
	return s.store.FindSubmission(ctx, p.TenantID, p.ClientID, id)
}

// Upload stores an announced attachment, streamed from body, up to the
// size limit. wantSHA256, if not nil, must match the content.
func (s *Service) Upload(ctx context.Context, p *hub.Principal, subID, attID, mimeType, filename string, body io.Reader, wantSHA256 []byte) (*hub.Attachment, error) {
	sub, err := s.Get(ctx, p, subID)
	if err != nil {
		return nil, err
	}
	if err := s.admit(ctx, sub.DestinationID); err != nil {
		return nil, err
	}
	if !hub.ValidID(attID) {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "attachment_not_announced", Message: "No such attachment."}
	}
	if mimeType == "" {
		return nil, hub.FieldError("Content-Type", "the attachment's media type is required")
	}
	content, err := io.ReadAll(io.LimitReader(body, s.cfg.MaxAttachmentSize+1))
	if err != nil {
		return nil, &hub.Error{Code: hub.EINVALID, Kind: "upload_incomplete", Message: "The upload was interrupted.", Err: err}
	}
	if int64(len(content)) > s.cfg.MaxAttachmentSize {
		return nil, tooLarge(s.cfg.MaxAttachmentSize)
	}
	sum := sha256.Sum256(content)
	if wantSHA256 != nil && !bytes.Equal(sum[:], wantSHA256) {
		return nil, &hub.Error{Code: hub.EINVALID, Kind: "checksum_mismatch", Field: "Repr-Digest",
			Message: "The attachment's SHA-256 does not match the declared digest."}
	}
	a := &hub.Attachment{ID: attID, Filename: filename, MimeType: mimeType, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}
	if err := s.store.PutAttachment(ctx, p.TenantID, p.ClientID, subID, a, content); err != nil {
		return nil, err
	}
	return a, nil
}

func tooLarge(limit int64) error {
	return &hub.Error{Code: hub.ETOOLARGE, Kind: "attachment_too_large",
		Message: fmt.Sprintf("An attachment may have at most %d bytes.", limit)}
}

// SubmitRequest is the body of a submit: form data, or, in sealed mode, a
// JWE for the destination's key that the hub passes on unread, with the JWE
// of FIT-Connect's metadata document when a FIT-Connect sender sends it.
type SubmitRequest struct {
	Data              json.RawMessage `json:"data,omitempty"`
	EncryptedData     string          `json:"encryptedData,omitempty"`
	EncryptedMetadata string          `json:"encryptedMetadata,omitempty"`
}

// Submit checks the data against the destination's schema, maps it, and
// marks the submission submitted with its message in the outbox.
func (s *Service) Submit(ctx context.Context, p *hub.Principal, id string, req SubmitRequest) (*hub.Submission, error) {
	sub, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if err := s.admit(ctx, sub.DestinationID); err != nil {
		return nil, err
	}
	dest, err := s.routing.FindDestination(ctx, p.TenantID, sub.DestinationID)
	if err != nil {
		return nil, err
	}
	svc, _ := dest.Service(sub.ServiceType.Identifier)
	canonical, _ := json.Marshal(req)
	in := hub.SubmitData{DataHash: hashOf(canonical), Pickup: dest.Pickup}
	switch {
	case (req.EncryptedData != "" || req.EncryptedMetadata != "") && len(req.Data) > 0:
		return nil, hub.FieldError("data", "send either data or encryptedData, not both")
	case req.EncryptedData != "" || req.EncryptedMetadata != "":
		if err := checkSealed(dest, req); err != nil {
			return nil, err
		}
		in.Data, in.ContentType, in.EncryptedMetadata = []byte(req.EncryptedData), "application/jose", req.EncryptedMetadata
	default:
		if len(req.Data) == 0 || bytes.Equal(req.Data, []byte("null")) {
			return nil, hub.FieldError("data", "the form data is required")
		}
		if len(req.Data) > s.cfg.MaxDataSize {
			return nil, &hub.Error{Code: hub.ETOOLARGE, Kind: "data_too_large", Field: "data", Message: "The form data is too large."}
		}
		if in.Data, in.ContentType, err = s.prepare(ctx, p, sub, svc, req.Data); err != nil {
			return nil, err
		}
	}
	// The rule decides in the domain; the store locks, persists the state,
	// the event and the destination's message in one transaction.
	now := s.now()
	return s.store.Update(ctx, id, func(sub *hub.Submission) error {
		if err := sub.CheckOwner(p.TenantID, p.ClientID); err != nil {
			return err
		}
		_, err := sub.Submit(in, p.ClientID, now)
		return err
	})
}

// prepare validates and maps form data. A mapping failure is recorded on
// the case timeline; the submission stays incomplete and is not forwarded.
func (s *Service) prepare(ctx context.Context, p *hub.Principal, sub *hub.Submission, svc *hub.DestinationService, data []byte) ([]byte, string, error) {
	if err := s.validator.Validate(ctx, svc.Schema, data); err != nil {
		return nil, "", asDataInvalid(err)
	}
	if svc.MappingName == "" {
		return data, "application/json", nil
	}
	out, ct, err := s.mapper.Map(ctx, MapRequest{TenantID: p.TenantID, Name: svc.MappingName, Version: svc.MappingVersion,
		Data: data, SubmissionID: sub.ID, CaseNumber: sub.CaseNumber, DestinationID: sub.DestinationID,
		ServiceKey: sub.ServiceType.Identifier, SubmittedAt: s.now()})
	if err != nil {
		field := ""
		var he *hub.Error
		if errors.As(err, &he) {
			field = he.Field
		}
		if rerr := s.store.RecordEvent(ctx, &hub.Event{TenantID: p.TenantID, CaseID: sub.CaseID, SubmissionID: sub.ID,
			Type: hub.EventSubmissionMappingFailed, Actor: "hub",
			Data: hub.EventData(map[string]any{"mapping": svc.MappingName, "version": svc.MappingVersion, "field": field})}); rerr != nil {
			return nil, "", rerr
		}
		return nil, "", &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "mapping_failed", Field: field,
			Message: "The data could not be mapped for its destination: " + hub.ErrorMessage(err), Err: err}
	}
	return out, ct, nil
}

func asDataInvalid(err error) error {
	var he *hub.Error
	if errors.As(err, &he) && he.Code != hub.EINTERNAL {
		return &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "data_invalid", Field: he.Field, Message: he.Message, Err: err}
	}
	return err
}

// citizenOf returns the citizen a principal acts for: the subject of a
// token a citizen consented to, none for a machine's own token.
func citizenOf(p *hub.Principal) string {
	if p.Subject == "" || p.Subject == p.ClientID {
		return ""
	}
	return p.Subject
}

func hashOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
