package portal

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
)

// documentPages mounts the document safe: folders, upload, download,
// delete, and the space used against the account's quota.
func (p *Portal) documentPages(r chi.Router) {
	if p.cfg.Documents.Keys.Active != "" && !p.documentsOn() {
		p.logger.Error("portal document safe off: invalid keyring", "error", p.cfg.Documents.Keys.Validate())
	}
	r.Get("/konto/dokumente", p.documentsPage)
	r.Get("/konto/dokumente/{id}", p.downloadDocument)
	// The upload is a streamed multipart form: it checks its form token
	// itself, as the first field, before it reads the file.
	r.Post("/konto/dokumente", p.uploadDocument)
	r.Group(func(r chi.Router) {
		r.Use(p.requireCSRF)
		r.Post("/konto/dokumente/{id}/loeschen", p.deleteDocument)
		r.Post("/konto/dokumente/ordner", p.createFolder)
		r.Post("/konto/dokumente/ordner/{id}/loeschen", p.deleteFolder)
	})
}

func (p *Portal) documentsOn() bool { return p.cfg.Documents.Keys.Validate() == nil }

// Documents returns the portal's document safe.
func (p *Portal) Documents() *DocumentStore { return NewDocumentStore(p.accounts.db, p.cfg.Documents) }

var errSafeOff = &hub.Error{Code: hub.EUNAVAILABLE, Kind: "documents_off",
	Message: "Der Dokumentensafe ist in diesem Portal nicht eingerichtet."}

// documentSession is requireLogin plus a working safe.
func (p *Portal) documentSession(w http.ResponseWriter, r *http.Request) (*Session, bool) {
	s, ok := p.requireLogin(w, r)
	if ok && !p.documentsOn() {
		p.fail(w, r, errSafeOff)
		return nil, false
	}
	return s, ok
}

type documentRow struct {
	Document
	SizeText, Folder string
}

type documentsView struct {
	Folders          []Folder
	Current          *Folder
	Documents        []documentRow
	Used, Quota, Max string
	UsedPercent      int
	Form             formView
}

// documentNotices are the confirmations after a form of the safe.
var documentNotices = map[string]string{
	"hochgeladen": "Die Datei ist gespeichert.", "geloescht": "Das Dokument ist gelöscht.",
	"ordner": "Der Ordner ist angelegt.", "ordner-geloescht": "Der Ordner ist gelöscht.",
}

func (p *Portal) documentsPage(w http.ResponseWriter, r *http.Request) {
	s, ok := p.documentSession(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	p.showDocuments(w, r, s, http.StatusOK, q.Get("ordner"), formView{Values: map[string]string{}, Notice: documentNotices[q.Get("ok")]})
}

// showDocuments renders the safe, of one folder if folderID is set.
func (p *Portal) showDocuments(w http.ResponseWriter, r *http.Request, s *Session, status int, folderID string, form formView) {
	ctx, store := r.Context(), p.Documents()
	v := documentsView{Form: form, Quota: byteSize(store.cfg.Quota), Max: byteSize(store.cfg.MaxFileSize)}
	var err error
	if v.Folders, err = store.Folders(ctx, s.TenantID, s.CitizenID); err != nil {
		p.fail(w, r, err)
		return
	}
	names := map[string]string{}
	for i, f := range v.Folders {
		names[f.ID] = f.Name
		if f.ID == folderID {
			v.Current = &v.Folders[i]
		}
	}
	if folderID != "" && v.Current == nil {
		p.fail(w, r, errFolderNotFound)
		return
	}
	docs, err := store.List(ctx, s.TenantID, s.CitizenID, folderID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	for _, d := range docs {
		v.Documents = append(v.Documents, documentRow{Document: d, SizeText: byteSize(d.Size), Folder: names[d.FolderID]})
	}
	used, err := store.Usage(ctx, s.TenantID, s.CitizenID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v.Used, v.UsedPercent = byteSize(used), int(used*100/store.cfg.Quota)
	p.render(w, r, status, "documents", "Dokumentensafe", v)
}

// documentsBack is where a form of the safe returns to, with a notice.
func documentsBack(folderID, notice string) string {
	q := url.Values{"ok": {notice}}
	if folderID != "" {
		q.Set("ordner", folderID)
	}
	return "/konto/dokumente?" + q.Encode()
}

func (p *Portal) downloadDocument(w http.ResponseWriter, r *http.Request) {
	s, ok := p.documentSession(w, r)
	if !ok {
		return
	}
	doc, err := p.Documents().Get(r.Context(), s.TenantID, s.CitizenID, chi.URLParam(r, "id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	sendFile(w, doc.Filename, doc.MimeType, doc.Content)
}

// upload is what the upload form sent.
type upload struct {
	csrf, folder, filename string
	content                []byte
	tooLarge               bool
}

// readUpload streams the multipart form: fields first (the form token
// must come before the file), then at most max bytes of the file. A file
// over the limit is read no further than the request's own bound.
func readUpload(r *http.Request, want string, max int64) (*upload, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, &hub.Error{Code: hub.EINVALID, Kind: "form_invalid", Message: "Das Formular ist fehlerhaft.", Err: err}
	}
	u := &upload{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return u, err
		}
		switch part.FormName() {
		case "csrf_token", "ordner":
			b, err := io.ReadAll(io.LimitReader(part, 200))
			if err != nil {
				return u, err
			}
			if part.FormName() == "csrf_token" {
				u.csrf = string(b)
			} else {
				u.folder = strings.TrimSpace(string(b))
			}
		case "datei":
			if u.csrf == "" || subtle.ConstantTimeCompare([]byte(u.csrf), []byte(want)) != 1 {
				return u, errCSRF
			}
			u.filename = part.FileName()
			if u.content, err = io.ReadAll(io.LimitReader(part, max+1)); err != nil {
				return u, err
			}
			if int64(len(u.content)) > max {
				u.tooLarge, u.content = true, nil
				_, err = io.Copy(io.Discard, r.Body) // so the browser gets to read our answer
				return u, err
			}
		}
		part.Close()
	}
	if u.csrf == "" || subtle.ConstantTimeCompare([]byte(u.csrf), []byte(want)) != 1 {
		return u, errCSRF
	}
	return u, nil
}

var errCSRF = &hub.Error{Code: hub.EFORBIDDEN, Kind: "csrf",
	Message: "Das Formular ist abgelaufen oder kam nicht von dieser Seite. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal."}

func (p *Portal) uploadDocument(w http.ResponseWriter, r *http.Request) {
	s, ok := p.documentSession(w, r)
	if !ok {
		return
	}
	store := p.Documents()
	max := store.cfg.MaxFileSize
	tooLarge := &hub.Error{Code: hub.ETOOLARGE, Kind: "document_too_large", Field: "datei",
		Message: "Die Datei ist zu groß. Eine Datei darf höchstens " + byteSize(max) + " groß sein. Es wurde nichts gespeichert."}
	limit := max + 64<<10 // the file and the form around it
	if r.ContentLength > limit {
		w.Header().Set("Connection", "close")
		p.showDocuments(w, r, s, http.StatusRequestEntityTooLarge, "", errorView(map[string]string{}, tooLarge))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	u, err := readUpload(r, state(r).csrf, max)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe) || (err == nil && u.tooLarge):
		p.showDocuments(w, r, s, http.StatusRequestEntityTooLarge, "", errorView(map[string]string{}, tooLarge))
		return
	case err != nil:
		if hub.ErrorCode(err) == hub.EINTERNAL {
			err = &hub.Error{Code: hub.EINVALID, Kind: "form_invalid", Message: "Das Formular ist fehlerhaft.", Err: err}
		}
		p.fail(w, r, err)
		return
	case u.filename == "":
		p.showDocuments(w, r, s, http.StatusUnprocessableEntity, u.folder,
			errorView(map[string]string{}, hub.FieldError("datei", "Bitte wählen Sie eine Datei aus.")))
		return
	}
	if _, err := store.Put(r.Context(), s.TenantID, s.CitizenID, u.folder, u.filename, u.content); err != nil {
		if hub.IsCode(err, hub.ENOTFOUND) || hub.ErrorCode(err) == hub.EINTERNAL {
			p.fail(w, r, err)
			return
		}
		p.showDocuments(w, r, s, httpStatus(err), u.folder, errorView(map[string]string{}, err))
		return
	}
	http.Redirect(w, r, documentsBack(u.folder, "hochgeladen"), http.StatusSeeOther)
}

// httpStatus is the status of a refused form.
func httpStatus(err error) int {
	switch hub.ErrorCode(err) {
	case hub.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case hub.ECONFLICT:
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

func (p *Portal) deleteDocument(w http.ResponseWriter, r *http.Request) {
	s, ok := p.documentSession(w, r)
	if !ok {
		return
	}
	if err := p.Documents().Delete(r.Context(), s.TenantID, s.CitizenID, chi.URLParam(r, "id")); err != nil {
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, documentsBack(r.PostFormValue("ordner"), "geloescht"), http.StatusSeeOther)
}

func (p *Portal) createFolder(w http.ResponseWriter, r *http.Request) {
	s, ok := p.documentSession(w, r)
	if !ok {
		return
	}
	v := formValues(r, "name")
	f, err := p.Documents().CreateFolder(r.Context(), s.TenantID, s.CitizenID, v["name"])
	if err != nil {
		if hub.ErrorCode(err) == hub.EINTERNAL {
			p.fail(w, r, err)
			return
		}
		p.showDocuments(w, r, s, httpStatus(err), "", errorView(v, err))
		return
	}
	http.Redirect(w, r, documentsBack(f.ID, "ordner"), http.StatusSeeOther)
}

func (p *Portal) deleteFolder(w http.ResponseWriter, r *http.Request) {
	s, ok := p.documentSession(w, r)
	if !ok {
		return
	}
	id := chi.URLParam(r, "id")
	if err := p.Documents().DeleteFolder(r.Context(), s.TenantID, s.CitizenID, id); err != nil {
		if hub.IsCode(err, hub.ECONFLICT) {
			p.showDocuments(w, r, s, http.StatusConflict, id, errorView(map[string]string{}, err))
			return
		}
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, documentsBack("", "ordner-geloescht"), http.StatusSeeOther)
}
