package fitconnect

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/amthub/amthub/connectors/fachverfahren"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/fitcrypto"
)

// submit uploads the attachments and submits. If FIT-Connect refuses
// because the submission was submitted already (a crash after the submit,
// before its record), the event log says so and the step counts as done.
func (c *Connector) submit(ctx context.Context, it *item, m *hub.SubmissionMessage, key *fitcrypto.PublicKey) error {
	err := func() error {
		for _, att := range m.Attachments {
			if err := c.api.Upload(ctx, it.FITSubmissionID, att, key); err != nil {
				return err
			}
		}
		return c.api.Submit(ctx, it.FITSubmissionID, m, key)
	}()
	if !hub.IsCode(err, hub.EUNPROCESSABLE) {
		return err
	}
	sets, lerr := c.verifiedEvents(ctx, it, 0) // the SETs before a bad one count
	for _, s := range sets {
		if s.Event == fitcrypto.EventSubmitSubmission && strings.EqualFold(s.SubmissionID.String(), it.FITSubmissionID) {
			return nil
		}
	}
	if lerr != nil {
		return fmt.Errorf("%w (and reading the event log: %v)", err, lerr)
	}
	return err
}

// verifiedEvents reads the case's event log from offset on and verifies
// each SET: signature (key of its issuer, chain checked), FIT-Connect's
// claims, and that it is about this submission and case.
func (c *Connector) verifiedEvents(ctx context.Context, it *item, offset int) ([]*fitcrypto.SET, error) {
	tokens, err := c.api.Events(ctx, it.FITCaseID, offset)
	if err != nil {
		return nil, err
	}
	out := make([]*fitcrypto.SET, 0, len(tokens))
	for i, tok := range tokens {
		s, err := c.verify(ctx, tok)
		if err != nil {
			c.metrics.badEvents.Inc()
			return out, fmt.Errorf("fitconnect: event %d of case %s: %w", offset+i, it.FITCaseID, err)
		}
		if !strings.EqualFold(s.CaseID.String(), it.FITCaseID) {
			return out, fmt.Errorf("fitconnect: event %d of case %s is about case %s: %w", offset+i, it.FITCaseID, s.CaseID, fitcrypto.ErrClaims)
		}
		out = append(out, s)
	}
	return out, nil
}

// verify checks one SET with the key its issuer publishes.
func (c *Connector) verify(ctx context.Context, tok string) (*fitcrypto.SET, error) {
	kid, err := fitcrypto.SETKeyID(tok)
	if err != nil {
		return nil, err
	}
	iss, err := unverifiedIssuer(tok)
	if err != nil {
		return nil, err
	}
	key, err := c.api.SignatureKey(ctx, iss, kid)
	if err != nil {
		return nil, err
	}
	s, err := fitcrypto.VerifySET(tok, key, fitcrypto.VerifyOptions{Now: c.cfg.Now})
	if err != nil {
		return nil, err
	}
	if s.Issuer != iss {
		return nil, fmt.Errorf("%w: issuer changed between reads", fitcrypto.ErrClaims)
	}
	return s, nil
}

// mirror reads new events of a submitted case and answers the hub for
// accept and reject; other events are read and passed over. A SET that
// does not verify stops the mirror there (retried later): a forged
// decision must never reach the timeline, and a true one must not be
// skipped.
func (c *Connector) mirror(ctx context.Context, it *item) error {
	sets, err := c.verifiedEvents(ctx, it, it.EventsMirrored)
	for _, s := range sets {
		if !strings.EqualFold(s.SubmissionID.String(), it.FITSubmissionID) {
			it.EventsMirrored++ // another submission of the case
			continue
		}
		switch s.Event {
		case fitcrypto.EventAcceptSubmission, fitcrypto.EventRejectSubmission:
			if rerr := c.reply(ctx, it, s); rerr != nil {
				return rerr
			}
			it.State = stateAccepted
			if s.Event == fitcrypto.EventRejectSubmission {
				it.State = stateRejected
			}
		}
		it.EventsMirrored++
		c.metrics.events.WithLabelValues(eventName(s.Event)).Inc()
	}
	return err
}

// reply tells the hub FIT-Connect's decision. Its id is derived from the
// SET's jti, so sending it again after a crash is applied once.
func (c *Connector) reply(ctx context.Context, it *item, s *fitcrypto.SET) error {
	sub := &fachverfahren.Submission{Tenant: it.TenantID, TraceParent: it.TraceParent,
		SubmissionMessage: hub.SubmissionMessage{SubmissionID: it.SubmissionID, CaseID: it.CaseID}}
	var r fachverfahren.Reply
	if s.Event == fitcrypto.EventAcceptSubmission {
		r = c.fv.NewAccept(sub, "FIT-Connect "+it.FITSubmissionID)
	} else {
		r = c.fv.NewReject(sub, "fitconnect_rejected", rejectMessage(s.Payload))
	}
	r.ID = uuid.NewSHA1(replyNamespace, []byte(s.ID.String())).String()
	r.Time = s.IssuedAt
	return c.fv.Send(ctx, r)
}

// refuse rejects a submission FIT-Connect can never take, with a reply id
// derived from the submission, so that sending it again is applied once.
func (c *Connector) refuse(ctx context.Context, it *item, why error) error {
	sub := &fachverfahren.Submission{Tenant: it.TenantID, TraceParent: it.TraceParent,
		SubmissionMessage: hub.SubmissionMessage{SubmissionID: it.SubmissionID, CaseID: it.CaseID}}
	r := c.fv.NewReject(sub, "fitconnect_not_forwardable",
		"Der Antrag kann nicht über FIT-Connect zugestellt werden: verschlüsselte Antragsdaten sind für diesen Zustellpunkt nicht möglich.")
	r.ID = uuid.NewSHA1(replyNamespace, []byte("refused:"+it.SubmissionID)).String()
	if err := c.fv.Send(ctx, r); err != nil {
		return err
	}
	c.logger.Warn("submission cannot go to FIT-Connect; rejected", "submission", it.SubmissionID, "reason", why)
	it.State = stateRejected
	return nil
}

// replyNamespace derives reply ids from SET ids.
var replyNamespace = uuid.MustParse("6f1c3a52-6b2e-4f0e-9c55-2f1f1b7c0a11")

// rejectMessage is the applicant's reason: the problems FIT-Connect's
// reject-submission carries, or a general sentence.
func rejectMessage(payload json.RawMessage) string {
	var p struct {
		Problems []struct{ Title, Detail string } `json:"problems"`
	}
	_ = json.Unmarshal(payload, &p)
	var parts []string
	for _, pr := range p.Problems {
		text := strings.TrimSpace(pr.Title)
		if d := strings.TrimSpace(pr.Detail); d != "" {
			text = strings.TrimSpace(text + ": " + d)
		}
		if text != "" {
			parts = append(parts, text)
		}
	}
	if len(parts) == 0 {
		return "Die Einreichung wurde vom Zustellpunkt abgelehnt."
	}
	return truncate(strings.Join(parts, "; "), 1000)
}

// unverifiedIssuer reads a SET's iss claim to choose the key; VerifySET
// then checks everything, and verify that the issuer stayed the same.
func unverifiedIssuer(tok string) (string, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("%w: SET has %d parts", fitcrypto.ErrMalformed, len(parts))
	}
	raw, err := decodeSegment(parts[1])
	if err != nil {
		return "", fmt.Errorf("%w: SET payload: %v", fitcrypto.ErrMalformed, err)
	}
	var claims struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(raw, &claims); err != nil || claims.Iss == "" {
		return "", fmt.Errorf("%w: SET without iss", fitcrypto.ErrClaims)
	}
	return claims.Iss, nil
}

func eventName(e fitcrypto.Event) string { return string(e)[strings.LastIndex(string(e), "/")+1:] }

func decodeSegment(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
