package fitcrypto_test

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/amthub/amthub/hub/fitcrypto"
)

func testSET(at time.Time) fitcrypto.SET {
	return fitcrypto.SET{
		Issuer:       "https://fitconnect.amthub.example",
		IssuedAt:     at,
		ID:           uuid.New(),
		SubmissionID: uuid.New(),
		CaseID:       uuid.New(),
		Event:        fitcrypto.EventAcceptSubmission,
		Payload:      json.RawMessage(`{"authenticationTags":{"metadata":"abc","data":"def"}}`),
	}
}

// signRaw builds a JWS by hand, so tests can forge headers the package would
// never write. alg "PS512" signs with key, "HS512" with hmacKey, "none" not.
func signRaw(t *testing.T, hdr map[string]any, claims any, key *rsa.PrivateKey, hmacKey []byte) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(hdr) + "." + enc(claims)
	var sig []byte
	switch hdr["alg"] {
	case "PS512":
		sum := sha512.Sum512([]byte(input))
		var err error
		sig, err = rsa.SignPSS(rand.Reader, key, crypto.SHA512, sum[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		if err != nil {
			t.Fatal(err)
		}
	case "HS512":
		m := hmac.New(sha512.New, hmacKey)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func claimsOf(s fitcrypto.SET) map[string]any {
	return map[string]any{
		"$schema": fitcrypto.SETSchema, "iss": s.Issuer, "iat": s.IssuedAt.Unix(), "jti": s.ID.String(),
		"sub": "submission:" + s.SubmissionID.String(), "txn": "case:" + s.CaseID.String(),
		"events": map[string]any{string(s.Event): map[string]any{}},
	}
}

func TestSET(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	opts := fitcrypto.VerifyOptions{Now: func() time.Time { return now }, Skew: time.Minute}
	want := testSET(now)
	token, err := fitcrypto.SignSET(want, sigPrivate())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		got, err := fitcrypto.VerifySET(token, sigPublic(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if got.Event != want.Event || got.ID != want.ID || got.SubmissionID != want.SubmissionID ||
			got.CaseID != want.CaseID || got.Issuer != want.Issuer || !got.IssuedAt.Equal(want.IssuedAt) {
			t.Fatalf("SET = %+v, want %+v", got, want)
		}
		if string(got.Payload) != string(want.Payload) {
			t.Fatalf("payload = %s, want %s", got.Payload, want.Payload)
		}
	})
	t.Run("OKEveryEvent", func(t *testing.T) {
		for _, e := range fitcrypto.Events() {
			s := testSET(now)
			s.Event, s.Payload = e, nil
			tok, err := fitcrypto.SignSET(s, sigPrivate())
			if err != nil {
				t.Fatal(err)
			}
			got, err := fitcrypto.VerifySET(tok, sigPublic(), opts)
			if err != nil {
				t.Fatalf("%s: %v", e, err)
			}
			if got.Event != e || string(got.Payload) != "{}" {
				t.Fatalf("%s: got %s %s", e, got.Event, got.Payload)
			}
		}
	})

	sigHeader := map[string]any{"alg": "PS512", "typ": "secevent+jwt", "kid": "sig-key-1"}
	with := func(k string, v any) map[string]any {
		h := map[string]any{}
		for k2, v2 := range sigHeader {
			h[k2] = v2
		}
		if v == nil {
			delete(h, k)
		} else {
			h[k] = v
		}
		return h
	}
	claims := claimsOf(want)
	claimsWith := func(k string, v any) map[string]any {
		c := claimsOf(want)
		c[k] = v
		return c
	}
	pubJWK, err := json.Marshal(sigPublic())
	if err != nil {
		t.Fatal(err)
	}
	var embedded map[string]any
	if err := json.Unmarshal(pubJWK, &embedded); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"ErrBadSignature", signRaw(t, sigHeader, claims, testPKI().otherKey, nil), fitcrypto.ErrSignature},
		{"ErrAlteredPayload", alterPayload(t, token), fitcrypto.ErrSignature},
		{"ErrUnknownEvent", signRaw(t, sigHeader, claimsWith("events", map[string]any{"https://schema.fitko.de/fit-connect/events/steal-submission": map[string]any{}}), testPKI().sigKey, nil), fitcrypto.ErrEvent},
		{"ErrTwoEvents", signRaw(t, sigHeader, claimsWith("events", map[string]any{string(fitcrypto.EventAcceptSubmission): map[string]any{}, string(fitcrypto.EventRejectSubmission): map[string]any{}}), testPKI().sigKey, nil), fitcrypto.ErrClaims},
		{"ErrNoEvent", signRaw(t, sigHeader, claimsWith("events", map[string]any{}), testPKI().sigKey, nil), fitcrypto.ErrClaims},
		{"ErrWrongType", signRaw(t, with("typ", "JWT"), claims, testPKI().sigKey, nil), fitcrypto.ErrClaims},
		{"ErrNoType", signRaw(t, with("typ", nil), claims, testPKI().sigKey, nil), fitcrypto.ErrClaims},
		{"ErrAlgNone", signRaw(t, with("alg", "none"), claims, nil, nil), fitcrypto.ErrAlgorithm},
		{"ErrAlgHS512WithPublicKey", signRaw(t, with("alg", "HS512"), claims, nil, pubJWK), fitcrypto.ErrAlgorithm},
		{"ErrAlgRS512", signRaw(t, with("alg", "RS512"), claims, nil, nil), fitcrypto.ErrAlgorithm},
		{"ErrEmbeddedJWK", signRaw(t, with("jwk", embedded), claims, testPKI().sigKey, nil), fitcrypto.ErrAlgorithm},
		{"ErrJKU", signRaw(t, with("jku", "https://evil.example/jwks"), claims, testPKI().sigKey, nil), fitcrypto.ErrAlgorithm},
		{"ErrWrongKid", signRaw(t, with("kid", "sig-key-2"), claims, testPKI().sigKey, nil), fitcrypto.ErrKey},
		{"ErrSubject", signRaw(t, sigHeader, claimsWith("sub", want.SubmissionID.String()), testPKI().sigKey, nil), fitcrypto.ErrClaims},
		{"ErrTxn", signRaw(t, sigHeader, claimsWith("txn", "case:not-a-uuid"), testPKI().sigKey, nil), fitcrypto.ErrClaims},
		{"ErrJti", signRaw(t, sigHeader, claimsWith("jti", "1"), testPKI().sigKey, nil), fitcrypto.ErrClaims},
		{"ErrNoIssuer", signRaw(t, sigHeader, claimsWith("iss", ""), testPKI().sigKey, nil), fitcrypto.ErrClaims},
		{"ErrFutureIat", signRaw(t, sigHeader, claimsWith("iat", now.Add(2*time.Minute).Unix()), testPKI().sigKey, nil), fitcrypto.ErrTime},
		{"ErrMalformed", "a.b", fitcrypto.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := fitcrypto.VerifySET(tt.token, sigPublic(), opts); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("OKIatWithinSkew", func(t *testing.T) {
		tok := signRaw(t, sigHeader, claimsWith("iat", now.Add(30*time.Second).Unix()), testPKI().sigKey, nil)
		if _, err := fitcrypto.VerifySET(tok, sigPublic(), opts); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrExpired", func(t *testing.T) {
		old := opts
		old.MaxAge = time.Hour
		tok := signRaw(t, sigHeader, claimsWith("iat", now.Add(-2*time.Hour).Unix()), testPKI().sigKey, nil)
		if _, err := fitcrypto.VerifySET(tok, sigPublic(), old); !errors.Is(err, fitcrypto.ErrTime) {
			t.Fatalf("err = %v, want ErrTime", err)
		}
		if _, err := fitcrypto.VerifySET(tok, sigPublic(), opts); err != nil {
			t.Fatalf("without MaxAge an old SET is history, not an error: %v", err)
		}
	})
	t.Run("ErrEncryptionKey", func(t *testing.T) {
		if _, err := fitcrypto.VerifySET(token, encPublic(), opts); !errors.Is(err, fitcrypto.ErrKey) {
			t.Fatalf("err = %v, want ErrKey", err)
		}
		if _, err := fitcrypto.SignSET(want, encPrivate()); !errors.Is(err, fitcrypto.ErrKey) {
			t.Fatalf("SignSET with an encryption key: err = %v, want ErrKey", err)
		}
	})
	t.Run("ErrSignUnknownEvent", func(t *testing.T) {
		s := want
		s.Event = "https://schema.fitko.de/fit-connect/events/steal-submission"
		if _, err := fitcrypto.SignSET(s, sigPrivate()); !errors.Is(err, fitcrypto.ErrEvent) {
			t.Fatalf("err = %v, want ErrEvent", err)
		}
	})
}

// alterPayload changes the submission id in a signed SET's payload.
func alterPayload(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	c["sub"] = "submission:" + uuid.NewString()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}
