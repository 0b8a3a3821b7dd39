package fitconnect

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/pipeline"
)

// LeikaURN prefixes a LeiKa key in FIT-Connect's service identifiers.
const LeikaURN = "urn:de:fim:leika:leistung:"

// createSubmissionRequest is the document's CreateSubmission.
type createSubmissionRequest struct {
	DestinationID        string   `json:"destinationId"`
	AnnouncedAttachments []string `json:"announcedAttachments"`
	CaseID               string   `json:"caseId,omitempty"`
	ServiceType          struct {
		Name       string `json:"name"`
		Identifier string `json:"identifier"`
	} `json:"serviceType"`
	Callback *struct {
		URL    string `json:"url"`
		Secret string `json:"secret"`
	} `json:"callback,omitempty"`
}

// submissionCreated is the document's SubmissionCreated.
type submissionCreated struct {
	DestinationID string `json:"destinationId"`
	SubmissionID  string `json:"submissionId"`
	CaseID        string `json:"caseId"`
}

// createSubmission: POST /v1/submissions, for a sender whose send scope
// covers the destination (its region, or the destination itself).
func (s *Server) createSubmission(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	var req createSubmissionRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, r, s.log, hub.FieldError("body", "must be a CreateSubmission object"))
		return
	}
	destID := strings.ToLower(req.DestinationID)
	leika, ok := strings.CutPrefix(req.ServiceType.Identifier, LeikaURN)
	switch {
	case req.CaseID != "":
		writeError(w, r, s.log, &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "replies-not-supported", Field: "caseId",
			Message: "amthub opens a new case for every submission; replies in an existing case are not supported."})
		return
	case !ok || !hub.ValidLeikaKey(leika):
		writeError(w, r, s.log, &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "service-not-offered", Field: "serviceType.identifier",
			Message: "amthub routes services by LeiKa key: " + LeikaURN + "<14 digits>."})
		return
	}
	if err := s.maySend(r.Context(), p, destID, leika); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	announced := make([]string, len(req.AnnouncedAttachments))
	for i, a := range req.AnnouncedAttachments {
		announced[i] = strings.ToLower(a)
	}
	sub, _, err := s.pipe.Create(r.Context(), p, pipeline.CreateRequest{DestinationID: destID,
		ServiceType: hub.ServiceType{Identifier: leika, Name: req.ServiceType.Name}, AnnouncedAttachments: announced}, "")
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if req.Callback != nil {
		// FIT-Connect registers a sender's callback per submission; amthub
		// keeps one callback per client (the latest), like its own API.
		if err := s.pipe.PutFITConnectCallback(r.Context(), p, "", req.Callback.URL, req.Callback.Secret); err != nil {
			s.log.WarnContext(r.Context(), "fitconnect callback not registered", "client_id", p.ClientID, "error", hub.ErrorMessage(err))
		}
	}
	writeJSON(w, http.StatusCreated, submissionCreated{DestinationID: sub.DestinationID, SubmissionID: sub.ID, CaseID: sub.CaseID})
}

// maySend refuses a sender whose scopes neither name the destination nor
// cover an area where it is responsible for the service.
func (s *Server) maySend(ctx context.Context, p *hub.Principal, destID, leika string) error {
	for _, d := range p.FITConnectDestinations(hub.ScopeFITSendDestination) {
		if d == destID {
			return nil
		}
	}
	regions := p.FITConnectRegions()
	if len(regions) == 0 && len(p.FITConnectDestinations(hub.ScopeFITSendDestination)) == 0 {
		return &hub.Error{Code: hub.EFORBIDDEN, Kind: "insufficient-scope", Message: "The token carries no FIT-Connect send scope."}
	}
	dest, err := s.cat.FindDestination(ctx, p.TenantID, destID)
	if err != nil {
		return err
	}
	areas, err := s.cat.ServedAreas(ctx, p.TenantID, dest.OrgUnitID, leika)
	if err != nil {
		return err
	}
	for _, region := range regions {
		for _, area := range areas {
			if strings.HasPrefix(area, region) || strings.HasPrefix(region, area) {
				return nil
			}
		}
	}
	return &hub.Error{Code: hub.EFORBIDDEN, Kind: "region-not-allowed",
		Message: fmt.Sprintf("No send:region scope of the token covers an area where destination %s serves this service.", destID)}
}

// uploadAttachment: PUT /v1/submissions/{id}/attachments/{attachmentId},
// a JWE for the destination's current key, stored unread.
func (s *Server) uploadAttachment(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if !p.IsFITConnectSender() {
		writeError(w, r, s.log, errorf(hub.EFORBIDDEN, "insufficient-scope", "The token carries no FIT-Connect send scope."))
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, MediaTypeJOSE) {
		writeProblem(w, Problem{Type: ProblemTypeBase + "unsupported-media-type", Title: "Unsupported Media Type",
			Status: http.StatusUnsupportedMediaType, Detail: "Attachments are sent as " + MediaTypeJOSE + "."})
		return
	}
	subID, attID := strings.ToLower(chi.URLParam(r, "submissionId")), strings.ToLower(chi.URLParam(r, "attachmentId"))
	sub, err := s.pipe.Get(r.Context(), p, subID)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	kid, err := s.destinationKid(r.Context(), p.TenantID, sub.DestinationID)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.cfg.MaxAttachmentSize+1))
	if err != nil {
		writeError(w, r, s.log, hub.FieldError("body", "the upload was interrupted"))
		return
	}
	if int64(len(body)) > s.cfg.MaxAttachmentSize {
		writeError(w, r, s.log, errorf(hub.ETOOLARGE, "attachment-too-large", "The attachment is too large."))
		return
	}
	if err := pipeline.CheckSealedPart("attachment", strings.TrimSpace(string(body)), kid); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if _, err := s.pipe.Upload(r.Context(), p, subID, attID, MediaTypeJOSE, "", strings.NewReader(strings.TrimSpace(string(body))), nil); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// destinationKid returns the kid of the destination's current encryption key.
func (s *Server) destinationKid(ctx context.Context, tenantID, destID string) (string, error) {
	dest, err := s.cat.FindDestination(ctx, tenantID, destID)
	if err != nil {
		return "", err
	}
	return pipeline.EncryptionKeyID(dest)
}

// submitRequest is the document's SubmitSubmission.
type submitRequest struct {
	EncryptedMetadata string `json:"encryptedMetadata"`
	EncryptedData     string `json:"encryptedData,omitempty"`
}

// submissionReduced is the document's SubmissionReduced.
type submissionReduced struct {
	DestinationID string      `json:"destinationId"`
	SubmissionID  string      `json:"submissionId"`
	CaseID        string      `json:"caseId"`
	Attachments   []string    `json:"attachments"`
	ServiceType   serviceType `json:"serviceType"`
}

type serviceType struct {
	Name       string `json:"name,omitempty"`
	Identifier string `json:"identifier"`
}

func reduced(sub *hub.Submission) submissionReduced {
	atts := make([]string, 0, len(sub.Attachments))
	for _, a := range sub.Attachments {
		atts = append(atts, a.ID)
	}
	return submissionReduced{DestinationID: sub.DestinationID, SubmissionID: sub.ID, CaseID: sub.CaseID, Attachments: atts,
		ServiceType: serviceType{Name: sub.ServiceType.Name, Identifier: LeikaURN + sub.ServiceType.Identifier}}
}

// submitSubmission: PUT /v1/submissions/{id}: the sealed metadata and data
// go through the pipeline untouched, after the JWE header checks.
func (s *Server) submitSubmission(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if !p.IsFITConnectSender() {
		writeError(w, r, s.log, errorf(hub.EFORBIDDEN, "insufficient-scope", "The token carries no FIT-Connect send scope."))
		return
	}
	var req submitRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.EncryptedMetadata == "" {
		writeError(w, r, s.log, hub.FieldError("encryptedMetadata", "the encrypted metadata is required"))
		return
	}
	sub, err := s.pipe.Submit(r.Context(), p, strings.ToLower(chi.URLParam(r, "submissionId")),
		pipeline.SubmitRequest{EncryptedData: req.EncryptedData, EncryptedMetadata: req.EncryptedMetadata})
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusAccepted, reduced(sub))
}
