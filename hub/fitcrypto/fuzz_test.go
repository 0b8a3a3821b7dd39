package fitcrypto_test

import (
	"errors"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/fitcrypto"
)

// sentinel reports whether err wraps one of the package's sentinel errors:
// whatever the input, the parsers may refuse it only in their own terms.
func sentinel(err error) bool {
	for _, s := range []error{fitcrypto.ErrMalformed, fitcrypto.ErrAlgorithm, fitcrypto.ErrKey,
		fitcrypto.ErrDecrypt, fitcrypto.ErrSignature, fitcrypto.ErrClaims, fitcrypto.ErrEvent,
		fitcrypto.ErrTime, fitcrypto.ErrUntrusted} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// FuzzDecrypt feeds arbitrary compact JWEs to Decrypt: it must not panic,
// and must refuse with a sentinel error.
func FuzzDecrypt(f *testing.F) {
	valid, err := fitcrypto.Encrypt([]byte(`{"x":1}`), encPrivate().Public(), "application/json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)-3])
	f.Add("")
	f.Add("....")
	f.Add("eyJhbGciOiJub25lIn0.a.b.c.d")
	f.Add("eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoiZW5jLWtleS0xIiwiemlwIjoiREVGIn0.a.b.c.d")
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := fitcrypto.Decrypt(s, encPrivate()); err != nil && !sentinel(err) {
			t.Fatalf("Decrypt(%q): error without sentinel: %v", s, err)
		}
	})
}

// FuzzVerifySET feeds arbitrary tokens to VerifySET: it must not panic, must
// refuse with a sentinel error, and may only accept a SET with a known event.
func FuzzVerifySET(f *testing.F) {
	now := time.Now()
	opts := fitcrypto.VerifyOptions{Now: func() time.Time { return now }}
	valid, err := fitcrypto.SignSET(testSET(now), sigPrivate())
	if err != nil {
		f.Fatal(err)
	}
	sigPub := sigPrivate().Public()
	f.Add(valid)
	f.Add(valid[:len(valid)-3])
	f.Add("")
	f.Add("..")
	f.Add("eyJhbGciOiJub25lIiwidHlwIjoic2VjZXZlbnQrand0In0.e30.")
	f.Add("eyJhbGciOiJQUzUxMiIsInR5cCI6InNlY2V2ZW50K2p3dCIsImtpZCI6InNpZy1rZXktMSJ9.e30.AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		set, err := fitcrypto.VerifySET(s, sigPub, opts)
		if err != nil {
			if !sentinel(err) {
				t.Fatalf("VerifySET(%q): error without sentinel: %v", s, err)
			}
			return
		}
		if !set.Event.Known() {
			t.Fatalf("VerifySET(%q) accepted unknown event %q", s, set.Event)
		}
	})
}
