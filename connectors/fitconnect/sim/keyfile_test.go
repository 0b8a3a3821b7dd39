package sim_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/fitconnect/fctest"
	"github.com/amthub/amthub/connectors/fitconnect/sim"
)

// TestKeysFile: a PKI written as a keys file reads back the same, and a
// file that is cut, altered or about to expire is refused.
func TestKeysFile(t *testing.T) {
	k := fctest.Keys(t)
	b, err := k.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	got, err := sim.ParseKeys(b, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got.Encryption.KeyID != k.Encryption.KeyID || !got.Signature.Key.Equal(k.Signature.Key) ||
		!got.ServiceCrt.Equal(k.ServiceCrt) || !bytes.Equal(got.TrustAnchorPEM(), k.TrustAnchorPEM()) {
		t.Fatal("keys differ after a round trip")
	}
	cut := b[:bytes.LastIndex(b, []byte("-----BEGIN CERTIFICATE-----"))]
	swapped := bytes.Replace(b, []byte("role: encryption"), []byte("role: x"), 1)
	tests := []struct {
		name string
		file []byte
		now  time.Time
		want string
	}{
		{"Empty", nil, time.Now(), "without root"},
		{"Cut", cut, time.Now(), "without service key"},
		{"RoleChanged", swapped, time.Now(), "without encryption key"},
		{"Expiring", b, time.Now().Add(360 * 24 * time.Hour), "expires"},
	}
	for _, tt := range tests {
		t.Run("Err"+tt.name, func(t *testing.T) {
			if _, err := sim.ParseKeys(tt.file, tt.now); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to say %q", err, tt.want)
			}
		})
	}
}

// FuzzParseKeys: any file is read or refused without a panic.
func FuzzParseKeys(f *testing.F) {
	b, err := fctest.Keys(f).MarshalPEM()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nrole: encryption\n\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, file []byte) {
		_, _ = sim.ParseKeys(file, time.Now())
	})
}
