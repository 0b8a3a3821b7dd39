package hub

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Reply is a Fachverfahren's reply as the hub received it.
type Reply struct {
	MessageID     string    // the message and CloudEvents id: the inbox's deduplication key
	DestinationID string    // the sender, from the routing key the broker checked
	Type          string    // ReplyAccept, ReplyReject, ReplyStatus or ReplyMailbox
	Time          time.Time // the Fachverfahren's cloudEvents:time; the arrival when it sent none
	Body          ReplyMessage
}

// StatusReport is a Fachverfahren's processing status of one submission,
// with its place in the Fachverfahren's order.
//
// The order is the sequence number when the Fachverfahren numbers its
// statuses (1, 2, 3 … per submission: ReplyMessage.Sequence), else its
// time. Reports arrive in any order and any number of times (several
// reply consumers, a redelivered submission answered again with new
// message ids); the rules below make the case's current status follow the
// Fachverfahren's order, never step back, and record each status once.
type StatusReport struct {
	MessageID  string // the reply that carried it
	Status     string // one of the Status* values
	Message    string
	Sequence   int       // 1, 2, 3 …; 0 when the Fachverfahren numbers none
	Time       time.Time // when the Fachverfahren set it
	ReceivedAt time.Time // when the hub received it (set by the store when it holds one)
}

// StatusOutcome is what the rules did with a status report.
type StatusOutcome string

// Outcomes of a status report.
const (
	// StatusApplied: the report became the current status and an event.
	StatusApplied StatusOutcome = "applied"
	// StatusHeld: the report waits, kept, for the decision (accept or
	// reject) or for the numbered statuses before it.
	StatusHeld StatusOutcome = "held"
	// StatusRepeated: the report was applied before (same sequence, or
	// same time without one), or the current status is later in the
	// Fachverfahren's order, or COMPLETED, which is final. It changes
	// nothing.
	StatusRepeated StatusOutcome = "repeated"
)

// StatusOf returns the report a status reply carries.
func StatusOf(r Reply) StatusReport {
	return StatusReport{MessageID: r.MessageID, Status: r.Body.Status, Message: r.Body.Message,
		Sequence: r.Body.Sequence, Time: r.Time}
}

// ReportStatus applies a Fachverfahren's status report in the
// Fachverfahren's order:
//
//   - Before the decision (the submission is submitted or forwarded) the
//     report is held: statuses follow the accept, so it is applied once
//     the decision has been applied (ReleaseHeld), in order. The accept is
//     not implied: a status does not decide a submission.
//   - A numbered report whose predecessor has not been applied yet is held
//     until it has (or until the store gives up waiting and skips the gap).
//   - A report not later than the current status, or after COMPLETED, is
//     repeated and changes nothing.
//   - Otherwise it becomes the current status and records its event.
//
// A status for a submission the destination never received is a conflict.
func (s *Submission) ReportStatus(r StatusReport, now time.Time) (StatusOutcome, error) {
	switch s.State {
	case StateSubmitted, StateForwarded:
		s.hold(r)
		return StatusHeld, nil
	case StateAccepted, StateRejected:
	default:
		return "", &Error{Code: ECONFLICT, Kind: "status_before_submission",
			Message: fmt.Sprintf("A submission that is %s has no processing status.", s.State)}
	}
	switch o := s.place(r); o {
	case StatusHeld:
		s.hold(r)
		return o, nil
	case StatusRepeated:
		return o, nil
	}
	s.applyStatus(r)
	return StatusApplied, nil
}

// place says where r falls against the current status: next (applied),
// after a gap (held) or not later (repeated).
func (s *Submission) place(r StatusReport) StatusOutcome {
	if s.Status == StatusCompleted {
		return StatusRepeated
	}
	if r.Sequence > 0 {
		switch {
		case r.Sequence <= s.StatusSequence:
			return StatusRepeated
		case r.Sequence > s.StatusSequence+1:
			return StatusHeld
		}
		return StatusApplied
	}
	if s.StatusTime != nil && !r.Time.After(*s.StatusTime) {
		return StatusRepeated
	}
	return StatusApplied
}

func (s *Submission) applyStatus(r StatusReport) {
	at := r.Time
	s.Status, s.StatusSequence, s.StatusTime = r.Status, max(s.StatusSequence, r.Sequence), &at
	data := map[string]any{"status": r.Status, "message": r.Message, "time": r.Time.UTC().Format(time.RFC3339Nano)}
	if r.Sequence > 0 {
		data["sequence"] = r.Sequence
	}
	s.Record(EventStatusPrefix+strings.ToLower(r.Status), "fachverfahren:"+s.DestinationID, EventData(data))
}

func (s *Submission) hold(r StatusReport) {
	s.Held++
	s.pending.Hold = append(s.pending.Hold, r)
}

// ReleaseHeld applies the held reports (those stored, and those held since
// the submission was loaded) that may now be applied, in the
// Fachverfahren's order, and lets go of the repeated ones. With skipGaps
// (the store waited long enough for a missing number) a numbered report
// after a gap is applied too. Before the decision nothing is released. It
// returns the reports it let go of; the rest stay held.
func (s *Submission) ReleaseHeld(held []StatusReport, skipGaps bool) []StatusReport {
	if s.State != StateAccepted && s.State != StateRejected {
		return nil
	}
	held = append(slices.Clone(held), s.pending.Hold...)
	slices.SortStableFunc(held, func(a, b StatusReport) int {
		return cmp.Or(cmp.Compare(a.Sequence, b.Sequence), a.Time.Compare(b.Time))
	})
	var done []StatusReport
	for _, r := range held {
		o := s.place(r)
		if o == StatusHeld && !skipGaps {
			break // the next number is missing; later ones wait too
		}
		if o != StatusRepeated {
			s.applyStatus(r)
		}
		done = append(done, r)
	}
	s.Held -= len(done)
	s.pending.Released = append(s.pending.Released, done...)
	return done
}
