package fitconnect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/fitcrypto"
	"github.com/amthub/amthub/hub/sqlstore"
)

// fitEvents maps the case timeline's events to FIT-Connect's event URIs;
// the timeline's other events (status reports, mailbox messages, failed
// mappings, redeliveries) have no FIT-Connect counterpart and are left out
// of the event log.
var fitEvents = map[string]fitcrypto.Event{
	hub.EventSubmissionCreated:   fitcrypto.EventCreateSubmission,
	hub.EventSubmissionSubmitted: fitcrypto.EventSubmitSubmission,
	hub.EventSubmissionForwarded: fitcrypto.EventForwardSubmission,
	hub.EventSubmissionAccepted:  fitcrypto.EventAcceptSubmission,
	hub.EventSubmissionRejected:  fitcrypto.EventRejectSubmission,
	hub.EventSubmissionExpired:   fitcrypto.EventDeleteSubmission,
}

// eventLog: GET /v1/cases/{caseId}/events, for the sender that owns the
// case or the subscriber of its destination: the case's timeline as SETs.
func (s *Server) eventLog(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	c, events, err := s.cases.CaseEvents(r.Context(), p.TenantID, strings.ToLower(chi.URLParam(r, "caseId")), 10000)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if c.ClientID != p.ClientID && maySubscribe(p, c.DestinationID) != nil {
		writeError(w, r, s.log, hub.ErrCaseNotFound("caseId"))
		return
	}
	var mapped []hub.Event
	for _, e := range events {
		if _, ok := fitEvents[e.Type]; ok && e.SubmissionID != "" {
			mapped = append(mapped, e)
		}
	}
	limit, offset := page(r)
	window := mapped[min(offset, len(mapped)):min(offset+limit, len(mapped))]
	tokens, err := s.tokens(r.Context(), window)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(tokens), "offset": offset, "totalCount": len(mapped), "eventLog": tokens})
}

// tokens returns the SETs of events: the one stored for the event (a
// subscriber's own, or one the hub signed before), else one the hub signs
// now and stores.
func (s *Server) tokens(ctx context.Context, events []hub.Event) ([]string, error) {
	out := make([]string, 0, len(events))
	for _, e := range events {
		var tok string
		err := s.db.QueryRowContext(ctx, `SELECT token FROM fitconnect_event_tokens WHERE event_id = $1`, e.ID).Scan(&tok)
		if err == nil {
			out = append(out, tok)
			continue
		}
		if !sqlstore.ErrNoRows(err) {
			return nil, fmt.Errorf("read event token: %w", err)
		}
		if tok, err = s.signEvent(e); err != nil {
			return nil, err
		}
		if err := s.saveToken(ctx, e.TenantID, e.ID, tok); err != nil {
			return nil, err
		}
		out = append(out, tok)
	}
	return out, nil
}

func (s *Server) saveToken(ctx context.Context, tenantID, eventID, token string) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO fitconnect_event_tokens (event_id, tenant_id, token, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING`, eventID, tenantID, token, s.db.Now()); err != nil {
		return fmt.Errorf("store event token: %w", err)
	}
	return nil
}

// signEvent signs a timeline event as FIT-Connect's SET with the hub's key.
func (s *Server) signEvent(e hub.Event) (string, error) {
	jti, err1 := uuid.Parse(e.ID)
	sub, err2 := uuid.Parse(e.SubmissionID)
	txn, err3 := uuid.Parse(e.CaseID)
	if err := errors.Join(err1, err2, err3); err != nil {
		return "", fmt.Errorf("sign event %s: %w", e.ID, err)
	}
	var payload json.RawMessage
	if e.Type == hub.EventSubmissionRejected {
		var d struct {
			Reason *hub.ReplyReason `json:"reason"`
		}
		_ = json.Unmarshal(e.Data, &d)
		if d.Reason != nil {
			payload = hub.EventData(map[string]any{"problems": []map[string]string{{
				"type": ProblemTypeBase + "rejected:" + d.Reason.Code, "title": d.Reason.Message}}})
		}
	}
	return fitcrypto.SignSET(fitcrypto.SET{Issuer: s.cfg.BaseURL, IssuedAt: e.CreatedAt, ID: jti, SubmissionID: sub, CaseID: txn,
		Event: fitEvents[e.Type], Payload: payload}, s.key)
}

// maxSET bounds a posted SET.
const maxSET = 64 << 10

// postEvent: POST /v1/cases/{caseId}/events, a subscriber's accept or
// reject as a SET signed with a signature key registered for the
// destination. The decision is applied to the submission exactly once (the
// SET's jti), and the SET itself becomes the event's entry in the log.
func (s *Server) postEvent(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	caseID := strings.ToLower(chi.URLParam(r, "caseId"))
	c, _, err := s.cases.CaseEvents(r.Context(), p.TenantID, caseID, 0)
	if err == nil {
		err = maySubscribe(p, c.DestinationID)
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSET+1))
	if err != nil || len(body) > maxSET {
		writeError(w, r, s.log, hub.FieldError("body", "the SET is missing or too large"))
		return
	}
	set, err := s.verifySET(r.Context(), p.TenantID, c, strings.TrimSpace(string(body)))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if err := s.decide(r.Context(), c, set); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if err := s.keepSubscriberSET(r.Context(), c, set, strings.TrimSpace(string(body))); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// verifySET checks a subscriber's SET: the kid names a signature key
// registered for the case's destination, the signature and FIT-Connect's
// claims hold, it is about this case, and it is an accept or a reject.
func (s *Server) verifySET(ctx context.Context, tenantID string, c *hub.Case, token string) (*fitcrypto.SET, error) {
	kid, err := fitcrypto.KeyID(token)
	if err != nil {
		return nil, setError(err)
	}
	k, err := findDestinationKey(ctx, s.db, tenantID, c.DestinationID, kid)
	if hub.IsCode(err, hub.ENOTFOUND) || err == nil && k.Purpose != fitcrypto.Signature {
		return nil, &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "invalid-signature",
			Message: fmt.Sprintf("The SET's kid %q is not a signature key registered for the destination.", kid)}
	}
	if err != nil {
		return nil, err
	}
	pub, err := fitcrypto.ParsePublicKey(k.JWK, fitcrypto.Signature)
	if err != nil {
		return nil, err
	}
	set, err := fitcrypto.VerifySET(token, pub, fitcrypto.VerifyOptions{Now: s.now})
	if err != nil {
		return nil, setError(err)
	}
	switch {
	case set.CaseID.String() != c.ID:
		return nil, &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "invalid-claims", Message: "The SET's txn names another case."}
	case set.Event != fitcrypto.EventAcceptSubmission && set.Event != fitcrypto.EventRejectSubmission:
		return nil, &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "event-not-allowed",
			Message: "A subscriber sends accept-submission or reject-submission; the hub records the other events itself."}
	}
	return set, nil
}

// setError turns fitcrypto's refusal of a SET into FIT-Connect's problem.
func setError(err error) error {
	kind, code := "invalid-token", hub.EINVALID
	switch {
	case errors.Is(err, fitcrypto.ErrSignature), errors.Is(err, fitcrypto.ErrKey):
		kind, code = "invalid-signature", hub.EUNPROCESSABLE
	case errors.Is(err, fitcrypto.ErrEvent):
		kind, code = "unknown-event", hub.EUNPROCESSABLE
	case errors.Is(err, fitcrypto.ErrClaims), errors.Is(err, fitcrypto.ErrTime):
		kind, code = "invalid-claims", hub.EUNPROCESSABLE
	case errors.Is(err, fitcrypto.ErrAlgorithm):
		kind, code = "invalid-algorithm", hub.EUNPROCESSABLE
	}
	return &hub.Error{Code: code, Kind: kind, Message: "The Security Event Token was refused.", Err: err}
}

// decide applies the subscriber's decision once per jti.
func (s *Server) decide(ctx context.Context, c *hub.Case, set *fitcrypto.SET) error {
	typ, body := hub.ReplyAccept, hub.ReplyMessage{SubmissionID: set.SubmissionID.String(), CaseID: c.ID}
	if set.Event == fitcrypto.EventRejectSubmission {
		typ = hub.ReplyReject
		var pl struct {
			Problems []struct{ Type, Title, Detail string } `json:"problems"`
		}
		_ = json.Unmarshal(set.Payload, &pl)
		body.Reason = &hub.ReplyReason{Code: "rejected", Message: "rejected by the subscriber"}
		if len(pl.Problems) > 0 {
			body.Reason = &hub.ReplyReason{Code: pl.Problems[0].Type, Message: strings.TrimSpace(pl.Problems[0].Title + " " + pl.Problems[0].Detail)}
		}
	}
	now := s.now()
	_, err := s.cases.UpdateOnce(ctx, "fitconnect-events", set.ID.String(), body.SubmissionID, func(sub *hub.Submission) error {
		if sub.CaseID != c.ID {
			return hub.ErrSubmissionNotFound()
		}
		if sub.State != hub.StateSubmitted && sub.State != hub.StateForwarded {
			return &hub.Error{Code: hub.ECONFLICT, Kind: "invalid-state-transition",
				Message: fmt.Sprintf("The submission is %s and cannot be accepted or rejected.", sub.State)}
		}
		return sub.ApplyReply(hub.Reply{MessageID: set.ID.String(), DestinationID: c.DestinationID, Type: typ, Time: set.IssuedAt,
			Body: body}, now)
	})
	return err
}

// keepSubscriberSET stores the subscriber's SET as the log entry of the
// decision it caused (the case's latest accept or reject event).
func (s *Server) keepSubscriberSET(ctx context.Context, c *hub.Case, set *fitcrypto.SET, token string) error {
	_, events, err := s.cases.CaseEvents(ctx, c.TenantID, c.ID, 10000)
	if err != nil {
		return err
	}
	want := hub.EventSubmissionAccepted
	if set.Event == fitcrypto.EventRejectSubmission {
		want = hub.EventSubmissionRejected
	}
	for i := len(events) - 1; i >= 0; i-- {
		if e := events[i]; e.Type == want && e.SubmissionID == set.SubmissionID.String() {
			return s.saveToken(ctx, c.TenantID, e.ID, token)
		}
	}
	return nil
}
