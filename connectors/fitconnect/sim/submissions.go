package sim

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/amthub/amthub/hub/fitcrypto"
)

// submission is one submission a sender created.
type submission struct {
	id, caseID, clientID string
	serviceType          serviceType
	announced            []string
	attachments          map[string]string // attachment id → JWE
	metadata, data       string            // JWEs, once submitted
	submitted            bool
}

type serviceType struct {
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Identifier  string `json:"identifier"`
}

// caseLog is a case's event log: SETs in the order they happened.
type caseLog struct {
	clientID string
	events   []string
}

// maxBody bounds a request body: attachments are the largest.
const maxBody = 64 << 20

// compactJWE is what the Submission API accepts as a JWE.
var compactJWE = regexp.MustCompile(`^[a-zA-Z0-9-_=]+(\.[a-zA-Z0-9-_=]*){4}$`)

// createSubmission answers POST /v1/submissions.
func (s *Sim) createSubmission(w http.ResponseWriter, r *http.Request, t token) {
	var req struct {
		DestinationID        string       `json:"destinationId"`
		AnnouncedAttachments []string     `json:"announcedAttachments"`
		CaseID               string       `json:"caseId"`
		ServiceType          *serviceType `json:"serviceType"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		problem(w, http.StatusBadRequest, "invalid-request", "Bad Request", "body is not a CreateSubmission object")
		return
	}
	if req.ServiceType == nil || req.AnnouncedAttachments == nil || !isUUID(req.DestinationID) {
		problem(w, http.StatusBadRequest, "invalid-request", "Bad Request", "destinationId, announcedAttachments and serviceType are required")
		return
	}
	for _, a := range req.AnnouncedAttachments {
		if !isUUID(a) {
			problem(w, http.StatusBadRequest, "invalid-request", "Bad Request", "announced attachment ids must be UUIDs")
			return
		}
	}
	if !strings.EqualFold(req.DestinationID, s.cfg.DestinationID) {
		problem(w, http.StatusNotFound, "destination-not-found", "Not Found", "no such destination")
		return
	}
	leika, ok := strings.CutPrefix(req.ServiceType.Identifier, leikaURN)
	if !ok || !slices.Contains(s.cfg.Services, leika) {
		problem(w, http.StatusUnprocessableEntity, "service-not-offered", "Unprocessable Entity",
			"the destination does not offer the service "+req.ServiceType.Identifier)
		return
	}
	sub := &submission{id: uuid.NewString(), caseID: req.CaseID, clientID: t.clientID, serviceType: *req.ServiceType,
		announced: req.AnnouncedAttachments, attachments: map[string]string{}}
	s.mu.Lock()
	if sub.caseID == "" {
		sub.caseID = uuid.NewString()
	} else if c := s.cases[sub.caseID]; c == nil || c.clientID != t.clientID {
		s.mu.Unlock()
		problem(w, http.StatusNotFound, "case-not-found", "Not Found", "no such case")
		return
	}
	s.submissions[sub.id] = sub
	s.created++
	err := s.appendEventLocked(sub, fitcrypto.EventCreateSubmission, nil, s.cfg.Keys.Service, s.cfg.PublicURL)
	s.mu.Unlock()
	if err != nil {
		problem(w, http.StatusInternalServerError, "internal", "Internal Server Error", "signing the event failed")
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"destinationId": s.cfg.DestinationID, "submissionId": sub.id, "caseId": sub.caseID})
}

// lookup finds the sender's own submission that is still open.
func (s *Sim) lookup(w http.ResponseWriter, r *http.Request, t token) *submission {
	sub := s.submissions[r.PathValue("submissionId")]
	if sub == nil || sub.clientID != t.clientID {
		problem(w, http.StatusNotFound, "submission-not-found", "Not Found", "no such submission")
		return nil
	}
	return sub
}

// uploadAttachment answers PUT /v1/submissions/{id}/attachments/{aid}.
func (s *Sim) uploadAttachment(w http.ResponseWriter, r *http.Request, t token) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/jose") {
		problem(w, http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported Media Type", "want application/jose")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		problem(w, http.StatusRequestEntityTooLarge, "too-large", "Request Entity Too Large", "attachment too large")
		return
	}
	jwe := strings.TrimSpace(string(body))
	if !compactJWE.MatchString(jwe) {
		problem(w, http.StatusBadRequest, "invalid-request", "Bad Request", "body is not a JWE in compact serialisation")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.lookup(w, r, t)
	if sub == nil {
		return
	}
	aid := r.PathValue("attachmentId")
	switch {
	case sub.submitted:
		problem(w, http.StatusUnprocessableEntity, "submission-submitted", "Unprocessable Entity", "the submission was submitted already")
	case !slices.Contains(sub.announced, aid):
		problem(w, http.StatusUnprocessableEntity, "attachment-not-announced", "Unprocessable Entity", "attachment not announced")
	default:
		sub.attachments[aid] = jwe
		w.WriteHeader(http.StatusNoContent)
	}
}

// submit answers PUT /v1/submissions/{id}: the submission goes to the
// destination, whose subscriber picks it up at once.
func (s *Sim) submit(w http.ResponseWriter, r *http.Request, t token) {
	var req struct {
		EncryptedMetadata string `json:"encryptedMetadata"`
		EncryptedData     string `json:"encryptedData"`
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		problem(w, http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported Media Type", "want application/json")
		return
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(&req); err != nil ||
		!compactJWE.MatchString(req.EncryptedMetadata) || req.EncryptedData != "" && !compactJWE.MatchString(req.EncryptedData) {
		problem(w, http.StatusBadRequest, "invalid-request", "Bad Request", "encryptedMetadata (and encryptedData) must be JWEs")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.lookup(w, r, t)
	if sub == nil {
		return
	}
	if sub.submitted {
		problem(w, http.StatusUnprocessableEntity, "submission-submitted", "Unprocessable Entity", "the submission was submitted already")
		return
	}
	for _, a := range sub.announced {
		if _, ok := sub.attachments[a]; !ok {
			problem(w, http.StatusUnprocessableEntity, "missing-attachments", "Unprocessable Entity", "announced attachments not uploaded yet")
			return
		}
	}
	sub.metadata, sub.data, sub.submitted = req.EncryptedMetadata, req.EncryptedData, true
	if err := s.appendEventLocked(sub, fitcrypto.EventSubmitSubmission, nil, s.cfg.Keys.Service, s.cfg.PublicURL); err != nil {
		problem(w, http.StatusInternalServerError, "internal", "Internal Server Error", "signing the event failed")
		return
	}
	s.subscriber.Add(1)
	go s.pickUp(sub)
	attachments := make([]string, 0, len(sub.announced))
	attachments = append(attachments, sub.announced...)
	writeJSON(w, http.StatusAccepted, map[string]any{"destinationId": s.cfg.DestinationID, "submissionId": sub.id,
		"caseId": sub.caseID, "attachments": attachments, "serviceType": sub.serviceType})
}

// events answers GET /v1/cases/{caseId}/events with limit and offset.
func (s *Sim) events(w http.ResponseWriter, r *http.Request, t token) {
	limit, offset := 100, 0
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			problem(w, http.StatusBadRequest, "invalid-request", "Bad Request", "limit: 1 to 500")
			return
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			problem(w, http.StatusBadRequest, "invalid-request", "Bad Request", "offset: 0 or more")
			return
		}
		offset = n
	}
	s.mu.Lock()
	c := s.cases[r.PathValue("caseId")]
	var page []string
	total := 0
	if c != nil && c.clientID == t.clientID {
		total = len(c.events)
		page = c.events[min(offset, total):min(offset+limit, total)]
		page = append([]string{}, page...)
	}
	s.mu.Unlock()
	if c == nil || c.clientID != t.clientID {
		problem(w, http.StatusNotFound, "case-not-found", "Not Found", "no such case")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(page), "offset": offset, "totalCount": total, "eventLog": page})
}

// appendEventLocked signs an event about sub and appends it to its case's
// log. s.mu must be held.
func (s *Sim) appendEventLocked(sub *submission, ev fitcrypto.Event, payload json.RawMessage, key *fitcrypto.PrivateKey, issuer string) error {
	set, err := fitcrypto.SignSET(fitcrypto.SET{Issuer: issuer, IssuedAt: s.cfg.Now(), ID: uuid.New(),
		SubmissionID: uuid.MustParse(sub.id), CaseID: uuid.MustParse(sub.caseID), Event: ev, Payload: payload}, key)
	if err != nil {
		return err
	}
	c := s.cases[sub.caseID]
	if c == nil {
		c = &caseLog{clientID: sub.clientID}
		s.cases[sub.caseID] = c
	}
	c.events = append(c.events, set)
	return nil
}

func isUUID(v string) bool {
	_, err := uuid.Parse(v)
	return err == nil && len(v) == 36
}
