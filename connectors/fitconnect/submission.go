package fitconnect

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/fitcrypto"
)

// leikaURN prefixes a LeiKa key in FIT-Connect's service identifiers.
const leikaURN = "urn:de:fim:leika:leistung:"

// metadataSchema is the FIT-Connect metadata schema the connector writes.
const metadataSchema = "https://schema.fitko.de/fit-connect/metadata/1.0.0/metadata.schema.json"

// created is FIT-Connect's answer to create submission.
type created struct {
	SubmissionID string `json:"submissionId"`
	CaseID       string `json:"caseId"`
}

// Create announces a submission of the hub's message at the destination.
func (a *API) Create(ctx context.Context, m *hub.SubmissionMessage) (created, error) {
	announced := make([]string, 0, len(m.Attachments))
	for _, att := range m.Attachments {
		announced = append(announced, att.AttachmentID)
	}
	name := m.ServiceType.Name
	if name == "" {
		name = m.ServiceType.Identifier
	}
	body, err := json.Marshal(map[string]any{
		"destinationId":        a.cfg.FITDestinationID,
		"announcedAttachments": announced,
		"serviceType":          map[string]string{"name": name, "identifier": leikaURN + m.ServiceType.Identifier},
	})
	if err != nil {
		return created{}, fmt.Errorf("fitconnect: encode create submission: %w", err)
	}
	var out created
	if err := a.call(ctx, http.MethodPost, "/v1/submissions", "application/json", body, &out); err != nil {
		return created{}, err
	}
	if !hub.ValidID(out.SubmissionID) || !hub.ValidID(out.CaseID) {
		return created{}, hub.Errorf(hub.EUNAVAILABLE, "fitconnect: create submission answered without submission and case ids")
	}
	return out, nil
}

// Upload encrypts one attachment to key and puts it under its announced id.
func (a *API) Upload(ctx context.Context, submissionID string, att hub.AttachmentRef, key *fitcrypto.PublicKey) error {
	jwe, err := fitcrypto.Encrypt(att.Content, key, att.MimeType)
	if err != nil {
		return fmt.Errorf("fitconnect: encrypt attachment %s: %w", att.AttachmentID, err)
	}
	path := "/v1/submissions/" + url.PathEscape(submissionID) + "/attachments/" + url.PathEscape(att.AttachmentID)
	return a.call(ctx, http.MethodPut, path, "application/jose", []byte(jwe), nil)
}

// Submit encrypts the metadata and data to key and submits the
// submission.
func (a *API) Submit(ctx context.Context, submissionID string, m *hub.SubmissionMessage, key *fitcrypto.PublicKey) error {
	data, mime, err := payload(m)
	if err != nil {
		return err
	}
	meta, err := metadata(m, data, mime, a.schemaURI(m.ServiceType.Identifier, mime))
	if err != nil {
		return err
	}
	encMeta, err := fitcrypto.Encrypt(meta, key, "application/json")
	if err != nil {
		return fmt.Errorf("fitconnect: encrypt metadata: %w", err)
	}
	encData, err := fitcrypto.Encrypt(data, key, mime)
	if err != nil {
		return fmt.Errorf("fitconnect: encrypt data: %w", err)
	}
	body, err := json.Marshal(map[string]string{"encryptedMetadata": encMeta, "encryptedData": encData})
	if err != nil {
		return fmt.Errorf("fitconnect: encode submit: %w", err)
	}
	return a.call(ctx, http.MethodPut, "/v1/submissions/"+url.PathEscape(submissionID), "application/json", body, nil)
}

// payload returns the submission's data as FIT-Connect's data carries it:
// JSON as is, XML as the document.
func payload(m *hub.SubmissionMessage) ([]byte, string, error) {
	switch m.ContentType {
	case "", "application/json":
		return m.Data, "application/json", nil
	case "application/xml":
		var doc string
		if err := json.Unmarshal(m.Data, &doc); err != nil {
			return nil, "", hub.Errorf(hub.EINVALID, "fitconnect: XML data is not a JSON string")
		}
		return []byte(doc), "application/xml", nil
	}
	// Sealed (application/jose) data was encrypted for the hub's own
	// destination key, not for FIT-Connect's: it cannot be forwarded.
	return nil, "", hub.Errorf(hub.EINVALID, "fitconnect: data of type %s cannot go to FIT-Connect", m.ContentType)
}

// metadata builds FIT-Connect's metadata (schema 1.0.0): the data's schema
// (as the destination names it) and the SHA-512 of data and attachments in plain text, which the
// subscriber checks after decrypting.
func metadata(m *hub.SubmissionMessage, data []byte, mime, schemaURI string) ([]byte, error) {
	type hash struct {
		Type    string `json:"type"`
		Content string `json:"content"`
	}
	sum := func(b []byte) hash { s := sha512.Sum512(b); return hash{"sha512", hex.EncodeToString(s[:])} }
	type attachment struct {
		AttachmentID string `json:"attachmentId"`
		Hash         hash   `json:"hash"`
		Purpose      string `json:"purpose"`
		Filename     string `json:"filename,omitempty"`
		MimeType     string `json:"mimeType"`
	}
	atts := make([]attachment, 0, len(m.Attachments))
	for _, a := range m.Attachments {
		atts = append(atts, attachment{AttachmentID: a.AttachmentID, Hash: sum(a.Content), Purpose: "attachment",
			Filename: a.Filename, MimeType: a.MimeType})
	}
	b, err := json.Marshal(map[string]any{
		"$schema": metadataSchema,
		"contentStructure": map[string]any{
			"data": map[string]any{"hash": sum(data),
				"submissionSchema": map[string]string{"schemaUri": schemaURI, "mimeType": mime}},
			"attachments": atts,
		},
		"publicServiceType": map[string]string{"name": m.ServiceType.Name, "identifier": leikaURN + m.ServiceType.Identifier},
	})
	if err != nil {
		return nil, fmt.Errorf("fitconnect: encode metadata: %w", err)
	}
	return b, nil
}

// Events returns the case's event log from offset on.
func (a *API) Events(ctx context.Context, caseID string, offset int) ([]string, error) {
	var log struct {
		EventLog []string `json:"eventLog"`
	}
	q := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {"500"}}
	if err := a.call(ctx, http.MethodGet, "/v1/cases/"+url.PathEscape(caseID)+"/events?"+q.Encode(), "", nil, &log); err != nil {
		return nil, err
	}
	return log.EventLog, nil
}
