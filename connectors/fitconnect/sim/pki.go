package sim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/fitcrypto"
)

// Keys is the simulator's own test PKI: a root certificate (the trust
// anchor a sender configures) and three 4096-bit keys with certificates
// under it: the destination's encryption key, the destination's signature
// key (its subscriber signs accept and reject) and the Submission API's own
// signature key (it signs create and submit). 4096-bit keys take seconds to
// make: make Keys once and share it between simulators.
type Keys struct {
	Root          *x509.Certificate
	Encryption    *fitcrypto.PrivateKey
	EncryptionCrt *x509.Certificate
	Signature     *fitcrypto.PrivateKey // the destination's
	SignatureCrt  *x509.Certificate
	Service       *fitcrypto.PrivateKey // the Submission API's
	ServiceCrt    *x509.Certificate
}

// NewKeys makes a fresh PKI, valid from an hour ago for a year.
func NewKeys() (*Keys, error) {
	// The root signs certificates only; fitcrypto's 4096-bit rule is for
	// the keys that encrypt and sign SETs, so a smaller root saves time.
	bits := []int{2048, fitcrypto.MinRSABits, fitcrypto.MinRSABits, fitcrypto.MinRSABits}
	keys := make([]*rsa.PrivateKey, len(bits))
	errs := make([]error, len(bits))
	var wg sync.WaitGroup
	for i, b := range bits {
		wg.Go(func() { keys[i], errs[i] = rsa.GenerateKey(rand.Reader, b) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("fitconnect sim: generate key: %w", err)
		}
	}
	now := time.Now()
	k := &Keys{
		Encryption: &fitcrypto.PrivateKey{KeyID: hub.NewID(), Purpose: fitcrypto.Encryption, Key: keys[1]},
		Signature:  &fitcrypto.PrivateKey{KeyID: hub.NewID(), Purpose: fitcrypto.Signature, Key: keys[2]},
		Service:    &fitcrypto.PrivateKey{KeyID: hub.NewID(), Purpose: fitcrypto.Signature, Key: keys[3]},
	}
	var err error
	if k.Root, err = issue(now, 1, "FIT-Connect simulator root", keys[0], nil, nil, x509.KeyUsageCertSign, true); err != nil {
		return nil, err
	}
	if k.EncryptionCrt, err = issue(now, 2, "Simulated destination (encryption)", keys[1], k.Root, keys[0], x509.KeyUsageKeyEncipherment, false); err != nil {
		return nil, err
	}
	if k.SignatureCrt, err = issue(now, 3, "Simulated destination (signature)", keys[2], k.Root, keys[0], x509.KeyUsageDigitalSignature, false); err != nil {
		return nil, err
	}
	if k.ServiceCrt, err = issue(now, 4, "Simulated Submission API (signature)", keys[3], k.Root, keys[0], x509.KeyUsageDigitalSignature, false); err != nil {
		return nil, err
	}
	return k, nil
}

// TrustAnchorPEM returns the root certificate in PEM, as a sender
// configures it.
func (k *Keys) TrustAnchorPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Root.Raw})
}

// public returns a key's public half with its x5c chain (leaf only: the
// root is the anchor, never part of the chain).
func public(k *fitcrypto.PrivateKey, crt *x509.Certificate) *fitcrypto.PublicKey {
	p := k.Public()
	p.Certificates = []*x509.Certificate{crt}
	return p
}

func issue(now time.Time, serial int64, cn string, key *rsa.PrivateKey, parent *x509.Certificate, parentKey *rsa.PrivateKey,
	usage x509.KeyUsage, ca bool) (*x509.Certificate, error) {
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"amthub FIT-Connect simulator"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              usage,
		BasicConstraintsValid: true,
		IsCA:                  ca,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, fmt.Errorf("fitconnect sim: issue %s: %w", cn, err)
	}
	return x509.ParseCertificate(der)
}
