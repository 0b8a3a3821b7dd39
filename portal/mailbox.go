package portal

import (
	"context"
	"html/template"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/mailbox"
)

// Mailbox is what the portal needs of the hub's mailbox (*mailbox.Service):
// the citizen's side, each call made as the logged-in citizen.
type Mailbox interface {
	Inbox(ctx context.Context, p *hub.Principal, limit int) ([]*mailbox.Message, error)
	Preview(ctx context.Context, p *hub.Principal, id string) (*mailbox.Message, error)
	Open(ctx context.Context, p *hub.Principal, id string) (*mailbox.Message, error)
	Replies(ctx context.Context, p *hub.Principal, id string) ([]*mailbox.Message, error)
	Attachment(ctx context.Context, p *hub.Principal, id string, n int) (*mailbox.Attachment, error)
	Reply(ctx context.Context, p *hub.Principal, id, body string, atts ...mailbox.AttachmentData) (*mailbox.Message, error)
}

// mailboxPages mounts the mailbox: the inbox, a message with its
// attachments and replies, the reply form, and in dev the simulated eID
// login that raises a session's assurance level.
func (p *Portal) mailboxPages(r chi.Router) {
	if p.svc.Mailbox == nil {
		return
	}
	r.Get("/konto/postfach", p.inboxPage)
	r.Get("/konto/postfach/{id}", p.messagePage)
	r.Get("/konto/postfach/{id}/anhaenge/{n}", p.messageAttachment)
	r.Group(func(r chi.Router) {
		r.Use(p.requireCSRF)
		r.Post("/konto/postfach/{id}/antworten", p.reply)
		if p.cfg.TestEID {
			r.Post("/konto/anmelden/ausweis", p.testEIDLogin)
		}
	})
}

// acrOrNormal reads a session's level; sessions from before levels were
// stored are password logins.
func acrOrNormal(acr string) string {
	if acr == "" {
		return hub.ACRNormal
	}
	return acr
}

// principal is the logged-in citizen as the hub's services see them.
func principal(s *Session) *hub.Principal {
	return &hub.Principal{TenantID: s.TenantID, ClientID: "portal", Subject: s.CitizenID, ACR: acrOrNormal(s.ACR)}
}

// acrNames are the assurance levels as citizens read them.
var acrNames = map[string]string{
	hub.ACRNormal: "normal (E-Mail-Adresse und Passwort)", hub.ACRSubstantial: "substanziell (z. B. ELSTER-Zertifikat)",
	hub.ACRHigh: "hoch (Online-Ausweis)",
}

type inboxItem struct {
	*mailbox.Message
	Unread, Locked bool
}

func (p *Portal) inboxPage(w http.ResponseWriter, r *http.Request) {
	s, ok := p.requireLogin(w, r)
	if !ok {
		return
	}
	msgs, err := p.svc.Mailbox.Inbox(r.Context(), principal(s), 200)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	items := make([]inboxItem, 0, len(msgs))
	unread := 0
	for _, m := range msgs {
		it := inboxItem{Message: m, Unread: m.Status == mailbox.StatusDelivered, Locked: !hub.ACRAtLeast(acrOrNormal(s.ACR), m.AssuranceLevel)}
		if it.Unread {
			unread++
		}
		items = append(items, it)
	}
	p.render(w, r, http.StatusOK, "mailbox", "Postfach", map[string]any{"Messages": items, "Unread": unread})
}

// messageView is the message page: the message or, when the login is too
// weak, a notice; the citizen's replies; the reply form.
type messageView struct {
	Message   *mailbox.Message
	Body      template.HTML // the service's inert rendering
	NeedLevel string        // set when the login level is too low
	TestEID   bool
	Case      *caseLine
	Replies   []replyView
	Documents []Document // the safe's documents, to attach to a reply
	Form      formView
	Replied   bool
}

type replyView struct {
	*mailbox.Message
	Body template.HTML
}

func (p *Portal) messagePage(w http.ResponseWriter, r *http.Request) {
	s, ok := p.requireLogin(w, r)
	if !ok {
		return
	}
	p.showMessage(w, r, s, http.StatusOK, formView{Values: map[string]string{}})
}

func (p *Portal) showMessage(w http.ResponseWriter, r *http.Request, s *Session, status int, form formView) {
	ctx, pr, id := r.Context(), principal(s), chi.URLParam(r, "id")
	v := messageView{Form: form, TestEID: p.cfg.TestEID, Replied: r.URL.Query().Get("beantwortet") == "1"}
	m, err := p.svc.Mailbox.Open(ctx, pr, id)
	if hub.ErrorKind(err) == "assurance_level_too_low" {
		if m, err = p.svc.Mailbox.Preview(ctx, pr, id); err != nil {
			p.fail(w, r, err)
			return
		}
		v.Message, v.NeedLevel = m, acrNames[m.AssuranceLevel]
		p.render(w, r, http.StatusForbidden, "mailbox_message", m.Title, v)
		return
	}
	if err != nil {
		p.fail(w, r, mailboxError(err))
		return
	}
	v.Message, v.Body = m, template.HTML(mailbox.RenderHTML(m.Body, m.BodyFormat)) // inert: escaped before markup is added
	replies, err := p.svc.Mailbox.Replies(ctx, pr, id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	for _, rep := range replies {
		v.Replies = append(v.Replies, replyView{Message: rep, Body: template.HTML(mailbox.RenderHTML(rep.Body, rep.BodyFormat))})
	}
	if m.CaseID != "" {
		cases, err := p.citizenCases(ctx, s.TenantID, s.CitizenID)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		for i := range cases {
			if cases[i].CaseID == m.CaseID {
				v.Case = &cases[i]
			}
		}
	}
	if m.ReplyAllowed && p.documentsOn() {
		if v.Documents, err = p.Documents().List(ctx, s.TenantID, s.CitizenID, ""); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	p.render(w, r, status, "mailbox_message", m.Title, v)
}

// mailboxError gives the mailbox's English errors German words.
func mailboxError(err error) error {
	msg := map[string]string{
		"message_not_found":         "Diese Nachricht gibt es nicht.",
		"attachment_not_found":      "Diesen Anhang gibt es nicht.",
		"reply_not_allowed":         "Auf diese Nachricht können Sie nicht antworten.",
		"message_invalid":           "Bitte schreiben Sie eine Antwort: 1 bis 20.000 Zeichen, ohne Steuerzeichen.",
		"too_many_attachments":      "Zu viele Anhänge.",
		"attachment_too_large":      "Das Dokument ist zu groß, um es einer Antwort anzuhängen (höchstens 2 MB).",
		"attachment_type_forbidden": "Dieses Dokument kann nicht angehängt werden. Erlaubt sind PDF, PNG, JPEG und Text.",
		"attachment_invalid":        "Dieses Dokument kann nicht angehängt werden.",
		"assurance_level_too_low":   "Für diese Nachricht ist eine Anmeldung mit höherem Vertrauensniveau nötig.",
	}[hub.ErrorKind(err)]
	if msg == "" {
		return err
	}
	return &hub.Error{Code: hub.ErrorCode(err), Kind: hub.ErrorKind(err), Message: msg, Err: err}
}

func (p *Portal) messageAttachment(w http.ResponseWriter, r *http.Request) {
	s, ok := p.requireLogin(w, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(chi.URLParam(r, "n"))
	if err != nil {
		p.fail(w, r, mailboxError(&hub.Error{Code: hub.ENOTFOUND, Kind: "attachment_not_found", Message: "No such attachment."}))
		return
	}
	a, err := p.svc.Mailbox.Attachment(r.Context(), principal(s), chi.URLParam(r, "id"), n)
	if err != nil {
		p.fail(w, r, mailboxError(err))
		return
	}
	sendFile(w, a.Filename, a.MimeType, a.Content)
}

// sendFile answers with a file to save, never to show in the portal.
func sendFile(w http.ResponseWriter, filename, mimeType string, content []byte) {
	h := w.Header()
	h.Set("Content-Type", mimeType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	h.Set("Content-Length", strconv.Itoa(len(content)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(content)
}

func (p *Portal) reply(w http.ResponseWriter, r *http.Request) {
	s, ok := p.requireLogin(w, r)
	if !ok {
		return
	}
	ctx, id := r.Context(), chi.URLParam(r, "id")
	v := map[string]string{"body": r.PostFormValue("body"), "document": strings.TrimSpace(r.PostFormValue("document"))}
	var atts []mailbox.AttachmentData
	if v["document"] != "" {
		if !p.documentsOn() {
			p.fail(w, r, errDocumentNotFound)
			return
		}
		doc, err := p.Documents().Get(ctx, s.TenantID, s.CitizenID, v["document"])
		if err != nil {
			p.fail(w, r, err)
			return
		}
		atts = append(atts, mailbox.AttachmentData{Filename: doc.Filename, MimeType: doc.MimeType, Content: doc.Content})
	}
	if _, err := p.svc.Mailbox.Reply(ctx, principal(s), id, v["body"], atts...); err != nil {
		switch hub.ErrorCode(err) {
		case hub.EINVALID, hub.ETOOLARGE, hub.EUNPROCESSABLE:
			f := errorView(v, mailboxError(err))
			f.Field = "body"
			if strings.HasPrefix(hub.ErrorKind(err), "attachment") {
				f.Field = "document"
			}
			p.showMessage(w, r, s, http.StatusUnprocessableEntity, f)
		default:
			p.fail(w, r, mailboxError(err))
		}
		return
	}
	http.Redirect(w, r, "/konto/postfach/"+id+"?beantwortet=1", http.StatusSeeOther)
}

var messagePathRe = regexp.MustCompile(`^/konto/postfach(/[0-9a-f-]{36})?$`)

// testEIDLogin is the simulated eID of `amthub dev`: it raises the
// logged-in citizen's session to level high, in a new session. No card is
// read; never enable it in production.
func (p *Portal) testEIDLogin(w http.ResponseWriter, r *http.Request) {
	s, ok := p.requireLogin(w, r)
	if !ok {
		return
	}
	now := p.accounts.db.Now()
	token, err := p.sessions.Create(r.Context(), &Session{TenantID: s.TenantID, CitizenID: s.CitizenID, CSRF: hub.NewToken(),
		ACR: hub.ACRHigh, CreatedAt: now, ExpiresAt: now.Add(p.cfg.SessionTTL)})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if err := p.sessions.Delete(r.Context(), state(r).token); err != nil {
		p.fail(w, r, err)
		return
	}
	p.setCookie(w, "session", token, int(p.cfg.SessionTTL.Seconds()), http.SameSiteLaxMode)
	p.log(r).Info("portal test eID login", "tenant", s.TenantID, "acr", hub.ACRHigh)
	back := r.PostFormValue("return")
	if !messagePathRe.MatchString(back) {
		back = "/konto/postfach"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
