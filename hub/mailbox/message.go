// Package mailbox is the citizen's mailbox (Postfach) kept by amthub:
// vendors and Fachverfahren send messages to a citizen — addressed by a
// postbox reference the vendor got through the citizen's consent, never by
// account id — with attachments stored once, content-addressed and
// encrypted at rest. A message is delivered to the citizen's own mailbox
// (shown by the portal) or, through an ExternalPostbox adapter, to an
// external postbox. Delivery, reading and replying become events on the
// case timeline, and so callbacks to the sender.
package mailbox

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/amthub/amthub/hub"
)

// Case event types of the mailbox (see docs/ARCHITECTURE.md).
const (
	EventDelivered = "mailbox.delivered"
	EventRead      = "mailbox.read"
	EventReplied   = "mailbox.replied"
)

// Message states.
const (
	StatusPending   = "pending"   // waiting for delivery to an external postbox
	StatusDelivered = "delivered" // in the citizen's mailbox
	StatusRead      = "read"      // opened by the citizen
	StatusReplied   = "replied"   // answered by the citizen
	StatusFailed    = "failed"    // the external postbox refused it for good
)

// Body formats: plain text, or a safe subset of Markdown (paragraphs,
// line breaks, **bold**, *italic*, "- " lists, [links](https://…)).
// Either way the body is stored as sent and shown inert: HTML in it is
// text, never markup.
const (
	FormatText     = "text"
	FormatMarkdown = "markdown"
)

// Directions of a message.
const (
	ToCitizen   = "to_citizen"
	FromCitizen = "from_citizen"
)

// Channels a message is delivered through.
const (
	ChannelOwn      = "own"
	ChannelExternal = "external"
)

// Message is a mailbox message.
type Message struct {
	ID             string
	TenantID       string
	ClientID       string // the sending vendor (or "fachverfahren:<destination>")
	CitizenID      string
	PostboxRef     string
	CaseID         string
	Direction      string
	InReplyTo      string
	Sender         string // the sending authority, as shown
	Title          string
	Body           string
	BodyFormat     string
	ReplyAllowed   bool
	AssuranceLevel string // the least login level the reader needs
	Channel        string
	Status         string
	ExternalID     string
	Attachments    []Attachment
	Replies        []string
	CreatedAt      time.Time
	DeliveredAt    *time.Time
	ReadAt         *time.Time
	RepliedAt      *time.Time
}

// Attachment describes an attachment of a message.
type Attachment struct {
	Filename string
	MimeType string
	Size     int64
	SHA256   string // hex, of the plain content
	Content  []byte `json:"-"` // only when sending or opening
}

// SendRequest is what a vendor sends.
type SendRequest struct {
	PostboxRef     string           `json:"postboxRef"`
	CaseID         string           `json:"caseId"`
	Sender         string           `json:"sender"`
	Title          string           `json:"title"`
	Body           string           `json:"body"`
	BodyFormat     string           `json:"bodyFormat"`
	ReplyAllowed   bool             `json:"replyAllowed"`
	AssuranceLevel string           `json:"assuranceLevel"`
	Attachments    []AttachmentData `json:"attachments"`
}

// AttachmentData is an attachment as sent: its bytes inline.
type AttachmentData struct {
	Filename string `json:"filename"`
	MimeType string `json:"mimeType"`
	Content  []byte `json:"content"` // base64 in JSON
}

// Limits of a message.
const (
	MaxTitle = 200
	MaxBody  = 20000
)

// check validates a send request (attachments are checked when stored).
func (r *SendRequest) check(maxAttachments int) error {
	if r.CaseID != "" && !hub.ValidID(r.CaseID) {
		return &hub.Error{Code: hub.ENOTFOUND, Kind: "case_not_found", Field: "caseId", Message: "No such case."}
	}
	if err := checkText("sender", r.Sender, 1, 200, false); err != nil {
		return err
	}
	if err := checkText("title", r.Title, 1, MaxTitle, false); err != nil {
		return err
	}
	if err := checkText("body", r.Body, 1, MaxBody, true); err != nil {
		return err
	}
	if r.BodyFormat == "" {
		r.BodyFormat = FormatText
	}
	if r.BodyFormat != FormatText && r.BodyFormat != FormatMarkdown {
		return &hub.Error{Code: hub.EINVALID, Kind: "message_invalid", Field: "bodyFormat", Message: "Must be text or markdown."}
	}
	if r.AssuranceLevel == "" {
		r.AssuranceLevel = hub.ACRNormal
	}
	switch r.AssuranceLevel {
	case hub.ACRNormal, hub.ACRSubstantial, hub.ACRHigh:
	default:
		return &hub.Error{Code: hub.EINVALID, Kind: "message_invalid", Field: "assuranceLevel",
			Message: "Must be normal, substantial or high."}
	}
	if len(r.Attachments) > maxAttachments {
		return &hub.Error{Code: hub.EINVALID, Kind: "too_many_attachments", Field: "attachments",
			Message: fmt.Sprintf("A message has at most %d attachments.", maxAttachments)}
	}
	return nil
}

// checkText bounds a text by characters and refuses control characters
// (multiline texts may hold line breaks and tabs).
func checkText(field, s string, minLen, maxLen int, multiline bool) error {
	n := utf8.RuneCountInString(s)
	bad := strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t'))
	})
	if !utf8.ValidString(s) || n < minLen || n > maxLen || bad >= 0 {
		return &hub.Error{Code: hub.EINVALID, Kind: "message_invalid", Field: field,
			Message: fmt.Sprintf("Must be %d to %d characters without control characters.", minLen, maxLen)}
	}
	return nil
}
