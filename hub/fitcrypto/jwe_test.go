package fitcrypto_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/amthub/amthub/hub/fitcrypto"
)

func TestEncryptDecrypt(t *testing.T) {
	plain := []byte(`{"data":"Grüße aus der Straße"}`)
	jwe, err := fitcrypto.Encrypt(plain, encPublic(), "application/json")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		got, err := fitcrypto.Decrypt(jwe, encPrivate())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("plaintext = %q, want %q", got, plain)
		}
	})
	t.Run("ErrWrongKey", func(t *testing.T) {
		wrong := &fitcrypto.PrivateKey{KeyID: "enc-key-1", Purpose: fitcrypto.Encryption, Key: testPKI().otherKey}
		if _, err := fitcrypto.Decrypt(jwe, wrong); !errors.Is(err, fitcrypto.ErrDecrypt) {
			t.Fatalf("err = %v, want ErrDecrypt", err)
		}
	})
	t.Run("ErrWrongKeyID", func(t *testing.T) {
		k := encPrivate()
		k.KeyID = "enc-key-2"
		if _, err := fitcrypto.Decrypt(jwe, k); !errors.Is(err, fitcrypto.ErrKey) {
			t.Fatalf("err = %v, want ErrKey", err)
		}
	})
	t.Run("ErrSignatureKey", func(t *testing.T) {
		if _, err := fitcrypto.Decrypt(jwe, sigPrivate()); !errors.Is(err, fitcrypto.ErrKey) {
			t.Fatalf("err = %v, want ErrKey", err)
		}
		if _, err := fitcrypto.Encrypt(plain, sigPublic(), ""); !errors.Is(err, fitcrypto.ErrKey) {
			t.Fatalf("Encrypt to a signature key: err = %v, want ErrKey", err)
		}
	})
	t.Run("ErrSmallKey", func(t *testing.T) {
		small := &fitcrypto.PublicKey{KeyID: "small", Purpose: fitcrypto.Encryption, Key: &testPKI().smallKey.PublicKey}
		if _, err := fitcrypto.Encrypt(plain, small, ""); !errors.Is(err, fitcrypto.ErrKey) {
			t.Fatalf("err = %v, want ErrKey", err)
		}
		priv := &fitcrypto.PrivateKey{KeyID: "enc-key-1", Purpose: fitcrypto.Encryption, Key: testPKI().smallKey}
		if _, err := fitcrypto.Decrypt(jwe, priv); !errors.Is(err, fitcrypto.ErrKey) {
			t.Fatalf("Decrypt with a small key: err = %v, want ErrKey", err)
		}
	})
}

// TestDecryptAltered alters each of the five parts of a compact JWE while
// keeping it well-formed; every alteration must be refused.
func TestDecryptAltered(t *testing.T) {
	jwe, err := fitcrypto.Encrypt([]byte("sealed submission"), encPublic(), "")
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"header", "encrypted key", "iv", "ciphertext", "tag"}
	for i, name := range names {
		t.Run(name, func(t *testing.T) {
			parts := strings.Split(jwe, ".")
			raw, err := base64.RawURLEncoding.DecodeString(parts[i])
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				// A still-valid header with one more member: the AAD changes.
				raw = append(bytes.TrimSuffix(raw, []byte("}")), []byte(`,"x":1}`)...)
			} else {
				raw[len(raw)/2] ^= 0x01
			}
			parts[i] = base64.RawURLEncoding.EncodeToString(raw)
			_, err = fitcrypto.Decrypt(strings.Join(parts, "."), encPrivate())
			if !errors.Is(err, fitcrypto.ErrDecrypt) {
				t.Fatalf("err = %v, want ErrDecrypt", err)
			}
		})
	}
}

// TestDecryptAlgorithmConfusion refuses every JWE outside the profile, even
// when it is otherwise valid for the key.
func TestDecryptAlgorithmConfusion(t *testing.T) {
	pub := &testPKI().encKey.PublicKey
	tests := []struct {
		name string
		alg  jose.KeyAlgorithm
		enc  jose.ContentEncryption
		opts *jose.EncrypterOptions
		want error
	}{
		{"RSA-OAEP", jose.RSA_OAEP, jose.A256GCM, nil, fitcrypto.ErrAlgorithm},
		{"RSA1_5", jose.RSA1_5, jose.A256GCM, nil, fitcrypto.ErrAlgorithm},
		{"A128GCM", jose.RSA_OAEP_256, jose.A128GCM, nil, fitcrypto.ErrAlgorithm},
		{"A256CBC-HS512", jose.RSA_OAEP_256, jose.A256CBC_HS512, nil, fitcrypto.ErrAlgorithm},
		{"zip", jose.RSA_OAEP_256, jose.A256GCM, &jose.EncrypterOptions{Compression: jose.DEFLATE}, fitcrypto.ErrAlgorithm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := jose.NewEncrypter(tt.enc, jose.Recipient{Algorithm: tt.alg, Key: pub, KeyID: "enc-key-1"}, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			obj, err := enc.Encrypt([]byte("x"))
			if err != nil {
				t.Fatal(err)
			}
			s, err := obj.CompactSerialize()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fitcrypto.Decrypt(s, encPrivate()); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("dir", func(t *testing.T) {
		enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.DIRECT, Key: make([]byte, 32)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		obj, err := enc.Encrypt([]byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		s, err := obj.CompactSerialize()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fitcrypto.Decrypt(s, encPrivate()); !errors.Is(err, fitcrypto.ErrAlgorithm) {
			t.Fatalf("err = %v, want ErrAlgorithm", err)
		}
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		for _, s := range []string{"", "a.b.c", "a.b.c.d.e", "!!.b.c.d.e"} {
			if _, err := fitcrypto.Decrypt(s, encPrivate()); !errors.Is(err, fitcrypto.ErrMalformed) {
				t.Errorf("Decrypt(%q): err = %v, want ErrMalformed", s, err)
			}
		}
	})
}
