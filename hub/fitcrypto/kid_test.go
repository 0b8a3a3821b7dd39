package fitcrypto_test

import (
	"errors"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/fitcrypto"
)

// TestSETKeyID reads the kid of a signed SET and refuses tokens whose
// header is broken, has no kid or brings its own key.
func TestSETKeyID(t *testing.T) {
	valid, err := fitcrypto.SignSET(testSET(time.Now()), sigPrivate())
	if err != nil {
		t.Fatal(err)
	}
	kid, err := fitcrypto.SETKeyID(valid)
	if err != nil || kid != sigPrivate().KeyID {
		t.Fatalf("SETKeyID = %q, %v; want %q", kid, err, sigPrivate().KeyID)
	}
	tests := []struct {
		name, token string
		want        error
	}{
		{"TwoParts", "eyJhbGciOiJQUzUxMiJ9.e30", fitcrypto.ErrMalformed},
		{"NotBase64", "!!.e30.AA", fitcrypto.ErrMalformed},
		{"NoKid", "eyJhbGciOiJQUzUxMiJ9.e30.AA", fitcrypto.ErrKey},                                       // {"alg":"PS512"}
		{"EmbeddedKey", "eyJhbGciOiJQUzUxMiIsImtpZCI6ImsiLCJqd2siOnt9fQ.e30.AA", fitcrypto.ErrAlgorithm}, // jwk header
	}
	for _, tt := range tests {
		t.Run("Err"+tt.name, func(t *testing.T) {
			if _, err := fitcrypto.SETKeyID(tt.token); !errors.Is(err, tt.want) {
				t.Fatalf("SETKeyID(%q) = %v, want %v", tt.token, err, tt.want)
			}
		})
	}
}

// FuzzSETKeyID: arbitrary tokens never panic and are refused only with a
// sentinel error.
func FuzzSETKeyID(f *testing.F) {
	f.Add("eyJhbGciOiJQUzUxMiIsImtpZCI6ImsifQ.e30.AA")
	f.Add("")
	f.Add("..")
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := fitcrypto.SETKeyID(s); err != nil && !sentinel(err) {
			t.Fatalf("SETKeyID(%q): error without sentinel: %v", s, err)
		}
	})
}
