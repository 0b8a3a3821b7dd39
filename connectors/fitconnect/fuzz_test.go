package fitconnect

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/fitcrypto"
)

// FuzzUnverifiedIssuer: any token is either refused with a fitcrypto
// sentinel or yields a non-empty issuer; it never panics.
func FuzzUnverifiedIssuer(f *testing.F) {
	f.Add("eyJhbGciOiJQUzUxMiJ9.eyJpc3MiOiJodHRwczovL3N1Ym1pc3Npb24ifQ.AA")
	f.Add("a.b")
	f.Add("..")
	f.Add("x.e30.y")
	f.Fuzz(func(t *testing.T, tok string) {
		iss, err := unverifiedIssuer(tok)
		if err != nil {
			if !errors.Is(err, fitcrypto.ErrMalformed) && !errors.Is(err, fitcrypto.ErrClaims) {
				t.Fatalf("unverifiedIssuer(%q): error without sentinel: %v", tok, err)
			}
			return
		}
		if iss == "" {
			t.Fatalf("unverifiedIssuer(%q) accepted an empty issuer", tok)
		}
	})
}

// FuzzRejectMessage: whatever a reject-submission carries, the applicant
// gets a non-empty reason of bounded length.
func FuzzRejectMessage(f *testing.F) {
	f.Add(`{"problems":[{"title":"Einreichung abgelehnt","detail":"Schema verletzt"}]}`)
	f.Add(`{}`)
	f.Add(`{"problems":"x"}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, payload string) {
		msg := rejectMessage(json.RawMessage(payload))
		if msg == "" || len(msg) > 1000 {
			t.Fatalf("rejectMessage(%q) = %q", payload, msg)
		}
	})
}

// FuzzStatusError: any error answer maps to a hub error; 5xx and 429 are
// always retriable.
func FuzzStatusError(f *testing.F) {
	f.Add(503, `{"type":"x","title":"down"}`)
	f.Add(422, `not json`)
	f.Add(401, ``)
	f.Fuzz(func(t *testing.T, status int, body string) {
		err := statusError("GET /x", status, []byte(body))
		if err == nil {
			t.Fatal("no error")
		}
		if (status >= 500 || status == 429) && hub.ErrorCode(err) != hub.EUNAVAILABLE {
			t.Fatalf("status %d not retriable: %v", status, err)
		}
	})
}
