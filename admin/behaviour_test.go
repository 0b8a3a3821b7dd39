package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/amthub/amthub/admin"
	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/hubtest"
)

func TestSpecValid(t *testing.T) {
	doc, err := admin.Spec()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if method != http.MethodGet && op.OperationID != "login" && op.OperationID != "logout" && op.Extensions["x-right"] == nil {
				t.Errorf("%s %s changes data but names no x-right", method, path)
			}
			if r, ok := op.Extensions["x-right"].(string); ok && !access.Right(r).Valid() {
				t.Errorf("%s %s: x-right %q is no right", method, path, r)
			}
		}
	}
}

// TestTenantIsolation: a tenant admin of B sees nothing of A, on both
// databases: 404 by id, absent from lists, in pages and API.
func TestTenantIsolation(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			f := newFixture(t, d.Open(t))
			person, _, _ := f.invite(t)
			for _, path := range []string{
				"/admin/v1/tenants/" + f.a, "/admin/v1/tenants/" + f.a + "/units", "/admin/v1/tenants/" + f.a + "/staff",
				"/admin/v1/staff/" + person, "/admin/mandanten/" + f.a, "/admin/mandanten/" + f.a + "/personal", "/admin/personal/" + person,
				"/admin/v1/audit?tenant=" + f.a,
			} {
				if rec := f.do(otherAdmin, http.MethodGet, path, "", ""); rec.Code != http.StatusNotFound {
					t.Errorf("GET %s as B's admin: %d, want 404", path, rec.Code)
				}
			}
			for _, path := range []string{"/admin/v1/tenants", "/admin/v1/audit", "/admin/mandanten", "/admin/protokoll", "/admin/protokoll.csv"} {
				rec := f.do(otherAdmin, http.MethodGet, path, "", "")
				if rec.Code != http.StatusOK {
					t.Fatalf("GET %s: %d", path, rec.Code)
				}
				for _, leak := range []string{f.a, "Freistaat A", person, "ziel"} {
					if strings.Contains(rec.Body.String(), leak) {
						t.Errorf("GET %s as B's admin shows %q", path, leak)
					}
				}
			}
		})
	}
}

// TestBadInput: each form shows its German message next to the field, the
// API answers problem+json naming the field, and nothing is written.
func TestBadInput(t *testing.T) {
	f := newFixture(t, hubtest.NewSQLite(t))
	op := string(access.PlatformOperator)
	for _, tc := range []struct {
		name, path, body, field, message string
	}{
		{"TenantSlug", "/admin/mandanten", "name=Landkreis+Leipzig&slug=Landkreis+Leipzig&kind=district&parent=" + f.a, "slug", "Kürzel aus 1–63"},
		{"TenantParent", "/admin/mandanten", "name=Landkreis+Leipzig&slug=ll&kind=district&parent=", "parent", "übergeordnete Mandant passt nicht"},
		{"UnitName", "/admin/mandanten/" + f.a + "/einheiten", "name=&parentId=", "name", "Bitte füllen Sie dieses Feld aus."},
		{"StaffEmail", "/admin/mandanten/" + f.a + "/personal", "displayName=Neu&email=keine-adresse", "email", "gültige E-Mail-Adresse"},
		{"GrantRole", "/admin/personal/{person}/rollen", "role=king&unit=", "role", "kann hier nicht vergeben werden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			person, _, _ := f.invite(t)
			before := f.counts(t)
			rec := f.do(op, http.MethodPost, strings.ReplaceAll(tc.path, "{person}", person), tc.body, "application/x-www-form-urlencoded")
			if rec.Code != http.StatusUnprocessableEntity && rec.Code != http.StatusConflict {
				t.Fatalf("status %d, want 422\n%.500s", rec.Code, rec.Body)
			}
			body := rec.Body.String()
			i := strings.Index(body, `id="`+tc.field+`-error"`)
			if i < 0 || !strings.Contains(body[i:min(len(body), i+400)], tc.message) {
				t.Errorf("no German error %q next to field %s:\n%s", tc.message, tc.field, body)
			}
			if !strings.Contains(body, `aria-invalid="true" aria-describedby="`+tc.field+`-error"`) && tc.field != "kind" {
				t.Errorf("field %s is not marked invalid", tc.field)
			}
			if after := f.counts(t); after != before {
				t.Errorf("rows changed by refused input: %v → %v", before, after)
			}
		})
	}
	for _, tc := range []struct {
		name, method, path, body, field string
		status                          int
	}{
		{"ApiTenantSlug", http.MethodPost, "/admin/v1/tenants", `{"slug":"Not A Slug","name":"X"}`, "slug", http.StatusBadRequest},
		{"ApiUnknownProperty", http.MethodPost, "/admin/v1/tenants", `{"slug":"x","name":"X","evil":1}`, "", http.StatusBadRequest},
		{"ApiRole", http.MethodPost, "/admin/v1/staff/{person}/grants", `{"role":"king"}`, "role", http.StatusBadRequest},
		{"ApiEmail", http.MethodPost, "/admin/v1/tenants/" + f.a + "/staff", `{"email":"nope","displayName":"X"}`, "email", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			person, _, _ := f.invite(t)
			before := f.counts(t)
			rec := f.do(op, tc.method, strings.ReplaceAll(tc.path, "{person}", person), tc.body, "application/json")
			var p struct {
				Type, Field string
				Status      int
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != tc.status || rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d %s %s, want %d problem+json", rec.Code, rec.Header().Get("Content-Type"), rec.Body, tc.status)
			}
			if tc.field != "" && p.Field != tc.field {
				t.Errorf("problem names field %q, want %q: %s", p.Field, tc.field, rec.Body)
			}
			if after := f.counts(t); after != before {
				t.Errorf("rows changed by refused input: %v → %v", before, after)
			}
		})
	}
}

// counts is the number of rows of each table the AdminCenter writes.
func (f *fixture) counts(t *testing.T) [5]int {
	t.Helper()
	var out [5]int
	for i, table := range []string{"tenants", "org_units", "staff_accounts", "staff_grants", "audit_log"} {
		if err := f.db.QueryRowContext(context.Background(), `SELECT count(*) FROM `+table).Scan(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestRemovedPersonLoggedOut: a person removed, or whose roles change,
// is refused on the next request.
func TestRemovedPersonLoggedOut(t *testing.T) {
	f := newFixture(t, hubtest.NewSQLite(t))
	op := string(access.PlatformOperator)
	editor := string(access.CatalogueEditor)
	if rec := f.do(editor, http.MethodGet, "/admin/katalog", "", ""); rec.Code != http.StatusOK {
		t.Fatalf("editor's catalogue page: %d", rec.Code)
	}
	rec := f.do(op, http.MethodPost, "/admin/personal/"+f.people[editor]+"/rollen", "role=auditor&unit=", "application/x-www-form-urlencoded")
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("grant: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do(editor, http.MethodGet, "/admin/katalog", "", ""); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/admin/anmelden" {
		t.Fatalf("editor after a change of roles: %d, want the login", rec.Code)
	}
	f.refreshVersion(t, editor)
	if rec := f.do(editor, http.MethodGet, "/admin/katalog", "", ""); rec.Code != http.StatusOK {
		t.Fatalf("editor logged in again: %d", rec.Code)
	}
	rec = f.do(op, http.MethodPost, "/admin/personal/"+f.people[editor]+"/entfernen", "", "application/x-www-form-urlencoded")
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("remove: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do(editor, http.MethodGet, "/admin/", "", ""); rec.Code != http.StatusSeeOther {
		t.Fatalf("removed editor's next page: %d, want the login", rec.Code)
	}
	if rec := f.do(editor, http.MethodGet, "/admin/v1/tenants", "", ""); rec.Code != http.StatusUnauthorized {
		t.Fatalf("removed editor's next API call: %d, want 401", rec.Code)
	}
}

// TestCaseWorkerForbidden: the case worker gets the German 403 page on the
// catalogue page; an unknown page is the German 404 page.
func TestCaseWorkerForbidden(t *testing.T) {
	f := newFixture(t, hubtest.NewSQLite(t))
	rec := f.do(string(access.CaseWorker), http.MethodGet, "/admin/katalog", "", "")
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "Keine Berechtigung") {
		t.Fatalf("case worker on the catalogue: %d\n%s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), `href="/admin/katalog"`) {
		t.Error("the navigation offers the case worker the catalogue")
	}
	rec = f.do(string(access.CaseWorker), http.MethodGet, "/admin/nichts", "", "")
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "Seite nicht gefunden") {
		t.Fatalf("unknown page: %d\n%s", rec.Code, rec.Body)
	}
}

// TestCrossOriginFormRefused: a form posted from another site is refused.
func TestCrossOriginFormRefused(t *testing.T) {
	f := newFixture(t, hubtest.NewSQLite(t))
	req := url.Values{"name": {"X"}, "slug": {"x"}, "kind": {"state"}}.Encode()
	before := f.counts(t)
	r := f.request(string(access.PlatformOperator), http.MethodPost, "/admin/mandanten", req, "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := f.serve(r)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("cross-site form: %d, want 403", rec.Code)
	}
	if f.counts(t) != before {
		t.Error("a cross-site form wrote")
	}
}

// TestLoginPages: wrong passwords get one German answer, brute force is
// locked with the lock's message (also for the right password), and the
// API's login is throttled alike.
func TestLoginPages(t *testing.T) {
	f := newFixture(t, hubtest.NewSQLite(t))
	post := func(body string) (int, string) {
		rec := f.do("anonymous", http.MethodPost, "/admin/anmelden", body, "application/x-www-form-urlencoded")
		return rec.Code, rec.Body.String()
	}
	wrong := url.Values{"email": {"auditor@amt.test"}, "password": {"falsch geraten"}}.Encode()
	unknown := url.Values{"email": {"niemand@amt.test"}, "password": {"falsch geraten"}}.Encode()
	c1, b1 := post(wrong)
	c2, b2 := post(unknown)
	if c1 != http.StatusUnauthorized || c2 != http.StatusUnauthorized || !strings.Contains(b1, "Anmeldung fehlgeschlagen") || !strings.Contains(b2, "Anmeldung fehlgeschlagen") {
		t.Fatalf("wrong password %d, unknown address %d: want the same 401 answer", c1, c2)
	}
	for range 20 {
		post(wrong)
	}
	right := url.Values{"email": {"auditor@amt.test"}, "password": {"ein langes Passwort"}}.Encode()
	code, body := post(right)
	if code != http.StatusTooManyRequests || !strings.Contains(body, "Zu viele fehlgeschlagene Anmeldungen") {
		t.Fatalf("right password after brute force: %d, want 429 with the lock message", code)
	}
	rec := f.do("anonymous", http.MethodPost, "/admin/v1/login", `{"email":"auditor@amt.test","password":"ein langes Passwort","code":"123456"}`, "application/json")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("API login after brute force: %d %s", rec.Code, rec.Body)
	}
}
