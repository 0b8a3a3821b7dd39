package oauth

import (
	"encoding/json"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v3"
)

// SignSET signs claims as a Security Event Token (RFC 8417: typ
// secevent+jwt) with the current signing key, verifiable with the JWKS.
func (k *KeyStore) SignSET(claims any) (string, error) {
	k.mu.RLock()
	cur := k.current
	k.mu.RUnlock()
	if cur == nil {
		return "", errors.New("no signing key loaded")
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: signingAlg, Key: cur}, (&jose.SignerOptions{}).WithType("secevent+jwt"))
	if err != nil {
		return "", fmt.Errorf("event signer: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode event claims: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign event: %w", err)
	}
	return jws.CompactSerialize()
}
