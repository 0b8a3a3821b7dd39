package fitconnect_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/amthub/amthub/openapi/fitconnect"
)

func TestVerifyCallback(t *testing.T) {
	secret := []byte("insecure_unsafe_qHScgrg_kP-R31jHUwp3GkVkGJolvBchz65b74Lzue0")
	body := []byte(`{"type":"https://schema.fitko.de/fit-connect/submission-api/callbacks/new-events"}`)
	now := time.Unix(1_800_000_000, 0)
	signed := func(at time.Time) http.Header {
		h := http.Header{}
		fitconnect.SignCallback(h, secret, body, at)
		return h
	}
	for _, tc := range []struct {
		name   string
		header http.Header
		body   []byte
		secret []byte
		want   error
	}{
		{"OK", signed(now), body, secret, nil},
		{"OKFourMinutesOld", signed(now.Add(-4 * time.Minute)), body, secret, nil},
		{"ErrSixMinutesOld", signed(now.Add(-6 * time.Minute)), body, secret, fitconnect.ErrCallbackAge},
		{"ErrFromTheFuture", signed(now.Add(2 * time.Minute)), body, secret, fitconnect.ErrCallbackAge},
		{"ErrNoTimestamp", http.Header{"Callback-Authentication": {"00"}}, body, secret, fitconnect.ErrCallbackAge},
		{"ErrBodyChanged", signed(now), append([]byte(" "), body...), secret, fitconnect.ErrCallbackMAC},
		{"ErrWrongSecret", signed(now), body, []byte("another secret of at least 32 chars!!"), fitconnect.ErrCallbackMAC},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := fitconnect.VerifyCallback(tc.header, tc.secret, tc.body, now); !errors.Is(err, tc.want) {
				t.Fatalf("VerifyCallback = %v, want %v", err, tc.want)
			}
		})
	}
	// The timestamp is part of the MAC: moving it forward breaks it.
	h := signed(now.Add(-6 * time.Minute))
	h.Set(fitconnect.HeaderCallbackTimestamp, strconv.FormatInt(now.Unix(), 10))
	if err := fitconnect.VerifyCallback(h, secret, body, now); !errors.Is(err, fitconnect.ErrCallbackMAC) {
		t.Fatalf("a refreshed timestamp with the old MAC: %v", err)
	}
	// The MAC is HMAC-SHA512 over "timestamp.body", hex: 128 characters.
	if got := fitconnect.CallbackMAC(secret, 1, []byte("x")); len(got) != 128 {
		t.Fatalf("MAC %q has %d characters", got, len(got))
	}
}
