package pipeline

import (
	"context"
	"encoding/json"
	"time"

	"github.com/amthub/amthub/hub"
)

// Signer signs claims as a Security Event Token (RFC 8417) with a key the
// hub publishes in its JWKS.
type Signer interface {
	SignSET(claims any) (string, error)
}

// EventTypeURI prefixes event types in Security Event Tokens.
const EventTypeURI = "urn:amthub:event:"

// setClaims returns the Security Event Token claims of an event.
func setClaims(issuer string, e *hub.Event) map[string]any {
	sub := e.SubmissionID
	if sub == "" {
		sub = e.CaseID
	}
	var data any = map[string]any{}
	_ = json.Unmarshal(e.Data, &data)
	return map[string]any{
		"iss":    issuer,
		"iat":    time.Now().Unix(),
		"jti":    e.ID,
		"sub":    sub,
		"txn":    e.CaseID,
		"toe":    e.CreatedAt.Unix(),
		"events": map[string]any{EventTypeURI + e.Type: data},
	}
}

// sign gives an unsigned event its token, once: the token is stored and
// never changes afterwards. Events are signed when first read rather than
// when written, which keeps RSA signatures off the submission path.
func (s *Service) sign(ctx context.Context, e *hub.Event) error {
	if e.Token != "" || s.signer == nil {
		return nil
	}
	tok, err := s.signer.SignSET(setClaims(s.issuer, e))
	if err != nil {
		return err
	}
	if err := s.store.SaveEventToken(ctx, e.ID, tok); err != nil {
		return err
	}
	e.Token = tok
	return nil
}

// Events lists a case's timeline for the vendor that owns it, each event
// with its signed token.
func (s *Service) Events(ctx context.Context, p *hub.Principal, caseID string, afterSeq, limit int) ([]hub.Event, error) {
	if !hub.ValidID(caseID) {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "case_not_found", Message: "No such case."}
	}
	events, err := s.store.ListEvents(ctx, p.TenantID, p.ClientID, caseID, afterSeq, limit)
	if err != nil {
		return nil, err
	}
	for i := range events {
		if err := s.sign(ctx, &events[i]); err != nil {
			return nil, err
		}
	}
	return events, nil
}

// EventPayload is an event as vendors receive it, in the API and in
// callbacks (the spec's Event schema).
type EventPayload struct {
	EventID      string          `json:"eventId"`
	CaseID       string          `json:"caseId"`
	Seq          int             `json:"seq"`
	Type         string          `json:"type"`
	Time         time.Time       `json:"time"`
	SubmissionID string          `json:"submissionId,omitempty"`
	Actor        string          `json:"actor"`
	Data         json.RawMessage `json:"data"`
	Token        string          `json:"token,omitempty"`
}

// Payload returns the vendor-facing form of e.
func Payload(e hub.Event) EventPayload {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	return EventPayload{EventID: e.ID, CaseID: e.CaseID, Seq: e.Seq, Type: e.Type, Time: e.CreatedAt.UTC(),
		SubmissionID: e.SubmissionID, Actor: e.Actor, Data: data, Token: e.Token}
}
