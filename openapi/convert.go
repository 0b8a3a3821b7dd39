package openapi

import (
	"encoding/json"

	"github.com/google/uuid"

	"github.com/amthub/amthub/hub"
)

func id(s string) uuid.UUID { return uuid.MustParse(s) }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toRoute(rt hub.Route) Route {
	d := rt.Destination
	out := Route{
		DestinationId:      id(d.ID),
		Name:               d.Name,
		OrganisationalUnit: OrganisationalUnit{Id: rt.Unit.ID, Name: rt.Unit.Name},
		Contact:            &Contact{Email: optional(d.Contact.Email), Phone: optional(d.Contact.Phone), Url: optional(d.Contact.URL)},
		ServiceType:        ServiceType{Identifier: rt.Service.LeikaKey, Name: optional(rt.Service.Name)},
		SchemaUri:          rt.Service.SchemaURI,
		PaymentRequired:    rt.Service.PaymentRequired,
	}
	if len(d.EncryptionKey) > 0 {
		var jwk map[string]any
		if json.Unmarshal(d.EncryptionKey, &jwk) == nil {
			out.EncryptionKey = &jwk
		}
	}
	return out
}

func toSubmission(s *hub.Submission) Submission {
	out := Submission{
		SubmissionId:         id(s.ID),
		CaseId:               id(s.CaseID),
		CaseNumber:           s.CaseNumber,
		DestinationId:        id(s.DestinationID),
		ServiceType:          ServiceType{Identifier: s.ServiceType.Identifier, Name: optional(s.ServiceType.Name)},
		State:                SubmissionState(s.State),
		AnnouncedAttachments: make([]uuid.UUID, 0, len(s.AnnouncedAttachments)),
		Attachments:          make([]Attachment, 0, len(s.Attachments)),
		CreatedAt:            s.CreatedAt.UTC(),
		ExpiresAt:            s.ExpiresAt.UTC(),
	}
	for _, a := range s.AnnouncedAttachments {
		out.AnnouncedAttachments = append(out.AnnouncedAttachments, id(a))
	}
	for _, a := range s.Attachments {
		out.Attachments = append(out.Attachments, toAttachment(a))
	}
	if s.SubmittedAt != nil {
		t := s.SubmittedAt.UTC()
		out.SubmittedAt = &t
	}
	if s.ContentDeletedAt != nil {
		t := s.ContentDeletedAt.UTC()
		out.ContentDeleted, out.ContentDeletedAt = true, &t
	}
	return out
}

func toAttachment(a hub.Attachment) Attachment {
	return Attachment{AttachmentId: id(a.ID), Filename: optional(a.Filename), MimeType: a.MimeType, Size: a.Size, Sha256: a.SHA256}
}

func toEvent(e hub.Event) Event {
	caseID := id(e.CaseID)
	out := Event{EventId: id(e.ID), CaseId: &caseID, Seq: e.Seq, Type: e.Type, Time: e.CreatedAt.UTC(), Actor: e.Actor, Token: optional(e.Token)}
	if e.SubmissionID != "" {
		sid := id(e.SubmissionID)
		out.SubmissionId = &sid
	}
	if err := json.Unmarshal(e.Data, &out.Data); err != nil || out.Data == nil {
		out.Data = map[string]any{}
	}
	return out
}
