package hub

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// State is a submission's place in the FIT-Connect lifecycle. Only the
// constants below are states: values read from outside (the database, a
// request) go through ParseState, and Transition refuses anything else.
type State string

// Submission states, as in FIT-Connect.
const (
	StateIncomplete State = "incomplete" // created, attachments may still be uploaded
	StateSubmitted  State = "submitted"  // data complete and accepted by the hub
	StateForwarded  State = "forwarded"  // the broker confirmed the message to the Fachverfahren
	StateAccepted   State = "accepted"   // the Fachverfahren took it
	StateRejected   State = "rejected"   // the Fachverfahren refused it
	StateExpired    State = "expired"    // never submitted within its time
)

// ParseState returns the state named s, or an error for a name that is no
// state.
func ParseState(s string) (State, error) {
	if st := State(s); st.Valid() {
		return st, nil
	}
	return "", fmt.Errorf("%q is not a submission state", s)
}

// Valid reports whether st is one of the states.
func (st State) Valid() bool {
	switch st {
	case StateIncomplete, StateSubmitted, StateForwarded, StateAccepted, StateRejected, StateExpired:
		return true
	}
	return false
}

// String returns the state's name.
func (st State) String() string { return string(st) }

// transition is one legal move of the lifecycle and the event it records.
type transition struct {
	from  []State
	event string
}

// transitionTo is the lifecycle: for each target state, the states it may
// be reached from. Accept and reject may arrive before the forward
// confirmation. Terminal states (accepted, rejected, expired) go nowhere.
func transitionTo(to State) (transition, bool) {
	switch to {
	case StateSubmitted:
		return transition{[]State{StateIncomplete}, EventSubmissionSubmitted}, true
	case StateExpired:
		return transition{[]State{StateIncomplete}, EventSubmissionExpired}, true
	case StateForwarded:
		return transition{[]State{StateSubmitted}, EventSubmissionForwarded}, true
	case StateAccepted:
		return transition{[]State{StateSubmitted, StateForwarded}, EventSubmissionAccepted}, true
	case StateRejected:
		return transition{[]State{StateSubmitted, StateForwarded}, EventSubmissionRejected}, true
	}
	return transition{}, false
}

// CanTransition reports whether a submission may move from one state to
// another.
func CanTransition(from, to State) bool {
	t, ok := transitionTo(to)
	if !ok || !from.Valid() {
		return false
	}
	for _, f := range t.from {
		if f == from {
			return true
		}
	}
	return false
}

// Changes is what the rules decided about a submission beyond its fields:
// the events to append to its case's timeline, whether its message must be
// (re)sent to the destination, and whether its attachments' content may be
// dropped. The store persists them with the submission, in one transaction.
type Changes struct {
	Events          []*Event
	Deliver         bool
	DropAttachments bool
	// Hold are status reports to keep until they can be applied in
	// order; Released are held ones applied or let go of now.
	Hold, Released []StatusReport
}

// Changed reports whether the rules decided anything to persist.
func (c Changes) Changed() bool {
	return len(c.Events) > 0 || len(c.Hold) > 0 || len(c.Released) > 0
}

// Pending returns what the rules decided since the submission was loaded
// and forgets it: the store calls it once, when it persists.
func (s *Submission) Pending() Changes {
	c := s.pending
	s.pending = Changes{}
	return c
}

// Open starts a new submission's lifecycle at now: it gets its ids, is
// incomplete, and records its creation by the vendor.
func (s *Submission) Open(now time.Time) {
	s.ID, s.CaseID, s.State, s.CreatedAt = NewID(), NewID(), StateIncomplete, now
	s.Record(EventSubmissionCreated, s.ClientID, EventData(map[string]any{"destinationId": s.DestinationID,
		"serviceType": s.ServiceType, "announcedAttachments": s.AnnouncedAttachments}))
}

// Transition moves the submission to state to at time at, sets the
// timestamps of the move, and records its event, caused by actor with
// data. Every change of state goes through here; a move the lifecycle
// forbids is an ECONFLICT "illegal_transition".
func (s *Submission) Transition(to State, at time.Time, actor string, data json.RawMessage) error {
	if !CanTransition(s.State, to) {
		return &Error{Code: ECONFLICT, Kind: "illegal_transition",
			Message: fmt.Sprintf("A submission that is %s cannot become %s.", s.State, to)}
	}
	t, _ := transitionTo(to)
	switch to {
	case StateSubmitted:
		s.SubmittedAt = &at
		s.pending.Deliver = true
	case StateForwarded:
		s.ForwardedAt = &at
		s.Deliveries++
	case StateAccepted, StateRejected:
		s.DecidedAt = &at
	case StateExpired:
		s.pending.DropAttachments = true
	}
	s.State = to
	s.Record(t.event, actor, data)
	return nil
}

// Record appends an event that changes no state (a status report, a
// failed mapping) to the submission's pending events.
func (s *Submission) Record(eventType, actor string, data json.RawMessage) {
	s.pending.Events = append(s.pending.Events, &Event{TenantID: s.TenantID, CaseID: s.CaseID, SubmissionID: s.ID,
		Type: eventType, Actor: actor, Data: data})
}

// CheckOpen refuses changes to a submission that is no longer incomplete
// at now: expired (EGONE) or already submitted (ECONFLICT).
func (s *Submission) CheckOpen(now time.Time) error {
	if s.State == StateExpired || s.State == StateIncomplete && !now.Before(s.ExpiresAt) {
		return &Error{Code: EGONE, Kind: "submission_expired", Message: "The submission expired before it was submitted."}
	}
	if s.State != StateIncomplete {
		return &Error{Code: ECONFLICT, Kind: "submission_not_incomplete",
			Message: fmt.Sprintf("The submission is %s and can no longer be changed.", s.State)}
	}
	return nil
}

// CheckOwner reports a submission of another tenant or client as not
// found (404, never 403), as if it did not exist.
func (s *Submission) CheckOwner(tenantID, clientID string) error {
	if s.TenantID != tenantID || s.ClientID != clientID {
		return ErrSubmissionNotFound()
	}
	return nil
}

// ErrSubmissionNotFound is the error for a submission that does not exist
// or is not the caller's.
func ErrSubmissionNotFound() error {
	return &Error{Code: ENOTFOUND, Kind: "submission_not_found", Message: "No such submission."}
}

// CheckAnnounced refuses an attachment the vendor did not announce.
func (s *Submission) CheckAnnounced(attachmentID string) error {
	for _, id := range s.AnnouncedAttachments {
		if id == attachmentID {
			return nil
		}
	}
	return &Error{Code: ENOTFOUND, Kind: "attachment_not_announced", Field: "attachmentId",
		Message: "This attachment was not announced when the submission was created."}
}

// SubmitData is what a submit brings besides the submission.
type SubmitData struct {
	Data        []byte // what the destination receives (after mapping)
	ContentType string
	DataHash    string // hash of the vendor's request, to recognise a retry
	// EncryptedMetadata is a sealed submission's metadata JWE, if any.
	EncryptedMetadata string
	// Pickup: subscribers fetch it; no message is queued for the destination.
	Pickup bool
}

// Submit moves an incomplete submission with all its announced attachments
// to submitted, with the data its destination receives, by the vendor
// actor. The same submit again (same DataHash) changes nothing and
// succeeds; it reports whether the submission changed.
func (s *Submission) Submit(in SubmitData, actor string, now time.Time) (changed bool, err error) {
	if s.State != StateIncomplete && s.DataHash != "" && s.DataHash == in.DataHash {
		return false, nil // the same submit again: already done
	}
	if err := s.CheckOpen(now); err != nil {
		return false, err
	}
	if missing := s.Missing(); len(missing) > 0 {
		return false, &Error{Code: EUNPROCESSABLE, Kind: "attachments_missing", Field: "announcedAttachments",
			Message: "Announced attachments are not uploaded yet: " + strings.Join(missing, ", ")}
	}
	s.Data, s.ContentType, s.DataHash = in.Data, in.ContentType, in.DataHash
	s.EncryptedMetadata, s.Pickup = in.EncryptedMetadata, in.Pickup
	err = s.Transition(StateSubmitted, now, actor,
		EventData(map[string]any{"contentType": in.ContentType, "attachments": len(s.Attachments)}))
	if in.Pickup {
		s.pending.Deliver = false // the destination's subscribers fetch it
	}
	return true, err
}

// PickUp records that a subscriber of the destination fetched a submission
// that waits for pickup: submitted → forwarded, FIT-Connect's meaning of
// forwarded. Fetching it again changes nothing; it reports whether it moved.
// A submission that is not for pickup cannot be picked up.
func (s *Submission) PickUp(actor string, now time.Time) (bool, error) {
	if !s.Pickup {
		return false, ErrSubmissionNotFound()
	}
	if s.State != StateSubmitted {
		return false, nil
	}
	return true, s.Transition(StateForwarded, now, actor, nil)
}

// Forward records the broker's confirmation of the submission's message:
// submitted → forwarded. A submission no longer submitted (a redelivery,
// or the decision came first) is left alone; it reports whether it moved.
func (s *Submission) Forward(now time.Time) bool {
	if s.State != StateSubmitted {
		return false
	}
	return s.Transition(StateForwarded, now, ActorHub, nil) == nil
}

// Decide applies the destination's decision (accepted or rejected), made by
// actor with data. A decision that overtook the broker's confirmation
// forwards the submission first; a late duplicate decision changes
// nothing. It reports whether the submission moved.
func (s *Submission) Decide(to State, actor string, data json.RawMessage, now time.Time) (bool, error) {
	if to != StateAccepted && to != StateRejected {
		return false, Errorf(EINVALID, "%s is not a decision", to)
	}
	if !CanTransition(s.State, to) {
		return false, nil
	}
	s.Forward(now)
	return true, s.Transition(to, now, actor, data)
}

// Expire moves an incomplete submission past its expiry to expired and
// reports whether it did.
func (s *Submission) Expire(now time.Time) bool {
	if s.State != StateIncomplete || now.Before(s.ExpiresAt) {
		return false
	}
	return s.Transition(StateExpired, now, ActorHub, nil) == nil
}

// Redeliver sends a forwarded submission without receipt again, unless it
// was delivered maxDeliveries times already; it reports whether it will.
// Consumers recognise the repeat by the submission id.
func (s *Submission) Redeliver(maxDeliveries int, now time.Time) bool {
	if s.State != StateForwarded || s.Deliveries >= maxDeliveries || s.Pickup {
		return false
	}
	s.Deliveries++
	s.ForwardedAt = &now
	s.pending.Deliver = true
	s.Record(EventSubmissionRedelivered, ActorHub, EventData(map[string]any{"delivery": s.Deliveries}))
	return true
}

// ApplyReply applies a Fachverfahren's reply r at now: a decision moves
// the submission, a status report is applied in the Fachverfahren's order
// (ReportStatus), a mailbox message is recorded on the timeline. A reply
// about another destination's submission is not found.
func (s *Submission) ApplyReply(r Reply, now time.Time) error {
	if s.DestinationID != r.DestinationID {
		return &Error{Code: ENOTFOUND, Kind: "submission_not_found", Message: "reply for an unknown submission"}
	}
	actor := "fachverfahren:" + r.DestinationID
	switch r.Type {
	case ReplyAccept:
		_, err := s.Decide(StateAccepted, actor, EventData(map[string]any{"reference": r.Body.Reference}), now)
		return err
	case ReplyReject:
		_, err := s.Decide(StateRejected, actor, EventData(map[string]any{"reason": r.Body.Reason}), now)
		return err
	case ReplyStatus:
		_, err := s.ReportStatus(StatusOf(r), now)
		return err
	case ReplyMailbox:
		// The message itself, title included, lives in the mailbox under
		// its own retention; the timeline, kept for years, records only
		// that it came (no content, no personal data).
		s.Record(EventMailboxReceived, actor, EventData(map[string]any{}))
	default:
		return Errorf(EINVALID, "unknown reply type %q", r.Type)
	}
	return nil
}

// ActorHub is the actor of events the hub causes itself.
const ActorHub = "hub"
