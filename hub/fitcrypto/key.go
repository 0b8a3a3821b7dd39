package fitcrypto

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// MinRSABits is the smallest RSA modulus FIT-Connect accepts.
const MinRSABits = 4096

// Purpose is what a FIT-Connect key is for.
type Purpose int

// The two purposes of a FIT-Connect key.
const (
	// Encryption keys wrap content keys: key_ops ["wrapKey"], alg RSA-OAEP-256.
	Encryption Purpose = iota + 1
	// Signature keys verify SETs: key_ops ["verify"], alg PS512.
	Signature
)

// keyOp and alg give the only key_ops entry and alg a purpose allows.
func (p Purpose) keyOp() string {
	if p == Encryption {
		return "wrapKey"
	}
	return "verify"
}

func (p Purpose) alg() string {
	if p == Encryption {
		return string(jose.RSA_OAEP_256)
	}
	return string(jose.PS512)
}

// use is the optional RFC 7517 "use" value that fits the purpose.
func (p Purpose) use() string {
	if p == Encryption {
		return "enc"
	}
	return "sig"
}

func (p Purpose) String() string {
	switch p {
	case Encryption:
		return "encryption"
	case Signature:
		return "signature"
	}
	return fmt.Sprintf("Purpose(%d)", int(p))
}

// PublicKey is a public key as FIT-Connect publishes it: a JWK with key id,
// purpose and, for destinations, an x5c chain.
type PublicKey struct {
	KeyID        string
	Purpose      Purpose
	Key          *rsa.PublicKey
	Certificates []*x509.Certificate // x5c: leaf first; may be empty
}

// PrivateKey is the private half of a FIT-Connect key: it decrypts (purpose
// Encryption) or signs (purpose Signature).
type PrivateKey struct {
	KeyID   string
	Purpose Purpose
	Key     *rsa.PrivateKey
}

// Public returns the public half, without certificates.
func (k *PrivateKey) Public() *PublicKey {
	return &PublicKey{KeyID: k.KeyID, Purpose: k.Purpose, Key: &k.Key.PublicKey}
}

// check refuses a key id, purpose or size outside the profile.
func checkKey(kid string, p Purpose, bits int) error {
	if kid == "" {
		return fmt.Errorf("%w: kid missing", ErrKey)
	}
	if p != Encryption && p != Signature {
		return fmt.Errorf("%w: unknown purpose %v", ErrKey, p)
	}
	if bits < MinRSABits {
		return fmt.Errorf("%w: RSA key has %d bits, want at least %d", ErrKey, bits, MinRSABits)
	}
	return nil
}

func (k *PublicKey) check(want Purpose) error {
	if k == nil || k.Key == nil {
		return fmt.Errorf("%w: no key", ErrKey)
	}
	if k.Purpose != want {
		return fmt.Errorf("%w: %s key %q used for %s", ErrKey, k.Purpose, k.KeyID, want)
	}
	return checkKey(k.KeyID, k.Purpose, k.Key.N.BitLen())
}

func (k *PrivateKey) check(want Purpose) error {
	if k == nil || k.Key == nil {
		return fmt.Errorf("%w: no key", ErrKey)
	}
	if k.Purpose != want {
		return fmt.Errorf("%w: %s key %q used for %s", ErrKey, k.Purpose, k.KeyID, want)
	}
	return checkKey(k.KeyID, k.Purpose, k.Key.N.BitLen())
}

// jwkFields are the JWK members go-jose does not check for us.
type jwkFields struct {
	Kty    string   `json:"kty"`
	KeyOps []string `json:"key_ops"`
	Use    string   `json:"use"`
	Alg    string   `json:"alg"`
	Kid    string   `json:"kid"`
	E      string   `json:"e"`
	D      *string  `json:"d"`
}

// ParsePublicKey parses a JWK and refuses it unless it is a public RSA key
// of at least 4096 bits whose kid is set and whose key_ops, alg and (if
// present) use say exactly the given purpose. If the JWK carries x5c, the
// leaf certificate's key must be the JWK's key; the chain itself is checked
// with VerifyChain.
func ParsePublicKey(data []byte, p Purpose) (*PublicKey, error) {
	var f jwkFields
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%w: JWK: %v", ErrMalformed, err)
	}
	if f.Kty != "RSA" {
		return nil, fmt.Errorf("%w: kty %q, want RSA", ErrKey, f.Kty)
	}
	if f.D != nil {
		return nil, fmt.Errorf("%w: JWK %q carries a private key", ErrKey, f.Kid)
	}
	if len(f.KeyOps) != 1 || f.KeyOps[0] != p.keyOp() {
		return nil, fmt.Errorf("%w: key_ops %q, want [%q] for %s", ErrKey, f.KeyOps, p.keyOp(), p)
	}
	if f.Alg != p.alg() {
		return nil, fmt.Errorf("%w: alg %q, want %q for %s", ErrKey, f.Alg, p.alg(), p)
	}
	if f.Use != "" && f.Use != p.use() {
		return nil, fmt.Errorf("%w: use %q, want %q for %s", ErrKey, f.Use, p.use(), p)
	}
	if f.E != "AQAB" {
		return nil, fmt.Errorf("%w: e %q, want AQAB", ErrKey, f.E)
	}
	var j jose.JSONWebKey
	if err := j.UnmarshalJSON(data); err != nil {
		// go-jose also refuses an x5c whose leaf key differs from the JWK's.
		return nil, fmt.Errorf("%w: JWK: %v", ErrKey, err)
	}
	pub, ok := j.Key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: JWK %q is not an RSA public key", ErrKey, f.Kid)
	}
	k := &PublicKey{KeyID: j.KeyID, Purpose: p, Key: pub, Certificates: j.Certificates}
	if err := k.check(p); err != nil {
		return nil, err
	}
	return k, nil
}

// MarshalJSON writes the key as FIT-Connect publishes it: kty, key_ops, alg,
// kid, n, e and x5c.
func (k *PublicKey) MarshalJSON() ([]byte, error) {
	if err := k.check(k.Purpose); err != nil {
		return nil, err
	}
	j := jose.JSONWebKey{Key: k.Key, KeyID: k.KeyID, Algorithm: k.Purpose.alg(), Certificates: k.Certificates}
	b, err := j.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("marshal JWK %q: %w", k.KeyID, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("marshal JWK %q: %w", k.KeyID, err)
	}
	m["key_ops"] = []string{k.Purpose.keyOp()}
	return json.Marshal(m)
}
