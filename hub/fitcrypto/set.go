package fitcrypto

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
)

// Event is a FIT-Connect event URI, the one key of a SET's events claim.
type Event string

// FIT-Connect's events (https://schema.fitko.de/fit-connect/events/…). The
// vendored Submission API document shows only create-submission in its
// example SET; the full list is FIT-Connect's event-log documentation as
// open-source clients carry it (e.g. optiGov/php-fitconnect's
// FitConnectEventState). Check it against FITKO's documentation before the
// surface goes live.
const (
	EventCreateSubmission  Event = "https://schema.fitko.de/fit-connect/events/create-submission"
	EventSubmitSubmission  Event = "https://schema.fitko.de/fit-connect/events/submit-submission"
	EventNotifySubmission  Event = "https://schema.fitko.de/fit-connect/events/notify-submission"
	EventForwardSubmission Event = "https://schema.fitko.de/fit-connect/events/forward-submission"
	EventAcceptSubmission  Event = "https://schema.fitko.de/fit-connect/events/accept-submission"
	EventRejectSubmission  Event = "https://schema.fitko.de/fit-connect/events/reject-submission"
	EventDeleteSubmission  Event = "https://schema.fitko.de/fit-connect/events/delete-submission"
)

// Events lists every event FIT-Connect defines.
func Events() []Event {
	return []Event{EventCreateSubmission, EventSubmitSubmission, EventNotifySubmission,
		EventForwardSubmission, EventAcceptSubmission, EventRejectSubmission, EventDeleteSubmission}
}

// Known reports whether FIT-Connect defines the event.
func (e Event) Known() bool {
	for _, k := range Events() {
		if e == k {
			return true
		}
	}
	return false
}

// SETType is the typ header of a FIT-Connect Security Event Token.
const SETType = "secevent+jwt"

// SETSchema is the $schema claim FIT-Connect puts into SET payloads.
const SETSchema = "https://schema.fitko.de/fit-connect/set-payload/1.0.0/set-payload.schema.json"

// SET is one Security Event Token of a case's event log: one event about
// one submission of one case.
type SET struct {
	Issuer       string
	IssuedAt     time.Time
	ID           uuid.UUID // jti
	SubmissionID uuid.UUID // sub "submission:<uuid>"
	CaseID       uuid.UUID // txn "case:<uuid>"
	Event        Event
	// Payload is the event's object, e.g. {"authenticationTags": …} for
	// submit/accept or {"problems": […]} for reject; nil means {}.
	Payload json.RawMessage
}

// setClaims is the SET payload on the wire.
type setClaims struct {
	Schema string                    `json:"$schema,omitempty"`
	Iss    string                    `json:"iss"`
	Iat    *int64                    `json:"iat"`
	Jti    string                    `json:"jti"`
	Sub    string                    `json:"sub"`
	Txn    string                    `json:"txn"`
	Events map[Event]json.RawMessage `json:"events"`
}

// SignSET signs the SET with a signature key: PS512, typ secevent+jwt, kid
// of the key.
func SignSET(s SET, key *PrivateKey) (string, error) {
	if err := key.check(Signature); err != nil {
		return "", err
	}
	if !s.Event.Known() {
		return "", fmt.Errorf("%w: %q", ErrEvent, s.Event)
	}
	payload := s.Payload
	if payload == nil {
		payload = json.RawMessage("{}")
	}
	iat := s.IssuedAt.Unix()
	claims, err := json.Marshal(setClaims{
		Schema: SETSchema, Iss: s.Issuer, Iat: &iat, Jti: s.ID.String(),
		Sub: "submission:" + s.SubmissionID.String(), Txn: "case:" + s.CaseID.String(),
		Events: map[Event]json.RawMessage{s.Event: payload},
	})
	if err != nil {
		return "", fmt.Errorf("sign SET %s: %w", s.ID, err)
	}
	opts := (&jose.SignerOptions{}).WithType(SETType).WithHeader("kid", key.KeyID)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS512, Key: key.Key}, opts)
	if err != nil {
		return "", fmt.Errorf("sign SET %s: %w", s.ID, err)
	}
	obj, err := signer.Sign(claims)
	if err != nil {
		return "", fmt.Errorf("sign SET %s: %w", s.ID, err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("sign SET %s: %w", s.ID, err)
	}
	return out, nil
}

// VerifyOptions bound the SET's issued-at time.
type VerifyOptions struct {
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// Skew is how far iat may lie in the future (default 1 minute).
	Skew time.Duration
	// MaxAge, if positive, refuses a SET issued longer ago than MaxAge
	// (plus Skew). Zero accepts any age: an event log is history, and a
	// subscriber reads SETs that are months old.
	MaxAge time.Duration
}

// VerifySET verifies a SET with a signature key and returns its claims. It
// refuses any alg but PS512 (so also "none"), a typ other than secevent+jwt,
// a kid other than the key's, embedded keys, a bad signature, an unknown or
// more than one event, malformed sub/txn/jti and an iat outside the window.
func VerifySET(token string, key *PublicKey, opts VerifyOptions) (*SET, error) {
	if err := key.check(Signature); err != nil {
		return nil, err
	}
	h, err := parseHeader(token, 3)
	if err != nil {
		return nil, fmt.Errorf("SET: %w", err)
	}
	if err := h.want("alg", string(jose.PS512)); err != nil {
		return nil, fmt.Errorf("SET: %w", err)
	}
	if got := h.str("typ"); got != SETType {
		return nil, fmt.Errorf("%w: SET typ %q, want %q", ErrClaims, got, SETType)
	}
	if kid := h.str("kid"); kid != key.KeyID {
		return nil, fmt.Errorf("%w: SET kid %q, want %q", ErrKey, kid, key.KeyID)
	}
	obj, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.PS512})
	if err != nil {
		return nil, fmt.Errorf("%w: SET: %v", ErrMalformed, err)
	}
	payload, err := obj.Verify(key.Key)
	if err != nil {
		return nil, fmt.Errorf("%w: SET: %v", ErrSignature, err)
	}
	s, err := parseClaims(payload)
	if err != nil {
		return nil, err
	}
	if err := checkIssuedAt(s.IssuedAt, opts); err != nil {
		return nil, err
	}
	return s, nil
}

// parseClaims checks the verified payload against FIT-Connect's SET profile.
func parseClaims(payload []byte) (*SET, error) {
	var c setClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("%w: SET payload: %v", ErrMalformed, err)
	}
	if c.Iss == "" || c.Iat == nil {
		return nil, fmt.Errorf("%w: iss and iat are required", ErrClaims)
	}
	jti, err := uuid.Parse(c.Jti)
	if err != nil {
		return nil, fmt.Errorf("%w: jti %q is not a UUID", ErrClaims, c.Jti)
	}
	sub, err := prefixedUUID(c.Sub, "submission:")
	if err != nil {
		return nil, fmt.Errorf("%w: sub: %v", ErrClaims, err)
	}
	txn, err := prefixedUUID(c.Txn, "case:")
	if err != nil {
		return nil, fmt.Errorf("%w: txn: %v", ErrClaims, err)
	}
	if len(c.Events) != 1 {
		return nil, fmt.Errorf("%w: %d events, want exactly one", ErrClaims, len(c.Events))
	}
	s := &SET{Issuer: c.Iss, IssuedAt: time.Unix(*c.Iat, 0).UTC(), ID: jti, SubmissionID: sub, CaseID: txn}
	for e, p := range c.Events {
		if !e.Known() {
			return nil, fmt.Errorf("%w: %q", ErrEvent, e)
		}
		s.Event, s.Payload = e, p
	}
	return s, nil
}

func prefixedUUID(v, prefix string) (uuid.UUID, error) {
	rest, ok := strings.CutPrefix(v, prefix)
	if !ok {
		return uuid.Nil, fmt.Errorf("%q does not start with %q", v, prefix)
	}
	id, err := uuid.Parse(rest)
	if err != nil {
		return uuid.Nil, fmt.Errorf("%q: %v", v, err)
	}
	return id, nil
}

func checkIssuedAt(iat time.Time, o VerifyOptions) error {
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	skew := o.Skew
	if skew <= 0 {
		skew = time.Minute
	}
	if iat.After(now.Add(skew)) {
		return fmt.Errorf("%w: iat %s is in the future (now %s)", ErrTime, iat, now.UTC())
	}
	if o.MaxAge > 0 && iat.Before(now.Add(-o.MaxAge-skew)) {
		return fmt.Errorf("%w: iat %s is older than %s", ErrTime, iat, o.MaxAge)
	}
	return nil
}
