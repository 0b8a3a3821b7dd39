package admin

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// privacyPageRoutes mounts the tenant's record of processing activities:
// the page and its Markdown download.
func (c *Center) privacyPageRoutes(r chi.Router) {
	r.Get("/admin/mandanten/{tenant}/datenschutz", c.privacyPage)
	r.Get("/admin/mandanten/{tenant}/datenschutz.md", c.privacyMarkdown)
}

func (c *Center) privacyPage(w http.ResponseWriter, r *http.Request) {
	t, rec, err := c.svc.Record(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "privacy", page{Title: "Verzeichnis von Verarbeitungstätigkeiten – " + t.Name,
		Data: map[string]any{"Tenant": t, "Record": rec}})
}

func (c *Center) privacyMarkdown(w http.ResponseWriter, r *http.Request) {
	t, rec, err := c.svc.Record(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "tenant"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="verarbeitungsverzeichnis-`+t.Slug+`.md"`)
	if err := rec.WriteMarkdown(w); err != nil {
		c.logger.ErrorContext(r.Context(), "write the record of processing activities", "tenant", t.ID, "err", err)
	}
}
