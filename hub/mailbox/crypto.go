package mailbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// Keyring holds the key-encryption keys (KEKs) for attachments at rest.
// Each attachment content is encrypted with its own random data key
// (AES-256-GCM); the data key is stored wrapped with the active KEK and
// the KEK's id (envelope encryption).
//
// Rotation: add a new key under a new id and make it Active, keeping the
// old ones so existing blobs still open; then run Service.RewrapKeys,
// which re-wraps every data key with the active KEK without touching the
// encrypted contents; once it reports nothing left, drop the old key.
type Keyring struct {
	// Active names the key new data keys are wrapped with.
	Active string
	// Keys are 32-byte AES keys by id.
	Keys map[string][]byte
}

// Validate reports whether the keyring can work.
func (k Keyring) Validate() error {
	if k.Active == "" {
		return errors.New("mailbox keyring: no active key")
	}
	if _, ok := k.Keys[k.Active]; !ok {
		return fmt.Errorf("mailbox keyring: active key %q is missing", k.Active)
	}
	for id, key := range k.Keys {
		if len(key) != 32 {
			return fmt.Errorf("mailbox keyring: key %q has %d bytes, want 32", id, len(key))
		}
	}
	return nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	return cipher.NewGCM(block)
}

// seal encrypts plain with key, prefixing a random nonce; aad binds it to
// its context.
func seal(key, plain, aad []byte) ([]byte, error) {
	g, err := gcm(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, g.NonceSize(), g.NonceSize()+len(plain)+g.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return g.Seal(nonce, nonce, plain, aad), nil
}

// open reverses seal.
func open(key, sealed, aad []byte) ([]byte, error) {
	g, err := gcm(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < g.NonceSize() {
		return nil, errors.New("sealed data too short")
	}
	return g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], aad)
}

// encrypt returns the ciphertext of content under a fresh data key, the
// data key wrapped with the active KEK, and that KEK's id. aad (tenant
// and content hash) ties the ciphertext to its row.
func (k Keyring) encrypt(content, aad []byte) (ciphertext, wrapped []byte, keyID string, err error) {
	dek := make([]byte, 32)
	if _, err := rand.Read(dek); err != nil {
		return nil, nil, "", fmt.Errorf("data key: %w", err)
	}
	if ciphertext, err = seal(dek, content, aad); err != nil {
		return nil, nil, "", err
	}
	if wrapped, err = seal(k.Keys[k.Active], dek, aad); err != nil {
		return nil, nil, "", err
	}
	return ciphertext, wrapped, k.Active, nil
}

// decrypt opens a blob's content.
func (k Keyring) decrypt(ciphertext, wrapped []byte, keyID string, aad []byte) ([]byte, error) {
	dek, err := k.unwrap(wrapped, keyID, aad)
	if err != nil {
		return nil, err
	}
	plain, err := open(dek, ciphertext, aad)
	if err != nil {
		return nil, fmt.Errorf("decrypt attachment: %w", err)
	}
	return plain, nil
}

func (k Keyring) unwrap(wrapped []byte, keyID string, aad []byte) ([]byte, error) {
	kek, ok := k.Keys[keyID]
	if !ok {
		return nil, fmt.Errorf("decrypt attachment: key %q is not configured", keyID)
	}
	dek, err := open(kek, wrapped, aad)
	if err != nil {
		return nil, fmt.Errorf("unwrap data key: %w", err)
	}
	return dek, nil
}

// rewrap wraps a data key again with the active KEK.
func (k Keyring) rewrap(wrapped []byte, keyID string, aad []byte) ([]byte, error) {
	dek, err := k.unwrap(wrapped, keyID, aad)
	if err != nil {
		return nil, err
	}
	return seal(k.Keys[k.Active], dek, aad)
}
