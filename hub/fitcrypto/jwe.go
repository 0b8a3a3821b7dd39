package fitcrypto

import (
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// The only JWE algorithms FIT-Connect uses.
var (
	jweKeyAlgs = []jose.KeyAlgorithm{jose.RSA_OAEP_256}
	jweEncs    = []jose.ContentEncryption{jose.A256GCM}
)

// Encrypt seals plaintext for the holder of an encryption key and returns
// the JWE in compact serialisation (RSA-OAEP-256, A256GCM, kid of the key).
// contentType, if not empty, becomes the cty header (FIT-Connect uses it for
// the media type of data and attachments).
func Encrypt(plaintext []byte, to *PublicKey, contentType string) (string, error) {
	if err := to.check(Encryption); err != nil {
		return "", err
	}
	opts := &jose.EncrypterOptions{}
	if contentType != "" {
		opts = opts.WithContentType(jose.ContentType(contentType))
	}
	enc, err := jose.NewEncrypter(jose.A256GCM,
		jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: to.Key, KeyID: to.KeyID}, opts)
	if err != nil {
		return "", fmt.Errorf("encrypt to key %q: %w", to.KeyID, err)
	}
	obj, err := enc.Encrypt(plaintext)
	if err != nil {
		return "", fmt.Errorf("encrypt to key %q: %w", to.KeyID, err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("encrypt to key %q: %w", to.KeyID, err)
	}
	return out, nil
}

// Decrypt opens a compact JWE with the private encryption key. It refuses
// any alg or enc other than RSA-OAEP-256 and A256GCM, a kid other than the
// key's, compression (zip) and embedded keys, before it tries the key.
func Decrypt(compact string, key *PrivateKey) ([]byte, error) {
	if err := key.check(Encryption); err != nil {
		return nil, err
	}
	h, err := parseHeader(compact, 5)
	if err != nil {
		return nil, fmt.Errorf("JWE: %w", err)
	}
	if err := h.want("alg", string(jose.RSA_OAEP_256)); err != nil {
		return nil, fmt.Errorf("JWE: %w", err)
	}
	if err := h.want("enc", string(jose.A256GCM)); err != nil {
		return nil, fmt.Errorf("JWE: %w", err)
	}
	if kid := h.str("kid"); kid != key.KeyID {
		return nil, fmt.Errorf("%w: JWE kid %q, want %q", ErrKey, kid, key.KeyID)
	}
	// go-jose enforces the same algorithms again and refuses "crit".
	obj, err := jose.ParseEncryptedCompact(compact, jweKeyAlgs, jweEncs)
	if err != nil {
		return nil, fmt.Errorf("%w: JWE: %v", ErrMalformed, err)
	}
	if obj.Header.JSONWebKey != nil || obj.Header.KeyID != key.KeyID {
		return nil, fmt.Errorf("%w: JWE header changed between parsers", ErrMalformed)
	}
	plain, err := obj.Decrypt(key.Key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	return plain, nil
}

// CheckJWE checks a compact JWE without decrypting it, as a hub that passes
// sealed content on must: five base64url parts, a protected header with
// alg RSA-OAEP-256, enc A256GCM and the kid of the recipient's current
// encryption key, no embedded or referenced keys, no compression, and parts
// that decode (an encrypted key of the RSA modulus's size is not checked:
// the hub does not know which key size the recipient holds beyond the kid).
func CheckJWE(compact, kid string) error {
	h, err := parseHeader(compact, 5)
	if err != nil {
		return fmt.Errorf("JWE: %w", err)
	}
	if err := h.want("alg", string(jose.RSA_OAEP_256)); err != nil {
		return fmt.Errorf("JWE: %w", err)
	}
	if err := h.want("enc", string(jose.A256GCM)); err != nil {
		return fmt.Errorf("JWE: %w", err)
	}
	if got := h.str("kid"); got != kid {
		return fmt.Errorf("%w: JWE kid %q, want %q", ErrKey, got, kid)
	}
	if _, err := jose.ParseEncryptedCompact(compact, jweKeyAlgs, jweEncs); err != nil {
		return fmt.Errorf("%w: JWE: %v", ErrMalformed, err)
	}
	return nil
}
