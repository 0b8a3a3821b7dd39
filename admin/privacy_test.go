package admin_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/audit"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/retention"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/hub/staff"
)

// records puts the real retention periods behind admin.Records, as
// cmd/amthub's privacyRecords does, with the declarations of the
// modules the AdminCenter itself stands on.
type records struct {
	periods *retention.Periods
	decls   []privacy.Declaration
}

func newRecords(db *sqlstore.DB) records {
	decls := append(append(audit.Privacy(), staff.Privacy()...), access.Privacy()...)
	return records{periods: retention.NewPeriods(db, privacy.Defaults(decls)), decls: decls}
}

func (r records) Record(ctx context.Context, tenantID, controller string) (privacy.Record, error) {
	return r.periods.Record(ctx, tenantID, controller, r.decls)
}

// TestPrivacyPage: an auditor of tenant A reads A's record of processing
// activities in the AdminCenter (activities, purposes, legal bases, A's
// own retention period next to the declared ones, tables, measures) and
// downloads it as Markdown; the tenant page links it for those who may
// read it only; B's admin gets 404, a case worker of A 403.
func TestPrivacyPage(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			db := d.Open(t)
			f := newFixture(t, db)
			recs := newRecords(db)
			if err := recs.periods.Set(ctx, f.a, privacy.StaffAudit, 3*365*privacy.Day, false); err != nil {
				t.Fatal(err)
			}
			if err := recs.periods.Set(ctx, f.b, privacy.StaffAudit, 30*privacy.Day, false); err != nil {
				t.Fatal(err)
			}
			page := "/admin/mandanten/" + f.a + "/datenschutz"

			rec := f.do("auditor", http.MethodGet, page, "", "")
			if rec.Code != http.StatusOK {
				t.Fatalf("auditor: %d\n%s", rec.Code, rec.Body)
			}
			body := rec.Body.String()
			want := []string{
				`<html lang="de"`, "Verzeichnis von Verarbeitungstätigkeiten – Freistaat A", "Verantwortlicher: Freistaat A",
				`href="/admin/mandanten/` + f.a + `/datenschutz.md"`,
				"Technische und organisatorische Maßnahmen (Art. 32 DSGVO)",
				"3 Jahr(e) (vom Mandanten festgelegt)",
			}
			for _, decl := range recs.decls {
				want = append(want, htmlText(decl.Name), htmlText(decl.Purpose), htmlText(decl.LegalBasis), decl.Tables[0].Name)
			}
			for _, m := range (privacy.Record{}).Measures() {
				want = append(want, htmlText(m))
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if strings.Contains(body, "30 Tag(e) (vom Mandanten festgelegt)") {
				t.Error("A's page shows B's period")
			}
			if strings.Contains(body, "<script") {
				t.Error("page has a script")
			}

			md := f.do("auditor", http.MethodGet, page+".md", "", "")
			if md.Code != http.StatusOK || !strings.HasPrefix(md.Header().Get("Content-Type"), "text/markdown") ||
				!strings.Contains(md.Header().Get("Content-Disposition"), "attachment") {
				t.Fatalf("markdown: %d %q %q", md.Code, md.Header().Get("Content-Type"), md.Header().Get("Content-Disposition"))
			}
			for _, w := range []string{"# Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO)", "Verantwortlicher: Freistaat A",
				"3 Jahr(e) (vom Mandanten festgelegt)", "## Protokoll der Änderungen im AdminCenter"} {
				if !strings.Contains(md.Body.String(), w) {
					t.Errorf("markdown lacks %q", w)
				}
			}

			for _, tc := range []struct {
				actor string
				path  string
				code  int
			}{
				{"tenant-admin", page, http.StatusOK},
				{"platform-operator", page, http.StatusOK},
				{otherAdmin, page, http.StatusNotFound},
				{otherAdmin, page + ".md", http.StatusNotFound},
				{"case-worker", page, http.StatusForbidden},
				{"case-worker", page + ".md", http.StatusForbidden},
				{"tenant-admin-b", "/admin/mandanten/" + f.b + "/datenschutz", http.StatusOK},
			} {
				if got := f.do(tc.actor, http.MethodGet, tc.path, "", "").Code; got != tc.code {
					t.Errorf("%s GET %s: %d, want %d", tc.actor, tc.path, got, tc.code)
				}
			}

			link := `href="/admin/mandanten/` + f.a + `/datenschutz"`
			for actor, shown := range map[string]bool{"auditor": true, "tenant-admin": true, "case-worker": false} {
				tenant := f.do(actor, http.MethodGet, "/admin/mandanten/"+f.a, "", "")
				if tenant.Code != http.StatusOK || strings.Contains(tenant.Body.String(), link) != shown {
					t.Errorf("%s: tenant page %d, link shown %v, want %v", actor, tenant.Code, !shown, shown)
				}
			}
		})
	}
}

// htmlText is s as html/template writes it in text.
func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}
