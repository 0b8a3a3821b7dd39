package fitcrypto_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/fitconnect/fitcrypto"
)

// pki is the test binary's own PKI, generated once in TestMain because
// 4096-bit RSA keys are slow: root CA → intermediate CA → two leaves (one
// encryption, one signature key), an unrelated key (the "wrong key", also
// the root of an untrusted second CA) and a 2048-bit key that is too small.
type pki struct {
	now                         time.Time
	rootKey, interKey, otherKey *rsa.PrivateKey
	encKey, sigKey, smallKey    *rsa.PrivateKey
	root, inter, otherRoot      *x509.Certificate
	encCert, sigCert            *x509.Certificate
	otherCert                   *x509.Certificate // leaf for encKey, issued by otherRoot
	roots                       *x509.CertPool
}

var testPKI pki

func TestMain(m *testing.M) {
	if err := testPKI.generate(); err != nil {
		fmt.Fprintln(os.Stderr, "generate test PKI:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func (p *pki) generate() error {
	keys := make([]*rsa.PrivateKey, 6)
	errs := make([]error, 6)
	var wg sync.WaitGroup
	for i := range keys {
		bits := 4096
		if i == 5 {
			bits = 2048
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = rsa.GenerateKey(rand.Reader, bits)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	p.rootKey, p.interKey, p.encKey, p.sigKey, p.otherKey, p.smallKey = keys[0], keys[1], keys[2], keys[3], keys[4], keys[5]
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
	return &fitcrypto.PrivateKey{KeyID: "enc-key-1", Purpose: fitcrypto.Encryption, Key: testPKI.encKey}
}

func sigPrivate() *fitcrypto.PrivateKey {
	return &fitcrypto.PrivateKey{KeyID: "sig-key-1", Purpose: fitcrypto.Signature, Key: testPKI.sigKey}
}

func encPublic() *fitcrypto.PublicKey {
	k := encPrivate().Public()
	k.Certificates = []*x509.Certificate{testPKI.encCert, testPKI.inter}
	return k
}

func sigPublic() *fitcrypto.PublicKey {
	k := sigPrivate().Public()
	k.Certificates = []*x509.Certificate{testPKI.sigCert, testPKI.inter}
	return k
}
