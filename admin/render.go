package admin

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/httpserver"
)

type pageTemplate struct{ t *template.Template }

var funcs = template.FuncMap{
	"roleLabel": func(r access.Role) string { return r.Label() },
	"time":      func(t time.Time) string { return t.In(berlin()).Format("02.01.2006 15:04") },
	"indent":    func(depth int) string { return strings.Repeat("— ", depth) },
	"kindLabel": kindLabel,
	"field":     newField,
}

// field is one labelled input of a form, with its error next to it.
type field struct {
	Name, Label, Type, Value, Error, Hint, Autocomplete string
	Required                                            bool
}

// newField builds a field for the "field" template: name, label, type,
// value, error, then options "hint=…", "autocomplete=…", "required".
func newField(name, label, typ, value, errText string, opts ...string) field {
	f := field{Name: name, Label: label, Type: typ, Value: value, Error: errText}
	for _, o := range opts {
		switch k, v, _ := strings.Cut(o, "="); k {
		case "hint":
			f.Hint = v
		case "autocomplete":
			f.Autocomplete = v
		case "required":
			f.Required = true
		}
	}
	return f
}

func berlin() *time.Location {
	if l, err := time.LoadLocation("Europe/Berlin"); err == nil {
		return l
	}
	return time.UTC
}

func kindLabel(k hub.TenantKind) string {
	return map[hub.TenantKind]string{hub.TenantState: "Land", hub.TenantDistrict: "Landkreis",
		hub.TenantMunicipality: "Gemeinde", hub.TenantChamber: "Kammer"}[k]
}

// parsePages parses every page with the layout.
func parsePages() (map[string]*pageTemplate, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*pageTemplate{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		out[name] = &pageTemplate{t: t}
	}
	return out, nil
}

// navItem is a link of the navigation: shown only to who may use it.
type navItem struct {
	Href, Label string
	Current     bool
}

// page is what every page template gets.
type page struct {
	Title   string
	Actor   *Actor
	Nav     []navItem
	Dev     bool
	Notice  string            // a success message
	Errors  map[string]string // field → German message
	Problem string            // an error not tied to a field
	Form    map[string]string // the values sent, to fill the form again
	Data    any
}

// nav lists the sections the actor may use.
func (c *Center) nav(a *Actor, path string) []navItem {
	items := []navItem{{Href: "/admin/", Label: "Übersicht"}}
	if a != nil {
		if len(a.Grants) > 0 {
			items = append(items, navItem{Href: "/admin/mandanten", Label: "Mandanten und Organisation"})
		}
		if any, _ := access.Tenants(a.Grants, access.StaffManage); any || hasRight(a, access.StaffManage) {
			items = append(items, navItem{Href: "/admin/personal", Label: "Personal und Rollen"})
		}
		if hasRight(a, access.CatalogueEdit) {
			items = append(items, navItem{Href: "/admin/katalog", Label: "Katalog"})
		}
		if hasRight(a, access.AuditRead) {
			items = append(items, navItem{Href: "/admin/protokoll", Label: "Protokoll"})
		}
	}
	if c.cfg.Dev {
		items = append(items, navItem{Href: "/admin/dev/postausgang", Label: "Postausgang (Entwicklung)"})
	}
	for i := range items {
		items[i].Current = items[i].Href == path || items[i].Href != "/admin/" && strings.HasPrefix(path, items[i].Href)
	}
	return items
}

func hasRight(a *Actor, r access.Right) bool {
	all, ts := access.Tenants(a.Grants, r)
	return all || len(ts) > 0
}

// render writes a page.
func (c *Center) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t := c.pages[name]
	if t == nil {
		c.logger.Error("admin: no such page template", "page", name)
		http.Error(w, "Interner Fehler", http.StatusInternalServerError)
		return
	}
	if p.Actor == nil {
		p.Actor = actorFrom(r.Context())
	}
	p.Nav = c.nav(p.Actor, r.URL.Path)
	p.Dev = c.cfg.Dev
	var buf bytes.Buffer
	if err := t.t.Execute(&buf, p); err != nil {
		c.logger.Error("admin: render page", "page", name, "error", err)
		http.Error(w, "Interner Fehler", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage shows a German error page (403, 404, …).
func (c *Center) errorPage(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	c.render(w, r, status, "error", page{Title: title, Data: map[string]any{"Status": status, "Text": text}})
}

// fail shows the page for err: 403 and 404 in German; internal errors are
// logged and shown without detail.
func (c *Center) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch hub.ErrorCode(err) {
	case hub.EFORBIDDEN:
		c.errorPage(w, r, http.StatusForbidden, "Keine Berechtigung", "Für diese Seite fehlt Ihnen die Berechtigung. Wenden Sie sich an die Administration Ihres Mandanten.")
	case hub.ENOTFOUND:
		c.errorPage(w, r, http.StatusNotFound, "Seite nicht gefunden", "Diese Seite gibt es nicht, oder sie ist für Sie nicht sichtbar.")
	case hub.EUNAUTHORIZED:
		http.Redirect(w, r, "/admin/anmelden", http.StatusSeeOther)
	case hub.ERATELIMITED, hub.EINVALID, hub.ECONFLICT, hub.EUNPROCESSABLE, hub.EUNAVAILABLE:
		c.errorPage(w, r, httpserver.StatusOf(err), "Das hat nicht geklappt", hub.ErrorMessage(err))
	default:
		c.logger.ErrorContext(r.Context(), "admin page failed", "path", r.URL.Path, "error", err)
		c.errorPage(w, r, http.StatusInternalServerError, "Interner Fehler", "Es ist ein Fehler aufgetreten. Bitte versuchen Sie es später erneut.")
	}
}

// formErrors turns err into messages per field, for a form; ok is false
// when err is not about the input (then the caller fails the page).
func formErrors(err error) (fields map[string]string, problem string, ok bool) {
	switch hub.ErrorCode(err) {
	case hub.EINVALID, hub.ECONFLICT, hub.EUNPROCESSABLE, hub.ERATELIMITED, hub.EUNAUTHORIZED:
	default:
		return nil, "", false
	}
	fields = map[string]string{}
	for _, fe := range catalogue.FieldErrors(err) {
		if _, seen := fields[fe.Field]; !seen {
			fields[fe.Field] = fe.Message
		}
	}
	if len(fields) == 0 {
		problem = hub.ErrorMessage(err)
	}
	return fields, problem, true
}

func formValues(r *http.Request, names ...string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		out[n] = r.PostFormValue(n)
	}
	return out
}
