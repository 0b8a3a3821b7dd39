package pipeline

import (
	"errors"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/fitcrypto"
)

// EncryptionKeyID returns the kid of the destination's current encryption
// key, or an EUNPROCESSABLE encryption_not_supported error when it has none
// (or one outside FIT-Connect's profile).
func EncryptionKeyID(dest *hub.Destination) (string, error) {
	if len(dest.EncryptionKey) == 0 {
		return "", &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "encryption_not_supported", Field: "encryptedData",
			Message: "This destination has no public key; send data instead."}
	}
	key, err := fitcrypto.ParsePublicKey(dest.EncryptionKey, fitcrypto.Encryption)
	if err != nil {
		return "", &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "encryption_not_supported", Field: "encryptedData",
			Message: "This destination's public key is not usable for sealed submissions.", Err: err}
	}
	return key.KeyID, nil
}

// CheckSealedPart checks one sealed part (data, metadata or an attachment)
// without opening it: a compact JWE with RSA-OAEP-256 and A256GCM for the
// destination's current key kid. The hub never decrypts; an altered
// ciphertext passes here and is refused by the recipient.
func CheckSealedPart(field, jwe, kid string) error {
	err := fitcrypto.CheckJWE(jwe, kid)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fitcrypto.ErrKey):
		return &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "encryption_key_mismatch", Field: field,
			Message: "The JWE is not encrypted for the destination's current key (kid).", Err: err}
	case errors.Is(err, fitcrypto.ErrAlgorithm):
		return &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "encryption_algorithm_refused", Field: field,
			Message: "The JWE must use alg RSA-OAEP-256 and enc A256GCM, without compression.", Err: err}
	default:
		e := hub.FieldError(field, "must be a JWE in compact serialisation")
		e.Err = err
		return e
	}
}

// checkSealed checks a sealed submit: the encrypted data and metadata that
// were sent (FIT-Connect makes the data optional) for the destination's
// current key.
func checkSealed(dest *hub.Destination, req SubmitRequest) error {
	kid, err := EncryptionKeyID(dest)
	if err != nil {
		return err
	}
	for _, part := range []struct{ field, jwe string }{
		{"encryptedData", req.EncryptedData}, {"encryptedMetadata", req.EncryptedMetadata},
	} {
		if part.jwe == "" {
			continue
		}
		if err := CheckSealedPart(part.field, part.jwe, kid); err != nil {
			return err
		}
	}
	return nil
}
