package sim

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub/fitcrypto"
)

// PEM block types of a keys file.
const (
	pemCertificate = "CERTIFICATE"
	pemPrivateKey  = "PRIVATE KEY"
)

// keyRoles are the roles of the keys in a keys file, in its order.
var keyRoles = []string{"encryption", "signature", "service"}

// MarshalPEM writes the PKI as a keys file: the root certificate, then per
// key its private key (PKCS #8, with role and kid headers) and its
// certificate. It holds private keys: store it readable by the owner only.
func (k *Keys) MarshalPEM() ([]byte, error) {
	out := pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Headers: map[string]string{"role": "root"}, Bytes: k.Root.Raw})
	for i, p := range k.pairs() {
		der, err := x509.MarshalPKCS8PrivateKey(p.key.Key)
		if err != nil {
			return nil, fmt.Errorf("fitconnect sim: marshal %s key: %w", keyRoles[i], err)
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: pemPrivateKey,
			Headers: map[string]string{"role": keyRoles[i], "kid": p.key.KeyID}, Bytes: der})...)
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: pemCertificate,
			Headers: map[string]string{"role": keyRoles[i]}, Bytes: p.crt.Raw})...)
	}
	return out, nil
}

type pair struct {
	key *fitcrypto.PrivateKey
	crt *x509.Certificate
}

func (k *Keys) pairs() []pair {
	return []pair{{k.Encryption, k.EncryptionCrt}, {k.Signature, k.SignatureCrt}, {k.Service, k.ServiceCrt}}
}

// ParseKeys reads a keys file written by MarshalPEM. It refuses a file
// whose keys do not fit FIT-Connect's profile, whose certificates do not
// belong to the keys or the root, or which expire within the week after
// now (make new keys then).
func ParseKeys(data []byte, now time.Time) (*Keys, error) {
	certs := map[string]*x509.Certificate{}
	keys := map[string]*fitcrypto.PrivateKey{}
	for len(data) > 0 {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		role := b.Headers["role"]
		switch b.Type {
		case pemCertificate:
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("fitconnect sim: %s certificate: %w", role, err)
			}
			certs[role] = c
		case pemPrivateKey:
			raw, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("fitconnect sim: %s key: %w", role, err)
			}
			rk, ok := raw.(*rsa.PrivateKey)
			if !ok || rk.N.BitLen() < fitcrypto.MinRSABits || b.Headers["kid"] == "" {
				return nil, fmt.Errorf("fitconnect sim: %s key: want RSA of %d bits with a kid", role, fitcrypto.MinRSABits)
			}
			purpose := fitcrypto.Signature
			if role == "encryption" {
				purpose = fitcrypto.Encryption
			}
			keys[role] = &fitcrypto.PrivateKey{KeyID: b.Headers["kid"], Purpose: purpose, Key: rk}
		}
	}
	k := &Keys{Root: certs["root"], Encryption: keys["encryption"], EncryptionCrt: certs["encryption"],
		Signature: keys["signature"], SignatureCrt: certs["signature"], Service: keys["service"], ServiceCrt: certs["service"]}
	if k.Root == nil {
		return nil, errors.New("fitconnect sim: keys file without root certificate")
	}
	roots := x509.NewCertPool()
	roots.AddCert(k.Root)
	for i, p := range k.pairs() {
		if p.key == nil || p.crt == nil {
			return nil, fmt.Errorf("fitconnect sim: keys file without %s key and certificate", keyRoles[i])
		}
		if err := fitcrypto.VerifyChain(public(p.key, p.crt), roots, now); err != nil {
			return nil, fmt.Errorf("fitconnect sim: %s key: %w", keyRoles[i], err)
		}
		if p.crt.NotAfter.Before(now.Add(7 * 24 * time.Hour)) {
			return nil, fmt.Errorf("fitconnect sim: %s certificate expires %s", keyRoles[i], p.crt.NotAfter.Format(time.DateOnly))
		}
	}
	return k, nil
}
