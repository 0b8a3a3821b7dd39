package openapi

import (
	"context"
	"net/http"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/httpserver"
	"github.com/amthub/amthub/hub/mailbox"
)

// Mailbox is what the handlers need of the mailbox (*mailbox.Service).
type Mailbox interface {
	PostboxRef(ctx context.Context, p *hub.Principal) (string, error)
	Send(ctx context.Context, p *hub.Principal, req mailbox.SendRequest, idemKey string) (*mailbox.Message, bool, error)
	Get(ctx context.Context, p *hub.Principal, id string) (*mailbox.Message, error)
}

// WithMailbox enables the mailbox endpoints; without it they answer 501.
func (a *API) WithMailbox(m Mailbox) *API {
	a.mailbox = m
	return a
}

// CreatePostboxRef implements ServerInterface.
func (a *API) CreatePostboxRef(w http.ResponseWriter, r *http.Request, _ CreatePostboxRefParams) {
	if a.mailbox == nil {
		notImplemented(w, r, "Mailbox messages")
		return
	}
	ref, err := a.mailbox.PostboxRef(r.Context(), principal(r))
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, PostboxRef{PostboxRef: ref})
}

// SendMailboxMessage implements ServerInterface.
func (a *API) SendMailboxMessage(w http.ResponseWriter, r *http.Request, params SendMailboxMessageParams) {
	if a.mailbox == nil {
		notImplemented(w, r, "Mailbox messages")
		return
	}
	var req mailbox.SendRequest
	if !decode(w, r, &req) {
		return
	}
	m, created, err := a.mailbox.Send(r.Context(), principal(r), req, params.IdempotencyKey)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	if !created {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/v1/mailbox/messages/"+m.ID)
	writeJSON(w, http.StatusCreated, toMailboxMessage(m))
}

// GetMailboxMessage implements ServerInterface.
func (a *API) GetMailboxMessage(w http.ResponseWriter, r *http.Request, messageID openapi_types.UUID) {
	if a.mailbox == nil {
		notImplemented(w, r, "Mailbox messages")
		return
	}
	m, err := a.mailbox.Get(r.Context(), principal(r), messageID.String())
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toMailboxMessage(m))
}

func optionalID(s string) *openapi_types.UUID {
	if s == "" {
		return nil
	}
	u := id(s)
	return &u
}

func toMailboxMessage(m *mailbox.Message) MailboxMessage {
	out := MailboxMessage{MessageId: id(m.ID), PostboxRef: optional(m.PostboxRef), CaseId: optionalID(m.CaseID),
		Direction: MailboxMessageDirection(m.Direction), InReplyTo: optionalID(m.InReplyTo), Sender: m.Sender, Title: m.Title,
		Body: m.Body, BodyFormat: MailboxMessageBodyFormat(m.BodyFormat), BodyHtml: mailbox.RenderHTML(m.Body, m.BodyFormat),
		ReplyAllowed: m.ReplyAllowed, AssuranceLevel: MailboxMessageAssuranceLevel(m.AssuranceLevel),
		Channel: MailboxMessageChannel(m.Channel), Status: MailboxMessageStatus(m.Status),
		Attachments: make([]MailboxAttachment, 0, len(m.Attachments)), Replies: make([]openapi_types.UUID, 0, len(m.Replies)),
		CreatedAt: m.CreatedAt.UTC(), DeliveredAt: utc(m.DeliveredAt), ReadAt: utc(m.ReadAt), RepliedAt: utc(m.RepliedAt)}
	for _, a := range m.Attachments {
		out.Attachments = append(out.Attachments, MailboxAttachment{Filename: a.Filename, MimeType: a.MimeType, Size: a.Size, Sha256: a.SHA256})
	}
	for _, r := range m.Replies {
		out.Replies = append(out.Replies, id(r))
	}
	return out
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
