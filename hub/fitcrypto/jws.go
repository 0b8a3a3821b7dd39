package fitcrypto

import (
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// SignJWS signs payload with a signature key: compact JWS, PS512, kid of
// the key. FIT-Connect's routing answers carry such a signature over a
// destination's addressing parameters (destinationSignature).
func SignJWS(payload []byte, key *PrivateKey) (string, error) {
	if err := key.check(Signature); err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS512, Key: key.Key},
		(&jose.SignerOptions{}).WithHeader("kid", key.KeyID))
	if err != nil {
		return "", fmt.Errorf("sign JWS: %w", err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign JWS: %w", err)
	}
	return obj.CompactSerialize()
}
