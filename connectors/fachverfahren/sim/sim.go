// Package sim is a simulated Fachverfahren built on the SDK: it accepts
// submissions, rejects those that match a rule, and reports the processing
// states RECEIVED → PROCESSING → COMPLETED, optionally followed by a
// mailbox message. It runs in `amthub dev` and under
// `amthub sim fachverfahren`, and is what the hub's tests talk to.
//
// It is idempotent: each submission is applied once, recorded with every
// reply id in a durable applied log before any reply leaves, and a
// submission that arrives again, even after a restart, is acknowledged and
// its recorded replies are re-sent with their original ids.
package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.opentelemetry.io/otel/trace"

	"github.com/amthub/amthub/connectors/fachverfahren"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/fitcrypto"
)

// Config configures a Simulator. Only DestinationID is required.
type Config struct {
	// DestinationID is the destination whose queue the simulator serves.
	DestinationID string
	// LogPath is the applied log file (JSON lines, created if missing).
	// Empty keeps the log in memory: a restart forgets what was applied.
	LogPath string
	// Reject decides whether to reject a submission: a non-nil reason
	// rejects. When nil, the pointer rule below decides.
	Reject func(sub *fachverfahren.Submission) *hub.ReplyReason
	// RejectPointer is a JSON pointer (RFC 6901) into the submission data;
	// a submission is rejected when the value there equals RejectValue.
	// Defaults: "/simulateReject" and true.
	RejectPointer string
	RejectValue   any
	// RejectCode and RejectMessage make the reason of the pointer rule.
	RejectCode    string
	RejectMessage string
	// Statuses are reported in order after the accept. Default RECEIVED,
	// PROCESSING, COMPLETED.
	Statuses []string
	// StatusDelay is the pause before each status. Default 50 ms;
	// negative means none.
	StatusDelay time.Duration
	// Mailbox, when set, is sent to the applicant after the last status of
	// an accepted submission.
	Mailbox *hub.MailboxReply
	// Poison, when set and true for a submission, makes the simulator
	// refuse it as one it cannot process (fachverfahren.ErrPoison): it is
	// handed back until the queue's delivery limit dead-letters it. It is
	// asked on every delivery, so a replay can find it processable.
	Poison func(sub *fachverfahren.Submission) bool
	// Concurrency is how many submissions are processed at once. Default 8.
	Concurrency int
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Tracer, if set, traces each submission's handling and replies (see
	// fachverfahren.Config.Tracer).
	Tracer trace.TracerProvider
	// DecryptionKey, if set, opens sealed submissions (see
	// fachverfahren.Config.DecryptionKey); one that does not open is
	// rejected with code encryption-issue, an opened one is decided by the
	// rules above on its plaintext.
	DecryptionKey *fitcrypto.PrivateKey
}

// Validate reports whether the configuration can work.
func (c Config) Validate() error {
	var errs []error
	if err := (fachverfahren.Config{DestinationID: c.DestinationID, Concurrency: c.Concurrency}).Validate(); err != nil {
		errs = append(errs, err)
	}
	if _, err := parsePointer(c.RejectPointer); err != nil {
		errs = append(errs, err)
	}
	for _, s := range c.Statuses {
		if !fachverfahren.ValidStatus(s) {
			errs = append(errs, fmt.Errorf("status %q: unknown", s))
		}
	}
	if m := c.Mailbox; m != nil && (m.Title == "" || m.Body == "") {
		errs = append(errs, errors.New("mailbox: title and body are required"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("fachverfahren simulator config: %w", err)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.RejectPointer == "" {
		c.RejectPointer = "/simulateReject"
	}
	if c.RejectValue == nil {
		c.RejectValue = true
	}
	if c.RejectCode == "" {
		c.RejectCode = "SIMULATED_REJECT"
	}
	if c.RejectMessage == "" {
		c.RejectMessage = "Rejected by the simulator's rule."
	}
	if c.Statuses == nil {
		c.Statuses = []string{hub.StatusReceived, hub.StatusProcessing, hub.StatusCompleted}
	}
	if c.StatusDelay == 0 {
		c.StatusDelay = 50 * time.Millisecond
	}
	if c.Concurrency == 0 {
		c.Concurrency = 8
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Simulator is a running simulated Fachverfahren.
type Simulator struct {
	cfg    Config
	rule   pointerRule
	client *fachverfahren.Client
	log    *appliedLog
	logger *slog.Logger
}

// New builds a simulator on the hub's publisher and subscriber (the
// in-process bus of `amthub dev`, or bus.NewAMQP) and loads its applied
// log. A nil logger discards. Close it when done.
func New(cfg Config, pub message.Publisher, sub message.Subscriber, logger *slog.Logger) (*Simulator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	rule, err := newPointerRule(cfg.RejectPointer, cfg.RejectValue)
	if err != nil {
		return nil, fmt.Errorf("fachverfahren simulator: %w", err)
	}
	client, err := fachverfahren.New(fachverfahren.Config{
		DestinationID: cfg.DestinationID,
		Concurrency:   cfg.Concurrency,
		Source:        "/fachverfahren/" + cfg.DestinationID + "/sim",
		Now:           cfg.Now,
		Tracer:        cfg.Tracer,
		DecryptionKey: cfg.DecryptionKey,
	}, pub, sub, logger)
	if err != nil {
		return nil, fmt.Errorf("fachverfahren simulator: %w", err)
	}
	log, err := openLog(cfg.LogPath)
	if err != nil {
		return nil, fmt.Errorf("fachverfahren simulator: %w", err)
	}
	return &Simulator{cfg: cfg, rule: rule, client: client, log: log, logger: logger.With("sim", "fachverfahren")}, nil
}

// Run processes submissions until ctx ends, then returns nil once the
// submissions in progress are done or handed back.
func (s *Simulator) Run(ctx context.Context) error {
	return s.client.Consume(ctx, s.handle)
}

// Subscribed is closed once Run has subscribed to the destination's queue.
func (s *Simulator) Subscribed() <-chan struct{} { return s.client.Subscribed() }

// Applied returns the submissions applied so far, including those loaded
// from the log, in the order they were applied.
func (s *Simulator) Applied() []Applied { return s.log.all() }

// Close closes the applied log. Stop Run first.
func (s *Simulator) Close() error { return s.log.close() }

// handle applies a submission once and sends its replies; a repeat re-sends
// the recorded replies without delays.
func (s *Simulator) handle(ctx context.Context, sub *fachverfahren.Submission) error {
	if s.cfg.Poison != nil && s.cfg.Poison(sub) {
		return fmt.Errorf("submission %s: %w", sub.SubmissionID, fachverfahren.ErrPoison)
	}
	a, fresh, err := s.log.apply(sub.SubmissionID, func() Applied { return s.decide(sub) })
	if err != nil {
		return err
	}
	if !fresh {
		s.logger.Info("submission already applied, re-sending its replies",
			"submission", sub.SubmissionID, "message_id", sub.MessageID, "decision", a.Decision)
	}
	for _, r := range a.Replies {
		if fresh && r.Type == hub.ReplyStatus && s.cfg.StatusDelay > 0 {
			if err := sleep(ctx, s.cfg.StatusDelay); err != nil {
				return fmt.Errorf("submission %s: %w", sub.SubmissionID, err)
			}
		}
		if err := s.client.Send(ctx, r); err != nil {
			return fmt.Errorf("submission %s: %w", sub.SubmissionID, err)
		}
	}
	return nil
}

// decide applies the rule and builds every reply, with ids, up front.
func (s *Simulator) decide(sub *fachverfahren.Submission) Applied {
	a := Applied{
		SubmissionID: sub.SubmissionID,
		CaseID:       sub.CaseID,
		MessageID:    sub.MessageID,
		Tenant:       sub.Tenant,
		AppliedAt:    s.cfg.Now().UTC(),
	}
	if reason := s.rejectReason(sub); reason != nil {
		a.Decision = DecisionRejected
		a.Replies = []fachverfahren.Reply{s.client.NewReject(sub, reason.Code, reason.Message)}
		return a
	}
	a.Decision = DecisionAccepted
	a.Reference = reference(sub)
	a.Replies = append(a.Replies, s.client.NewAccept(sub, a.Reference))
	// Planned replies carry the time they are planned for, strictly
	// increasing, and statuses their sequence number, so their order
	// survives a transport that reorders (the in-process bus does, and so
	// do competing consumers), and another instance that answers the same
	// submission again (without this one's log) sends the same numbers.
	step := max(s.cfg.StatusDelay, time.Millisecond)
	for i, st := range s.cfg.Statuses {
		r := s.client.NewNumberedStatus(sub, i+1, st, "")
		r.Time = r.Time.Add(time.Duration(i+1) * step)
		a.Replies = append(a.Replies, r)
	}
	if s.cfg.Mailbox != nil {
		r := s.client.NewMailbox(sub, *s.cfg.Mailbox)
		r.Time = r.Time.Add(time.Duration(len(s.cfg.Statuses)+1) * step)
		a.Replies = append(a.Replies, r)
	}
	return a
}

func (s *Simulator) rejectReason(sub *fachverfahren.Submission) *hub.ReplyReason {
	if sub.SealError != nil {
		return &hub.ReplyReason{Code: "encryption-issue", Message: "Die Einreichung ließ sich nicht entschlüsseln."}
	}
	if s.cfg.Reject != nil {
		return s.cfg.Reject(sub)
	}
	if s.rule.matches(sub.Data) {
		return &hub.ReplyReason{Code: s.cfg.RejectCode, Message: s.cfg.RejectMessage}
	}
	return nil
}

// reference is the simulated file number (Aktenzeichen) of a submission.
func reference(sub *fachverfahren.Submission) string {
	if sub.CaseNumber != "" {
		return "SIM-" + sub.CaseNumber
	}
	id := sub.SubmissionID
	if len(id) > 8 {
		id = id[:8]
	}
	return "SIM-" + id
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
