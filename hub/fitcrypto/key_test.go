package fitcrypto_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/fitcrypto"
)

// jwkMap is a published key as JSON members, for tests that alter one.
func jwkMap(t *testing.T, k *fitcrypto.PublicKey) map[string]any {
	t.Helper()
	b, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParsePublicKey(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, k := range []*fitcrypto.PublicKey{encPublic(), sigPublic()} {
			m := jwkMap(t, k)
			if m["kty"] != "RSA" || m["e"] != "AQAB" || m["kid"] != k.KeyID || len(m["x5c"].([]any)) != 2 {
				t.Fatalf("JWK = %v", m)
			}
			b, _ := json.Marshal(m)
			got, err := fitcrypto.ParsePublicKey(b, k.Purpose)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Key.Equal(k.Key) || got.KeyID != k.KeyID || len(got.Certificates) != 2 {
				t.Fatalf("parsed %+v, want %+v", got, k)
			}
			if err := fitcrypto.VerifyChain(got, testPKI().roots, testPKI().now); err != nil {
				t.Fatalf("chain of parsed key: %v", err)
			}
		}
	})
	tests := []struct {
		name    string
		purpose fitcrypto.Purpose
		alter   func(m map[string]any)
		want    error
	}{
		{"ErrKeyOpsVerifyForEncryption", fitcrypto.Encryption, func(m map[string]any) { m["key_ops"] = []string{"verify"} }, fitcrypto.ErrKey},
		{"ErrKeyOpsTwo", fitcrypto.Encryption, func(m map[string]any) { m["key_ops"] = []string{"wrapKey", "verify"} }, fitcrypto.ErrKey},
		{"ErrKeyOpsMissing", fitcrypto.Encryption, func(m map[string]any) { delete(m, "key_ops") }, fitcrypto.ErrKey},
		{"ErrAlgPS512ForEncryption", fitcrypto.Encryption, func(m map[string]any) { m["alg"] = "PS512" }, fitcrypto.ErrKey},
		{"ErrAlgRSAOAEP", fitcrypto.Encryption, func(m map[string]any) { m["alg"] = "RSA-OAEP" }, fitcrypto.ErrKey},
		{"ErrUseSig", fitcrypto.Encryption, func(m map[string]any) { m["use"] = "sig" }, fitcrypto.ErrKey},
		{"OKUseEnc", fitcrypto.Encryption, func(m map[string]any) { m["use"] = "enc" }, nil},
		{"ErrNoKid", fitcrypto.Encryption, func(m map[string]any) { delete(m, "kid") }, fitcrypto.ErrKey},
		{"ErrKtyEC", fitcrypto.Encryption, func(m map[string]any) { m["kty"] = "EC" }, fitcrypto.ErrKey},
		{"ErrPrivate", fitcrypto.Encryption, func(m map[string]any) { m["d"] = "AQAB" }, fitcrypto.ErrKey},
		{"ErrX5cOfAnotherKey", fitcrypto.Encryption, func(m map[string]any) { m["x5c"] = []any{jwkMap(t, sigPublic())["x5c"].([]any)[0]} }, fitcrypto.ErrKey},
		{"ErrSignatureAsEncryption", fitcrypto.Signature, func(m map[string]any) {}, fitcrypto.ErrKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := jwkMap(t, encPublic())
			tt.alter(m)
			b, _ := json.Marshal(m)
			_, err := fitcrypto.ParsePublicKey(b, tt.purpose)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("ErrSmallKey", func(t *testing.T) {
		small := &fitcrypto.PublicKey{KeyID: "small-key", Purpose: fitcrypto.Encryption, Key: &testPKI().smallKey.PublicKey}
		if _, err := json.Marshal(small); !errors.Is(err, fitcrypto.ErrKey) {
			t.Fatalf("Marshal: err = %v, want ErrKey", err)
		}
		// The published JWK with its modulus swapped for the 2048-bit one.
		m := jwkMap(t, encPublic())
		m["n"] = b64(testPKI().smallKey.N.Bytes())
		delete(m, "x5c")
		b, _ := json.Marshal(m)
		if _, err := fitcrypto.ParsePublicKey(b, fitcrypto.Encryption); !errors.Is(err, fitcrypto.ErrKey) {
			t.Fatalf("err = %v, want ErrKey", err)
		}
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		if _, err := fitcrypto.ParsePublicKey([]byte("{"), fitcrypto.Encryption); !errors.Is(err, fitcrypto.ErrMalformed) {
			t.Fatalf("err = %v, want ErrMalformed", err)
		}
	})
}

func TestVerifyChain(t *testing.T) {
	withCerts := func(k *fitcrypto.PublicKey, certs ...*x509.Certificate) *fitcrypto.PublicKey {
		k.Certificates = certs
		return k
	}
	tests := []struct {
		name  string
		key   *fitcrypto.PublicKey
		roots *x509.CertPool
		now   time.Time
		want  error
	}{
		{"OKEncryption", encPublic(), testPKI().roots, testPKI().now, nil},
		{"OKSignature", sigPublic(), testPKI().roots, testPKI().now, nil},
		{"ErrUntrustedRoot", withCerts(encPublic(), testPKI().otherCert), testPKI().roots, testPKI().now, fitcrypto.ErrUntrusted},
		{"ErrRootInChainIsNotAnchor", withCerts(encPublic(), testPKI().otherCert, testPKI().otherRoot), testPKI().roots, testPKI().now, fitcrypto.ErrUntrusted},
		{"ErrMissingIntermediate", withCerts(encPublic(), testPKI().encCert), testPKI().roots, testPKI().now, fitcrypto.ErrUntrusted},
		{"ErrLeafKeyMismatch", withCerts(encPublic(), testPKI().sigCert, testPKI().inter), testPKI().roots, testPKI().now, fitcrypto.ErrUntrusted},
		{"ErrKeyUsage", withCerts(&fitcrypto.PublicKey{KeyID: "k", Purpose: fitcrypto.Signature, Key: &testPKI().encKey.PublicKey}, testPKI().encCert, testPKI().inter), testPKI().roots, testPKI().now, fitcrypto.ErrUntrusted},
		{"ErrExpired", encPublic(), testPKI().roots, testPKI().now.Add(48 * time.Hour), fitcrypto.ErrUntrusted},
		{"ErrNoX5c", withCerts(encPublic()), testPKI().roots, testPKI().now, fitcrypto.ErrUntrusted},
		{"ErrNoAnchor", encPublic(), nil, testPKI().now, fitcrypto.ErrUntrusted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fitcrypto.VerifyChain(tt.key, tt.roots, tt.now)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
