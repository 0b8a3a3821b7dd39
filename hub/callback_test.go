package hub_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
)

func TestVerifyCallback(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Unix(1_800_000_000, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	body := []byte(`{"type":"submission.accepted"}`)
	sig := hub.SignCallback(secret, ts, body)
	tests := []struct {
		name    string
		ts, sig string
		body    []byte
		secret  []byte
		at      time.Time
		want    error
	}{
		{"OK", ts, sig, body, secret, now, nil},
		{"OKFourMinutesLater", ts, sig, body, secret, now.Add(4 * time.Minute), nil},
		{"ErrStale", ts, sig, body, secret, now.Add(6 * time.Minute), hub.ErrCallbackStale},
		{"ErrFromTheFuture", ts, sig, body, secret, now.Add(-6 * time.Minute), hub.ErrCallbackStale},
		{"ErrMalformedTimestamp", "yesterday", sig, body, secret, now, hub.ErrCallbackStale},
		{"ErrBodyChanged", ts, sig, []byte(`{"type":"submission.rejected"}`), secret, now, hub.ErrCallbackSignature},
		{"ErrWrongSecret", ts, sig, body, []byte("another secret"), now, hub.ErrCallbackSignature},
		{"ErrTimestampChanged", strconv.FormatInt(now.Unix()+1, 10), sig, body, secret, now, hub.ErrCallbackSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := hub.VerifyCallback(tc.secret, tc.ts, tc.sig, tc.body, tc.at); !errors.Is(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
