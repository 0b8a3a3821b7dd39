package hub

import (
	"encoding/json"
	"time"
)

// The AMQP contract with Fachverfahren (documented as AsyncAPI 3 in
// openapi/asyncapi.yaml). Messages are CloudEvents 1.0 in AMQP binary mode:
// the attributes travel as "cloudEvents:*" headers, the data as the body.

// CloudEvents types of the messages on the wire.
const (
	EventTypeSubmission = "de.amthub.submission.v1" // hub → Fachverfahren
	EventTypeReplyBase  = "de.amthub.reply."        // + reply type + ".v1"
	CloudEventsSpec     = "1.0"
	HeaderTenant        = "amthub:tenant"      // tenant id
	HeaderSubmission    = "amthub:submission"  // submission id
	HeaderDestination   = "amthub:destination" // destination id
	HeaderTraceParent   = "traceparent"        // W3C trace context
)

// Reply types a Fachverfahren sends; the routing key on the replies
// exchange is "<destinationId>.<replyType>".
const (
	ReplyAccept  = "accept"
	ReplyReject  = "reject"
	ReplyStatus  = "status"
	ReplyMailbox = "mailbox"
)

// Processing states a Fachverfahren reports (ZBP vocabulary).
const (
	StatusReceived       = "RECEIVED"
	StatusProcessing     = "PROCESSING"
	StatusActionRequired = "ACTION_REQUIRED"
	StatusCompleted      = "COMPLETED"
)

// ServiceType names the administrative service (Leistung) of a submission.
type ServiceType struct {
	Identifier string `json:"identifier"` // LeiKa key, 99 + 12 digits
	Name       string `json:"name,omitempty"`
}

// SubmissionMessage is the body the hub sends to a Fachverfahren for each
// submitted application.
type SubmissionMessage struct {
	SubmissionID  string      `json:"submissionId"`
	CaseID        string      `json:"caseId"`
	CaseNumber    string      `json:"caseNumber"`
	DestinationID string      `json:"destinationId"`
	ServiceType   ServiceType `json:"serviceType"`
	SubmittedAt   time.Time   `json:"submittedAt"`
	// ContentType is the media type of Data after mapping:
	// application/json (Data is the JSON value), application/xml (Data is
	// a JSON string holding the document) or application/jose (sealed: Data
	// is a JSON string holding the JWE compact serialisation).
	ContentType string          `json:"contentType"`
	Data        json.RawMessage `json:"data"`
	// EncryptedMetadata is, for a sealed submission from a FIT-Connect
	// sender, the JWE of FIT-Connect's metadata document (for the same key
	// as Data); attachments are then JWEs too (mimeType application/jose).
	EncryptedMetadata string          `json:"encryptedMetadata,omitempty"`
	Attachments       []AttachmentRef `json:"attachments"`
}

// AttachmentRef describes an attachment of a submission; Content carries
// the bytes (base64 in JSON) within the hub's size limits.
type AttachmentRef struct {
	AttachmentID string `json:"attachmentId"`
	Filename     string `json:"filename,omitempty"`
	MimeType     string `json:"mimeType"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256"` // hex
	Content      []byte `json:"content,omitempty"`
}

// ReplyMessage is the body of a Fachverfahren's reply. Which fields count
// depends on the reply type.
type ReplyMessage struct {
	SubmissionID string `json:"submissionId"`
	CaseID       string `json:"caseId"`
	// accept: the Fachverfahren's own file number (Aktenzeichen), optional.
	Reference string `json:"reference,omitempty"`
	// reject: why.
	Reason *ReplyReason `json:"reason,omitempty"`
	// status: one of the Status* values, and an optional note.
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	// status, optional: the status's place in the Fachverfahren's
	// processing of the submission, 1 for the first status and one more
	// for each next. With it the hub applies statuses in this order and
	// recognises a status sent again (under a new message id) as the same;
	// without it, it orders by cloudEvents:time.
	Sequence int `json:"sequence,omitempty"`
	// mailbox: a message for the applicant.
	Mailbox *MailboxReply `json:"mailbox,omitempty"`
}

// ReplyReason explains a rejection.
type ReplyReason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// MailboxReply is a message for the applicant's mailbox.
type MailboxReply struct {
	Title          string `json:"title"`
	Body           string `json:"body"`
	ReplyAllowed   bool   `json:"replyAllowed,omitempty"`
	AssuranceLevel string `json:"assuranceLevel,omitempty"`
}
