package fitcrypto_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/amthub/amthub/hub/fitcrypto"
)

// withHeader replaces a compact token's protected header.
func withHeader(compact, header string) string {
	parts := strings.SplitN(compact, ".", 2)
	return base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + parts[1]
}

func TestCheckJWE(t *testing.T) {
	jwe, err := fitcrypto.Encrypt([]byte(`{"a":1}`), encPrivate().Public(), "application/json")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(jwe, ".")
	for _, tc := range []struct {
		name, jwe, kid string
		want           error
	}{
		{"OK", jwe, "enc-key-1", nil},
		// An altered ciphertext passes: only the recipient can tell.
		{"OKAlteredCiphertext", strings.Join([]string{parts[0], parts[1], parts[2], "AAAA" + parts[3][4:], parts[4]}, "."), "enc-key-1", nil},
		{"ErrWrongKid", jwe, "enc-key-2", fitcrypto.ErrKey},
		{"ErrFourParts", strings.Join(parts[:4], "."), "enc-key-1", fitcrypto.ErrMalformed},
		{"ErrBrokenBase64", strings.Join([]string{parts[0], parts[1], parts[2], "!!!", parts[4]}, "."), "enc-key-1", fitcrypto.ErrMalformed},
		{"ErrAlg", withHeader(jwe, `{"alg":"RSA1_5","enc":"A256GCM","kid":"enc-key-1"}`), "enc-key-1", fitcrypto.ErrAlgorithm},
		{"ErrEnc", withHeader(jwe, `{"alg":"RSA-OAEP-256","enc":"A128CBC-HS256","kid":"enc-key-1"}`), "enc-key-1", fitcrypto.ErrAlgorithm},
		{"ErrZip", withHeader(jwe, `{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"enc-key-1","zip":"DEF"}`), "enc-key-1", fitcrypto.ErrAlgorithm},
		{"ErrHeaderNotJSON", withHeader(jwe, `nope`), "enc-key-1", fitcrypto.ErrMalformed},
		{"ErrEmpty", "", "enc-key-1", fitcrypto.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := fitcrypto.CheckJWE(tc.jwe, tc.kid)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("CheckJWE = %v, want %v", err, tc.want)
			}
		})
	}
}

// FuzzCheckJWE: whatever the input, CheckJWE refuses only with a sentinel
// error, and what it accepts carries the kid asked for.
func FuzzCheckJWE(f *testing.F) {
	f.Add("")
	f.Add("a.b.c.d.e")
	f.Add("eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoiZW5jLWtleS0xIn0.AAAA.AAAA.AAAA.AAAA")
	f.Add("eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoiZW5jLWtleS0xIiwiemlwIjoiREVGIn0.a.b.c.d")
	f.Fuzz(func(t *testing.T, s string) {
		err := fitcrypto.CheckJWE(s, "enc-key-1")
		if err != nil && !sentinel(err) {
			t.Fatalf("CheckJWE(%q): error without sentinel: %v", s, err)
		}
		if err == nil && strings.Count(s, ".") != 4 {
			t.Fatalf("CheckJWE(%q) accepted a token without five parts", s)
		}
	})
}

func TestKeyID(t *testing.T) {
	jwe, err := fitcrypto.Encrypt([]byte(`{}`), encPrivate().Public(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, token, kid string
		want             error
	}{
		{"JWE", jwe, "enc-key-1", nil},
		{"JWS", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"PS512","kid":"sig-1"}`)) + ".e30.c2ln", "sig-1", nil},
		{"ErrNoKid", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"PS512"}`)) + ".e30.c2ln", "", fitcrypto.ErrKey},
		{"ErrKidNotString", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"PS512","kid":7}`)) + ".e30.c2ln", "", fitcrypto.ErrKey},
		{"ErrParts", "a.b", "", fitcrypto.ErrMalformed},
		{"ErrJWKHeader", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"PS512","kid":"k","jwk":{}}`)) + ".e30.c2ln", "", fitcrypto.ErrAlgorithm},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kid, err := fitcrypto.KeyID(tc.token)
			if kid != tc.kid || tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("KeyID = %q, %v; want %q, %v", kid, err, tc.kid, tc.want)
			}
		})
	}
}

// FuzzKeyID: KeyID never panics and refuses only with a sentinel error.
func FuzzKeyID(f *testing.F) {
	f.Add("")
	f.Add("eyJhbGciOiJQUzUxMiIsImtpZCI6InNpZy0xIn0.e30.c2ln")
	f.Add("a.b.c.d.e")
	f.Fuzz(func(t *testing.T, s string) {
		if kid, err := fitcrypto.KeyID(s); err != nil && !sentinel(err) || err == nil && kid == "" {
			t.Fatalf("KeyID(%q) = %q, %v", s, kid, err)
		}
	})
}
