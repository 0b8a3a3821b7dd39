package fachverfahren

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/amthub/amthub/hub/fitcrypto"
)

// ErrSealed marks a sealed submission the Fachverfahren could not open
// with its key: encrypted for another key, or altered on the way. The hub
// cannot tell (it never decrypts); the Fachverfahren rejects it.
var ErrSealed = errors.New("fachverfahren: sealed submission does not decrypt")

// MediaTypeSealed is the content type of a sealed submission's data and
// attachments: a JWE in compact serialisation.
const MediaTypeSealed = "application/jose"

// open decrypts a sealed submission in place with the Fachverfahren's
// key (Config.DecryptionKey): data, FIT-Connect's metadata document and
// attachments. Afterwards ContentType and each attachment's MimeType are
// the plaintexts' media types (the JWE's cty), and Metadata holds the
// decrypted metadata. A part that does not decrypt leaves the submission
// sealed and returns an error wrapping ErrSealed, for the handler to
// reject (SealError).
func (s *Submission) open(key *fitcrypto.PrivateKey) error {
	var jwe string
	if err := json.Unmarshal(s.Data, &jwe); err != nil {
		return fmt.Errorf("%w: data is not a JWE string", ErrSealed)
	}
	var data, meta []byte
	var err error
	if jwe != "" {
		if data, err = fitcrypto.Decrypt(jwe, key); err != nil {
			return fmt.Errorf("%w: data: %v", ErrSealed, err)
		}
	}
	if s.EncryptedMetadata != "" {
		if meta, err = fitcrypto.Decrypt(s.EncryptedMetadata, key); err != nil {
			return fmt.Errorf("%w: metadata: %v", ErrSealed, err)
		}
	}
	atts := make([][]byte, len(s.Attachments))
	for i, a := range s.Attachments {
		if a.MimeType != MediaTypeSealed {
			continue
		}
		if atts[i], err = fitcrypto.Decrypt(string(a.Content), key); err != nil {
			return fmt.Errorf("%w: attachment %s: %v", ErrSealed, a.AttachmentID, err)
		}
	}
	ct := fitcrypto.ContentType(jwe)
	if ct == "" {
		ct = "application/json"
	}
	switch {
	case jwe == "":
		s.Data = nil
	case ct == "application/json" && json.Valid(data):
		s.Data = data
	default:
		s.Data, _ = json.Marshal(string(data))
	}
	s.ContentType, s.Metadata = ct, meta
	for i, a := range s.Attachments {
		if atts[i] != nil {
			s.Attachments[i].MimeType = fitcrypto.ContentType(string(a.Content))
			s.Attachments[i].Content, s.Attachments[i].Size = atts[i], int64(len(atts[i]))
		}
	}
	return nil
}
