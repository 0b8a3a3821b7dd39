// Package fitcrypto is FIT-Connect's crypto profile: JWE compact
// serialisation with RSA-OAEP-256 and A256GCM for submissions and
// attachments, Security Event Tokens (RFC 8417) signed with PS512 for the
// case event log, and X.509 chains (x5c) of published keys checked against a
// configured trust anchor. Keys are RSA with at least 4096 bits and must
// declare exactly the use FIT-Connect gives them: an encryption key
// key_ops ["wrapKey"] and alg RSA-OAEP-256, a signature key key_ops
// ["verify"] and alg PS512.
//
// Everything else is refused, so a token can never choose its own algorithm
// or key. Errors wrap one of the sentinel errors below, so the FIT-Connect
// surface can answer with FIT-Connect's problem types.
package fitcrypto

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrMalformed: the token or key is not well-formed.
	ErrMalformed = errors.New("fitcrypto: malformed")
	// ErrAlgorithm: an algorithm or header outside FIT-Connect's profile.
	ErrAlgorithm = errors.New("fitcrypto: algorithm or header not allowed")
	// ErrKey: the key does not fit its purpose (type, size, key_ops, alg, kid).
	ErrKey = errors.New("fitcrypto: key not allowed")
	// ErrDecrypt: the JWE does not decrypt with this key (wrong key or altered).
	ErrDecrypt = errors.New("fitcrypto: decryption failed")
	// ErrSignature: the signature does not verify with this key.
	ErrSignature = errors.New("fitcrypto: signature invalid")
	// ErrClaims: a SET claim is missing or wrong (typ, sub, txn, jti, iss).
	ErrClaims = errors.New("fitcrypto: claims invalid")
	// ErrEvent: the SET carries an event FIT-Connect does not define.
	ErrEvent = errors.New("fitcrypto: unknown event")
	// ErrTime: the SET's iat lies outside the allowed window.
	ErrTime = errors.New("fitcrypto: issued-at outside the allowed window")
	// ErrUntrusted: the x5c chain does not lead to the trust anchor or does
	// not match the key.
	ErrUntrusted = errors.New("fitcrypto: certificate chain not trusted")
)
