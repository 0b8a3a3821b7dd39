package pipeline

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/amthub/amthub/hub"
)

// FIT-Connect's callback types (Submission API, CallbackNewEvents and
// CallbackNewSubmissions).
const (
	FITConnectNewEvents      = "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-events"
	FITConnectNewSubmissions = "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-submissions"
)

// Callback flavours: amthub's own payload, or FIT-Connect's.
const (
	flavourAmthub     = "amthub"
	flavourFITConnect = "fitconnect"
)

// fitConnectDestinationOwner is the client_id of the callbacks row that
// holds a destination's FIT-Connect callback.
const fitConnectDestinationOwner = "fitconnect:destination:"

// PutFITConnectCallback registers a FIT-Connect callback with the secret
// its owner chose: the sender p's (destinationID "": it learns of accept
// and reject events of its cases) or, with a destinationID, the callback
// of that destination's subscribers (it learns of submissions ready for
// pickup). Delivery is the dispatcher's, with FIT-Connect's payloads; the
// headers are the same as amthub's.
func (s *Service) PutFITConnectCallback(ctx context.Context, p *hub.Principal, destinationID, rawURL, secret string) error {
	if err := s.checkCallbackURL(rawURL); err != nil {
		return err
	}
	if len(secret) < 32 || len(secret) > 512 {
		return hub.FieldError("callback.secret", "must be 32 to 512 characters")
	}
	owner := p.ClientID
	if destinationID != "" {
		owner = fitConnectDestinationOwner + destinationID
	}
	cb := &Callback{TenantID: p.TenantID, ClientID: owner, URL: rawURL, Flavour: flavourFITConnect,
		SealedSecret: s.sealer.seal([]byte(secret), callbackAAD(p.TenantID, owner))}
	return s.store.PutCallback(ctx, cb)
}

// fitConnectSubmission is FIT-Connect's SubmissionForPickup and
// SubmissionForNewEvents.
type fitConnectSubmission struct {
	DestinationID string `json:"destinationId"`
	SubmissionID  string `json:"submissionId"`
	CaseID        string `json:"caseId"`
}

// fitConnectPayload is the body of a FIT-Connect callback for the event:
// new-submissions for a submitted one, new-events otherwise.
func fitConnectPayload(del Delivery) ([]byte, error) {
	typ := FITConnectNewEvents
	if del.Event.Type == hub.EventSubmissionSubmitted {
		typ = FITConnectNewSubmissions
	}
	body, err := json.Marshal(struct {
		Type          string                 `json:"type"`
		SubmissionIDs []string               `json:"submissionIds"`
		Submissions   []fitConnectSubmission `json:"submissions"`
	}{typ, []string{del.Event.SubmissionID},
		[]fitConnectSubmission{{DestinationID: del.DestinationID, SubmissionID: del.Event.SubmissionID, CaseID: del.Event.CaseID}}})
	if err != nil {
		return nil, fmt.Errorf("fitconnect callback: %w", err)
	}
	return body, nil
}

// callbackRecipients is the join condition of queueCallbacks: the case
// owner's amthub callback for every event, its FIT-Connect callback for
// accept and reject, and the destination's FIT-Connect callback for
// submitted (so one event never matches two rows: delivery ids stay unique).
const callbackRecipients = `cb.tenant_id = c.tenant_id AND (
	(cb.client_id = c.client_id AND (cb.flavour = '` + flavourAmthub + `'
		OR v.column4 IN ('` + hub.EventSubmissionAccepted + `', '` + hub.EventSubmissionRejected + `')))
	OR (cb.flavour = '` + flavourFITConnect + `' AND cb.client_id = '` + fitConnectDestinationOwner + `' || c.destination_id
		AND v.column4 = '` + hub.EventSubmissionSubmitted + `'))`
