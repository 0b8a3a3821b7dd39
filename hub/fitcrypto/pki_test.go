package fitcrypto_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/amthub/amthub/hub/fitcrypto"
)

// pki is the test binary's own PKI: root CA → intermediate CA → two leaves
// (one encryption, one signature key), an unrelated key (the "wrong key",
// also the root of an untrusted second CA) and a 2048-bit key that is too
// small. 4096-bit keys are slow, so each is made once per test binary and
// only when first needed: a fuzz worker makes just the two leaf keys.
type pki struct {
	now                         time.Time
	rootKey, interKey, otherKey *rsa.PrivateKey
	encKey, sigKey, smallKey    *rsa.PrivateKey
	root, inter, otherRoot      *x509.Certificate
	encCert, sigCert            *x509.Certificate
	otherCert                   *x509.Certificate // leaf for encKey, issued by otherRoot
	roots                       *x509.CertPool
}

// lazyKey is an RSA key generated on first use.
type lazyKey struct {
	once sync.Once
	bits int
	key  *rsa.PrivateKey
}

func (l *lazyKey) get() *rsa.PrivateKey {
	l.once.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, l.bits)
		if err != nil {
			panic(fmt.Sprintf("generate %d-bit test key: %v", l.bits, err))
		}
		l.key = k
	})
	return l.key
}

var (
	encKey, sigKey              = &lazyKey{bits: 4096}, &lazyKey{bits: 4096}
	rootKey, interKey, otherKey = &lazyKey{bits: 4096}, &lazyKey{bits: 4096}, &lazyKey{bits: 4096}
	smallKey                    = &lazyKey{bits: 2048}
	pkiOnce                     sync.Once
	pkiValue                    pki
)

// testPKI returns the whole PKI, generating the missing keys in parallel.
func testPKI() *pki {
	pkiOnce.Do(func() {
		var wg sync.WaitGroup
		for _, k := range []*lazyKey{encKey, sigKey, rootKey, interKey, otherKey, smallKey} {
			wg.Add(1)
			go func() { defer wg.Done(); k.get() }()
		}
		wg.Wait()
		if err := pkiValue.generate(); err != nil {
			panic(fmt.Sprintf("generate test PKI: %v", err))
		}
	})
	return &pkiValue
}

func (p *pki) generate() error {
	p.rootKey, p.interKey, p.otherKey = rootKey.get(), interKey.get(), otherKey.get()
	p.encKey, p.sigKey, p.smallKey = encKey.get(), sigKey.get(), smallKey.get()
	p.now = time.Now()
	var err error
	if p.root, err = p.issue(1, "Test Root", p.rootKey, nil, nil, x509.KeyUsageCertSign, true); err != nil {
		return err
	}
	if p.otherRoot, err = p.issue(2, "Untrusted Root", p.otherKey, nil, nil, x509.KeyUsageCertSign, true); err != nil {
		return err
	}
	if p.inter, err = p.issue(3, "Test Intermediate", p.interKey, p.root, p.rootKey, x509.KeyUsageCertSign, true); err != nil {
		return err
	}
	if p.encCert, err = p.issue(4, "Destination encryption", p.encKey, p.inter, p.interKey, x509.KeyUsageKeyEncipherment, false); err != nil {
		return err
	}
	if p.sigCert, err = p.issue(5, "Destination signature", p.sigKey, p.inter, p.interKey, x509.KeyUsageDigitalSignature, false); err != nil {
		return err
	}
	if p.otherCert, err = p.issue(6, "Destination encryption (untrusted)", p.encKey, p.otherRoot, p.otherKey, x509.KeyUsageKeyEncipherment, false); err != nil {
		return err
	}
	p.roots = x509.NewCertPool()
	p.roots.AddCert(p.root)
	return nil
}

// issue creates a certificate for key, signed by parent (self-signed if nil).
func (p *pki) issue(serial int64, cn string, key *rsa.PrivateKey, parent *x509.Certificate, parentKey *rsa.PrivateKey, usage x509.KeyUsage, ca bool) (*x509.Certificate, error) {
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             p.now.Add(-time.Hour),
		NotAfter:              p.now.Add(24 * time.Hour),
		KeyUsage:              usage,
		BasicConstraintsValid: true,
		IsCA:                  ca,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, fmt.Errorf("issue %s: %w", cn, err)
	}
	return x509.ParseCertificate(der)
}

// The keys as the package sees them.
func encPrivate() *fitcrypto.PrivateKey {
	return &fitcrypto.PrivateKey{KeyID: "enc-key-1", Purpose: fitcrypto.Encryption, Key: encKey.get()}
}

func sigPrivate() *fitcrypto.PrivateKey {
	return &fitcrypto.PrivateKey{KeyID: "sig-key-1", Purpose: fitcrypto.Signature, Key: sigKey.get()}
}

func encPublic() *fitcrypto.PublicKey {
	k := encPrivate().Public()
	k.Certificates = []*x509.Certificate{testPKI().encCert, testPKI().inter}
	return k
}

func sigPublic() *fitcrypto.PublicKey {
	k := sigPrivate().Public()
	k.Certificates = []*x509.Certificate{testPKI().sigCert, testPKI().inter}
	return k
}
