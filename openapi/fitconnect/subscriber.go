package fitconnect

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/fitcrypto"
)

// page reads FIT-Connect's limit (default 100, at most 500) and offset.
func page(r *http.Request) (limit, offset int) {
	limit, offset = 100, 0
	if v, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && v >= 1 && v <= 500 {
		limit = v
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("offset")); err == nil && v >= 0 {
		offset = v
	}
	return limit, offset
}

// listForPickup: GET /v1/submissions?destinationId=…: the submissions
// waiting for the subscriber's destinations.
func (s *Server) listForPickup(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	dests := p.FITConnectDestinations(hub.ScopeFITSubscribe)
	if id := strings.ToLower(r.URL.Query().Get("destinationId")); id != "" {
		if err := maySubscribe(p, id); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		dests = []string{id}
	}
	if len(dests) == 0 {
		writeError(w, r, s.log, errorf(hub.EFORBIDDEN, "insufficient-scope", "The token carries no subscribe:destination scope."))
		return
	}
	limit, offset := page(r)
	items, total, err := s.cases.ListForPickup(r.Context(), p.TenantID, dests, limit, offset)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out := make([]submissionForPickup, len(items))
	for i, it := range items {
		out[i] = submissionForPickup(it)
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(out), "offset": offset, "totalCount": total, "submissions": out})
}

type submissionForPickup struct {
	SubmissionID  string `json:"submissionId"`
	CaseID        string `json:"caseId"`
	DestinationID string `json:"destinationId"`
}

// subscribed returns a submission of the subscriber's destination that can
// be fetched: submitted or forwarded (FIT-Connect answers 404 otherwise).
func (s *Server) subscribed(r *http.Request) (*hub.Submission, error) {
	p := principal(r)
	sub, err := s.cases.FindTenantSubmission(r.Context(), p.TenantID, strings.ToLower(chi.URLParam(r, "submissionId")))
	if err != nil {
		return nil, err
	}
	if err := maySubscribe(p, sub.DestinationID); err != nil {
		return nil, err
	}
	if !sub.Pickup || (sub.State != hub.StateSubmitted && sub.State != hub.StateForwarded) {
		return nil, errorf(hub.ENOTFOUND, "submission-not-found", "No submission of this id waits for pickup.")
	}
	return sub, nil
}

// submission is the document's Submission.
type submission struct {
	submissionReduced
	EncryptedMetadata string `json:"encryptedMetadata,omitempty"`
	EncryptedData     string `json:"encryptedData,omitempty"`
}

// getSubmission: GET /v1/submissions/{id} for the destination's
// subscriber. A sealed submission is handed on as it came; one a vendor
// sent in plain through amthub's own API is sealed now, for the
// destination's current key, with FIT-Connect's metadata document. The
// first fetch moves it to forwarded.
func (s *Server) getSubmission(w http.ResponseWriter, r *http.Request) {
	sub, err := s.subscribed(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out := submission{submissionReduced: reduced(sub)}
	if sub.ContentType == MediaTypeJOSE {
		data, err := s.cases.SubmissionData(r.Context(), sub.ID)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		out.EncryptedData, out.EncryptedMetadata = string(data), sub.EncryptedMetadata
	} else if out.EncryptedData, out.EncryptedMetadata, err = s.seal(r.Context(), sub); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	p := principal(r)
	if _, err := s.cases.Update(r.Context(), sub.ID, func(sub *hub.Submission) error {
		_, err := sub.PickUp("fitconnect:"+p.ClientID, s.now())
		return err
	}); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// getAttachment: GET /v1/submissions/{id}/attachments/{attachmentId}, a
// JWE: as uploaded, or sealed now for a vendor's plain attachment.
func (s *Server) getAttachment(w http.ResponseWriter, r *http.Request) {
	sub, err := s.subscribed(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	attID := strings.ToLower(chi.URLParam(r, "attachmentId"))
	i := slices.IndexFunc(sub.Attachments, func(a hub.Attachment) bool { return a.ID == attID })
	if i < 0 {
		writeError(w, r, s.log, errorf(hub.ENOTFOUND, "attachment-not-found", "No such attachment."))
		return
	}
	content, err := s.cases.AttachmentContent(r.Context(), sub.ID, attID)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if mime := sub.Attachments[i].MimeType; mime != MediaTypeJOSE {
		key, err := s.encryptionKey(r.Context(), sub.TenantID, sub.DestinationID)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		jwe, err := fitcrypto.Encrypt(content, key, mime)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		content = []byte(jwe)
	}
	w.Header().Set("Content-Type", MediaTypeJOSE)
	_, _ = w.Write(content)
}

// encryptionKey returns the destination's current encryption key.
func (s *Server) encryptionKey(ctx context.Context, tenantID, destID string) (*fitcrypto.PublicKey, error) {
	dest, err := s.cat.FindDestination(ctx, tenantID, destID)
	if err != nil {
		return nil, err
	}
	if len(dest.EncryptionKey) == 0 {
		return nil, errorf(hub.EUNPROCESSABLE, "no-encryption-key",
			"The destination has no encryption key yet: register one (add-destination-key) and set encryptionKid.")
	}
	return fitcrypto.ParsePublicKey(dest.EncryptionKey, fitcrypto.Encryption)
}

// MetadataSchema is the $schema of the metadata documents the hub writes
// when it seals a plain submission.
const MetadataSchema = "https://schema.fitko.de/fit-connect/metadata/1.2.0/metadata.schema.json"

// Metadata is FIT-Connect's metadata document, as far as the hub fills it
// for a submission it seals: the structure of the content with SHA-512
// hashes of the unencrypted data and attachments, and the service.
type Metadata struct {
	Schema           string           `json:"$schema"`
	ContentStructure ContentStructure `json:"contentStructure"`
	PublicService    serviceType      `json:"publicServiceType"`
}

// ContentStructure lists the data and the attachments of a submission.
type ContentStructure struct {
	Data        *MetadataData        `json:"data,omitempty"`
	Attachments []MetadataAttachment `json:"attachments"`
}

// MetadataData describes the data: its hash and schema.
type MetadataData struct {
	Hash             Hash `json:"hash"`
	SubmissionSchema struct {
		SchemaURI string `json:"schemaUri"`
		MimeType  string `json:"mimeType"`
	} `json:"submissionSchema"`
}

// MetadataAttachment describes one attachment.
type MetadataAttachment struct {
	Hash         Hash   `json:"hash"`
	Purpose      string `json:"purpose"`
	MimeType     string `json:"mimeType"`
	Filename     string `json:"filename,omitempty"`
	AttachmentID string `json:"attachmentId"`
}

// Hash is a hash in FIT-Connect's metadata: type sha512, hex content.
type Hash struct {
	Type    string `json:"type"`
	Content string `json:"content"`
}

func sha512Hash(b []byte) Hash {
	sum := sha512.Sum512(b)
	return Hash{Type: "sha512", Content: hex.EncodeToString(sum[:])}
}

// seal encrypts a plain submission's data and its metadata document for
// the destination's current key.
func (s *Server) seal(ctx context.Context, sub *hub.Submission) (data, metadata string, err error) {
	key, err := s.encryptionKey(ctx, sub.TenantID, sub.DestinationID)
	if err != nil {
		return "", "", err
	}
	dest, err := s.cat.FindDestination(ctx, sub.TenantID, sub.DestinationID)
	if err != nil {
		return "", "", err
	}
	plain, err := s.cases.SubmissionData(ctx, sub.ID)
	if err != nil {
		return "", "", err
	}
	md := Metadata{Schema: MetadataSchema, ContentStructure: ContentStructure{Data: &MetadataData{Hash: sha512Hash(plain)},
		Attachments: []MetadataAttachment{}}, PublicService: serviceType{Name: sub.ServiceType.Name, Identifier: LeikaURN + sub.ServiceType.Identifier}}
	md.ContentStructure.Data.SubmissionSchema.MimeType = sub.ContentType
	if svc, ok := dest.Service(sub.ServiceType.Identifier); ok {
		md.ContentStructure.Data.SubmissionSchema.SchemaURI = svc.SchemaURI
	}
	for _, a := range sub.Attachments {
		content, err := s.cases.AttachmentContent(ctx, sub.ID, a.ID)
		if err != nil {
			return "", "", err
		}
		md.ContentStructure.Attachments = append(md.ContentStructure.Attachments, MetadataAttachment{Hash: sha512Hash(content),
			Purpose: "attachment", MimeType: a.MimeType, Filename: a.Filename, AttachmentID: a.ID})
	}
	mdJSON, err := json.Marshal(md)
	if err != nil {
		return "", "", err
	}
	if data, err = fitcrypto.Encrypt(plain, key, sub.ContentType); err != nil {
		return "", "", err
	}
	if metadata, err = fitcrypto.Encrypt(mdJSON, key, "application/json"); err != nil {
		return "", "", err
	}
	return data, metadata, nil
}
