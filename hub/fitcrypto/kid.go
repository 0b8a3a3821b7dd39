package fitcrypto

import "fmt"

// SETKeyID returns the kid in a SET's protected header, without verifying
// anything: a receiver needs it to fetch the key it then verifies the SET
// with (VerifySET checks the kid again). A header that would let the token
// bring its own key is refused here already.
func SETKeyID(token string) (string, error) {
	h, err := parseHeader(token, 3)
	if err != nil {
		return "", fmt.Errorf("SET: %w", err)
	}
	kid := h.str("kid")
	if kid == "" {
		return "", fmt.Errorf("%w: SET without kid", ErrKey)
	}
	return kid, nil
}
