package retention

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/httpserver"
	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Record returns the record of processing activities of decls for
// tenantID, with the periods the tenant set itself.
func (p *Periods) Record(ctx context.Context, tenantID, controller string, decls []privacy.Declaration) (privacy.Record, error) {
	own := map[privacy.Kind]privacy.Period{}
	if tenantID != "" {
		ps, err := p.List(ctx, tenantID)
		if err != nil {
			return privacy.Record{}, err
		}
		for _, x := range ps {
			if !x.Default {
				own[x.Kind] = privacy.Period{Duration: x.Duration, Keep: x.Keep}
			}
		}
	}
	return privacy.NewRecord(decls, controller, own, p.db.Now()), nil
}

// RecordRoutes serves operators a tenant's record of processing
// activities at GET /admin/v1/tenants/{tenant}/privacy/record: HTML, or
// Markdown for Accept: text/markdown. require checks the bearer token
// (the admin scope); the token's tenant must be the path's.
func RecordRoutes(r chi.Router, p *Periods, decls []privacy.Declaration, require func(scopes ...string) func(http.Handler) http.Handler) {
	r.With(require(hub.ScopeAdmin)).Get("/admin/v1/tenants/{tenant}/privacy/record", func(w http.ResponseWriter, r *http.Request) {
		pr := hub.PrincipalFrom(r.Context())
		if pr == nil || !pr.HasScope(hub.ScopeAdmin) || pr.TenantID == "" || pr.TenantID != chi.URLParam(r, "tenant") {
			httpserver.WriteError(w, r, &hub.Error{Code: hub.EFORBIDDEN, Kind: "wrong_tenant", Message: "The token belongs to another tenant."})
			return
		}
		t, err := sqlstore.NewTenantService(p.db).FindTenantByID(r.Context(), pr.TenantID)
		if err != nil {
			httpserver.WriteError(w, r, err)
			return
		}
		rec, err := p.Record(r.Context(), t.ID, t.Name, decls)
		if err != nil {
			httpserver.WriteError(w, r, fmt.Errorf("record of processing activities: %w", err))
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if strings.Contains(r.Header.Get("Accept"), "text/markdown") {
			w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
			_ = rec.WriteMarkdown(w)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = rec.WriteHTML(w)
	})
}
