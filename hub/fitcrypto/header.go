package fitcrypto

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// header is a compact token's protected header, read before the token is
// handed to go-jose so that a wrong algorithm is reported as such.
type header map[string]json.RawMessage

// parseHeader splits a compact token into its parts (5 for JWE, 3 for JWS)
// and decodes the protected header. Headers that would let a token choose its
// own key (jwk, jku, x5u) or compress its payload (zip) are refused.
func parseHeader(compact string, parts int) (header, error) {
	p := strings.Split(compact, ".")
	if len(p) != parts {
		return nil, fmt.Errorf("%w: %d parts, want %d", ErrMalformed, len(p), parts)
	}
	raw, err := base64.RawURLEncoding.DecodeString(p[0])
	if err != nil {
		return nil, fmt.Errorf("%w: protected header: %v", ErrMalformed, err)
	}
	var h header
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, fmt.Errorf("%w: protected header: %v", ErrMalformed, err)
	}
	for _, name := range []string{"jwk", "jku", "x5u", "zip"} {
		if _, ok := h[name]; ok {
			return nil, fmt.Errorf("%w: header %q", ErrAlgorithm, name)
		}
	}
	return h, nil
}

// str returns a string header member, or "" if absent or not a string.
func (h header) str(name string) string {
	var s string
	if raw, ok := h[name]; ok && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

// want refuses the header unless member name is exactly value.
func (h header) want(name, value string) error {
	if got := h.str(name); got != value {
		return fmt.Errorf("%w: %s %q, want %q", ErrAlgorithm, name, got, value)
	}
	return nil
}

// KeyID returns the kid of a compact JWS (3 parts) or JWE (5 parts) from
// its protected header, unverified: it only chooses the key that then
// verifies or decrypts the token.
func KeyID(compact string) (string, error) {
	parts := strings.Count(compact, ".") + 1
	if parts != 3 && parts != 5 {
		return "", fmt.Errorf("%w: %d parts, want 3 or 5", ErrMalformed, parts)
	}
	h, err := parseHeader(compact, parts)
	if err != nil {
		return "", err
	}
	kid := h.str("kid")
	if kid == "" {
		return "", fmt.Errorf("%w: kid missing", ErrKey)
	}
	return kid, nil
}

// ContentType returns the cty of a compact JWE's protected header (the
// media type of its plaintext), or "" when it has none or is malformed.
func ContentType(compact string) string {
	h, err := parseHeader(compact, 5)
	if err != nil {
		return ""
	}
	return h.str("cty")
}
