package hub

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// Case event types (dot-separated, past tense; see docs/ARCHITECTURE.md).
const (
	EventSubmissionCreated       = "submission.created"
	EventSubmissionSubmitted     = "submission.submitted"
	EventSubmissionMappingFailed = "submission.mapping_failed"
	EventSubmissionForwarded     = "submission.forwarded" // the broker confirmed it, or a subscriber picked it up
	EventSubmissionRedelivered   = "submission.redelivered"
	EventSubmissionAccepted      = "submission.accepted"
	EventSubmissionRejected      = "submission.rejected"
	EventSubmissionExpired       = "submission.expired"
	EventStatusPrefix            = "status." // + received, processing, action_required, completed
	EventMailboxReceived         = "mailbox.received"
)

var (
	leikaPattern = regexp.MustCompile(`^99\d{12}$`)
	arsPattern   = regexp.MustCompile(`^\d{12}$`)
)

// ValidLeikaKey reports whether s is a LeiKa service key (99 + 12 digits).
func ValidLeikaKey(s string) bool { return leikaPattern.MatchString(s) }

// ValidARS reports whether s is a 12-digit regional key.
func ValidARS(s string) bool { return arsPattern.MatchString(s) }

// Contact is how to reach an authority or destination.
type Contact struct {
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Destination kinds: how a destination receives submissions.
const (
	DestinationAMQP       = "amqp"       // an external Fachverfahren over AMQP
	DestinationBuiltin    = "builtin"    // the hub's own case processing (reserved)
	DestinationFITConnect = "fitconnect" // a FIT-Connect destination, forwarded by connectors/fitconnect
)

// Destination is the technical endpoint of an organisational unit for one
// or more services: today a receiving Fachverfahren over AMQP.
type Destination struct {
	ID       string
	TenantID string
	// OrgUnitID is the organisational unit the destination belongs to; when
	// empty on creation, the destination becomes a unit of its own.
	OrgUnitID     string
	Kind          string // DestinationAMQP when empty
	Name          string
	Contact       Contact
	EncryptionKey json.RawMessage // public JWK for sealed submissions, optional
	// Pickup says that the destination's subscribers fetch its submissions
	// over the FIT-Connect surface instead of receiving them over AMQP.
	Pickup    bool
	Services  []DestinationService
	CreatedAt time.Time
}

// DestinationService is a service a destination accepts.
type DestinationService struct {
	LeikaKey        string
	Name            string
	SchemaURI       string          // the URI vendors see
	Schema          json.RawMessage // JSON Schema 2020-12 of the form data
	MappingName     string          // empty: data passes unchanged
	MappingVersion  string
	PaymentRequired bool
}

// Service returns the destination's entry for leikaKey.
func (d *Destination) Service(leikaKey string) (*DestinationService, bool) {
	for i := range d.Services {
		if d.Services[i].LeikaKey == leikaKey {
			return &d.Services[i], true
		}
	}
	return nil, false
}

// Area is a state, district or municipality, keyed by ARS.
type Area struct {
	ARS      string
	Name     string
	Level    string // land, kreis, gemeinde
	Postcode string
}

// Responsibility says that an organisational unit serves leikaKey in every
// area whose ARS starts with ARSPrefix. DestinationID may name the unit by
// one of its destinations instead.
type Responsibility struct {
	LeikaKey      string
	ARSPrefix     string
	OrgUnitID     string
	DestinationID string
}

// Unit names an organisational unit (an authority or a part of one).
type Unit struct {
	ID   string
	Name string
}

// Route is a destination found for a service and an area, with the
// organisational unit responsible there.
type Route struct {
	Destination *Destination
	Service     *DestinationService
	Unit        Unit
}

// Submission is one application sent by a vendor for a case.
type Submission struct {
	ID            string
	TenantID      string
	CaseID        string
	CaseNumber    string
	ClientID      string // the vendor that owns it
	CitizenID     string // the citizen it is for, when the vendor acts by consent
	DestinationID string
	ServiceType   ServiceType
	State         State
	// AnnouncedAttachments are the attachment ids the vendor announced.
	AnnouncedAttachments []string
	Attachments          []Attachment // uploaded so far (metadata only)
	ContentType          string
	Data                 []byte
	// EncryptedMetadata is the JWE of a sealed submission's metadata
	// (FIT-Connect), passed on unread; empty otherwise.
	EncryptedMetadata string
	// Pickup: the destination's subscribers fetch the submission (FIT-Connect)
	// instead of receiving it over AMQP, so it is never queued nor redelivered.
	Pickup bool
	// DataHash identifies the submit request, so that its retry is
	// recognised.
	DataHash    string
	ExpiresAt   time.Time
	CreatedAt   time.Time
	SubmittedAt *time.Time
	ForwardedAt *time.Time
	DecidedAt   *time.Time
	Deliveries  int
	// ContentDeletedAt is when the retention job deleted the data and the
	// attachments' content and file names; the metadata stays.
	ContentDeletedAt *time.Time
	// Status is the current processing status the Fachverfahren reported
	// (a Status* value, "" before the first), StatusSequence the highest
	// sequence number applied, StatusTime the Fachverfahren's time of the
	// current status; Held counts the status reports waiting to be
	// applied in order (see ReportStatus).
	Status         string
	StatusSequence int
	StatusTime     *time.Time
	Held           int

	// pending is what rules decided and the store has yet to persist.
	pending Changes
}

// Attachment is an uploaded file of a submission.
type Attachment struct {
	ID        string
	Filename  string
	MimeType  string
	Size      int64
	SHA256    string // hex
	CreatedAt time.Time
}

// Missing returns the announced attachments not uploaded yet.
func (s *Submission) Missing() []string {
	have := map[string]bool{}
	for _, a := range s.Attachments {
		have[a.ID] = true
	}
	var out []string
	for _, id := range s.AnnouncedAttachments {
		if !have[id] {
			out = append(out, id)
		}
	}
	return out
}

// EventData encodes the data of an Event. Only the hub's own maps of
// strings, numbers and service types reach it, so a failure is a bug and
// panics rather than writing an event without its data.
func EventData(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("hub: encode event data: %v", err))
	}
	return b
}

// Event is one immutable entry of a case timeline.
type Event struct {
	ID           string
	TenantID     string
	CaseID       string
	Seq          int
	Type         string
	SubmissionID string
	Actor        string // who caused it: a client id, "hub", or "fachverfahren:<destination>"
	Data         json.RawMessage
	Token        string // the signed Security Event Token, when signing is configured
	CreatedAt    time.Time
}

// Case groups everything about one application: its submission(s),
// events, mailbox messages and payments. The vendor that created it owns
// it; the citizen who consented sees it.
type Case struct {
	ID            string
	TenantID      string
	Number        string // the short, human-readable case number
	ClientID      string // the vendor that owns it
	CitizenID     string // "" when the vendor acts on its own
	DestinationID string
	LeikaKey      string
	CreatedAt     time.Time
}

// ErrCaseNotFound is the error for a case that does not exist or is not
// the caller's.
func ErrCaseNotFound(field string) error {
	return &Error{Code: ENOTFOUND, Kind: "case_not_found", Field: field, Message: "No such case."}
}
