package fitcrypto

import (
	"crypto/x509"
	"fmt"
	"time"
)

// VerifyChain checks a published key's x5c chain against the trust anchor:
// the chain (leaf first, intermediates after it) must lead to one of the
// roots at the given time, the leaf's key must be the JWK's key, and the
// leaf's key usage must fit the purpose (keyEncipherment for encryption,
// digitalSignature for signature keys). Certificates in the chain are
// intermediates only; a root in x5c is not trusted because it is there.
func VerifyChain(k *PublicKey, roots *x509.CertPool, now time.Time) error {
	if err := k.check(k.Purpose); err != nil {
		return err
	}
	if roots == nil {
		return fmt.Errorf("%w: no trust anchor configured", ErrUntrusted)
	}
	if len(k.Certificates) == 0 {
		return fmt.Errorf("%w: key %q has no x5c", ErrUntrusted, k.KeyID)
	}
	leaf := k.Certificates[0]
	if !k.Key.Equal(leaf.PublicKey) {
		return fmt.Errorf("%w: key %q differs from its certificate's key", ErrUntrusted, k.KeyID)
	}
	want := x509.KeyUsageKeyEncipherment
	if k.Purpose == Signature {
		want = x509.KeyUsageDigitalSignature
	}
	if leaf.KeyUsage&want == 0 {
		return fmt.Errorf("%w: certificate of key %q lacks key usage %d for %s", ErrUntrusted, k.KeyID, want, k.Purpose)
	}
	inter := x509.NewCertPool()
	for _, c := range k.Certificates[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return fmt.Errorf("%w: key %q: %v", ErrUntrusted, k.KeyID, err)
	}
	return nil
}
