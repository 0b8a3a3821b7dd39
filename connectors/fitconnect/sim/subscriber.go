package sim

import (
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/amthub/amthub/hub/fitcrypto"
)

// Received is what the built-in subscriber picked up and decided.
type Received struct {
	SubmissionID, CaseID string
	Metadata             json.RawMessage   // decrypted
	Data                 []byte            // decrypted
	Attachments          map[string][]byte // attachment id → decrypted content
	Accepted             bool
	Problem              string // why it was rejected
}

// metadata is the part of FIT-Connect's metadata (schema 1.x) the
// subscriber checks: the hashes of data and attachments.
type metadata struct {
	ContentStructure struct {
		Data *struct {
			Hash             hash `json:"hash"`
			SubmissionSchema struct {
				SchemaURI string `json:"schemaUri"`
				MimeType  string `json:"mimeType"`
			} `json:"submissionSchema"`
		} `json:"data"`
		Attachments []struct {
			AttachmentID string `json:"attachmentId"`
			Hash         hash   `json:"hash"`
			MimeType     string `json:"mimeType"`
			Purpose      string `json:"purpose"`
		} `json:"attachments"`
	} `json:"contentStructure"`
}

type hash struct {
	Type    string `json:"type"`
	Content string `json:"content"`
}

// matches reports whether h is the SHA-512 of b.
func (h hash) matches(b []byte) bool {
	sum := sha512.Sum512(b)
	return h.Type == "sha512" && strings.EqualFold(h.Content, hex.EncodeToString(sum[:]))
}

// pickUp is the destination's subscriber: it decrypts and checks sub and
// appends accept-submission or reject-submission, signed with the
// destination's signature key.
func (s *Sim) pickUp(sub *submission) {
	defer s.subscriber.Done()
	s.mu.Lock()
	rec, tags, err := s.open(sub)
	s.mu.Unlock()
	if err == nil && s.rejectAll.Load() {
		err = fmt.Errorf("the simulator rejects every submission (RejectAll)")
	}
	if err == nil && wantsReject(rec.Data, s.cfg.RejectPointer) {
		err = fmt.Errorf("the data asks to be rejected (%s)", s.cfg.RejectPointer)
	}
	ev, payload := fitcrypto.EventAcceptSubmission, tags
	rec.Accepted = err == nil
	if err != nil {
		rec.Problem = err.Error()
		ev = fitcrypto.EventRejectSubmission
		payload, _ = json.Marshal(map[string]any{"problems": []map[string]string{{
			"type":   "https://schema.fitko.de/fit-connect/events/problems/submission-rejected",
			"title":  "Einreichung abgelehnt",
			"detail": rec.Problem,
		}}})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.picked = append(s.picked, rec)
	// Signing can fail only for a broken key, which NewKeys never makes.
	_ = s.appendEventLocked(sub, ev, payload, s.cfg.Keys.Signature, s.cfg.DestinationID)
	if s.tamper.Load() {
		log := s.cases[sub.caseID].events
		log[len(log)-1] = breakSignature(log[len(log)-1])
	}
}

// breakSignature changes the first byte of a JWS's signature.
func breakSignature(jws string) string {
	i := strings.LastIndex(jws, ".") + 1
	c := byte('A')
	if jws[i] == 'A' {
		c = 'B'
	}
	return jws[:i] + string(c) + jws[i+1:]
}

// open decrypts sub and checks data and attachments against the metadata's
// hashes. It returns the authentication tags for the accept event.
func (s *Sim) open(sub *submission) (Received, json.RawMessage, error) {
	rec := Received{SubmissionID: sub.id, CaseID: sub.caseID, Attachments: map[string][]byte{}}
	key := s.cfg.Keys.Encryption
	meta, err := fitcrypto.Decrypt(sub.metadata, key)
	if err != nil {
		return rec, nil, fmt.Errorf("metadata: %w", err)
	}
	rec.Metadata = meta
	var m metadata
	if err := json.Unmarshal(meta, &m); err != nil {
		return rec, nil, fmt.Errorf("metadata is not FIT-Connect metadata: %v", err)
	}
	tags := map[string]any{"metadata": tag(sub.metadata)}
	if d := m.ContentStructure.Data; d != nil {
		if rec.Data, err = fitcrypto.Decrypt(sub.data, key); err != nil {
			return rec, nil, fmt.Errorf("data: %w", err)
		}
		if !d.Hash.matches(rec.Data) {
			return rec, nil, fmt.Errorf("data: hash differs from the metadata's")
		}
		leika := strings.TrimPrefix(sub.serviceType.Identifier, leikaURN)
		if d.SubmissionSchema.SchemaURI != SchemaURI(leika) || d.SubmissionSchema.MimeType != "application/json" {
			return rec, nil, fmt.Errorf("data: schema %q (%s) is not one the destination offers for the service",
				d.SubmissionSchema.SchemaURI, d.SubmissionSchema.MimeType)
		}
		if !json.Valid(rec.Data) {
			return rec, nil, fmt.Errorf("data: not JSON")
		}
		tags["data"] = tag(sub.data)
	}
	atags := map[string]string{}
	for _, a := range m.ContentStructure.Attachments {
		jwe, ok := sub.attachments[a.AttachmentID]
		if !ok {
			return rec, nil, fmt.Errorf("attachment %s: in the metadata, not uploaded", a.AttachmentID)
		}
		plain, err := fitcrypto.Decrypt(jwe, key)
		if err != nil {
			return rec, nil, fmt.Errorf("attachment %s: %w", a.AttachmentID, err)
		}
		if !a.Hash.matches(plain) {
			return rec, nil, fmt.Errorf("attachment %s: hash differs from the metadata's", a.AttachmentID)
		}
		rec.Attachments[a.AttachmentID] = plain
		atags[a.AttachmentID] = tag(jwe)
	}
	if len(m.ContentStructure.Attachments) != len(sub.attachments) {
		return rec, nil, fmt.Errorf("%d attachments uploaded, %d in the metadata", len(sub.attachments), len(m.ContentStructure.Attachments))
	}
	tags["attachments"] = atags
	out, _ := json.Marshal(map[string]any{"authenticationTags": tags})
	return rec, out, nil
}

// tag is a compact JWE's authentication tag, its last part.
func tag(jwe string) string { return jwe[strings.LastIndex(jwe, ".")+1:] }

// wantsReject reports whether data is JSON with true at the pointer.
func wantsReject(data []byte, pointer string) bool {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return false
	}
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		obj, ok := v.(map[string]any)
		if !ok {
			return false
		}
		v = obj[tok]
	}
	return v == true
}
