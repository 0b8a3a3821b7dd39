package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/hubtest"
)

// freshUnit creates a unit under "ordnung" in tenant A without an audit
// entry: a target for the move and delete routes.
func (f *fixture) freshUnit(t *testing.T) string {
	t.Helper()
	ch, err := f.svc.Catalogue.CreateUnit(context.Background(), f.a, catalogue.OrgUnit{Name: hubtest.Unique("Stelle"), ParentID: "ordnung"})
	if err != nil {
		t.Fatal(err)
	}
	return ch.After.ID
}

// auditActions returns the actions of tenant A's audit entries on a
// resource, oldest first.
func (f *fixture) auditActions(t *testing.T, id string) []string {
	t.Helper()
	rows, err := f.db.QueryContext(context.Background(), `SELECT action FROM audit_log WHERE resource_id = $1 ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

const formType = "application/x-www-form-urlencoded"

// TestUnitPages: the tenant admin edits, moves and deletes a unit on its
// page. Bad input shows German errors next to the field with nothing
// written; a move under its own child and deleting a unit that still has
// a destination are refused; each change leaves its audit entry; B's
// admin gets 404.
func TestUnitPages(t *testing.T) {
	f := newFixture(t, hubtest.NewSQLite(t))
	const admin = "tenant-admin"
	unit := f.freshUnit(t)
	page := "/admin/mandanten/" + f.a + "/einheiten/" + unit
	before := f.auditCount(t)
	for _, tc := range []struct{ name, path, body, field string }{
		{"empty name", page, "name=&email=x", "name-error"},
		{"bad e-mail", page, "name=Stelle&email=kein-at", "email-error"},
		{"unknown parent", page + "/verschieben", "parentId=gibt-es-nicht", "parentId-error"},
		{"under itself", page + "/verschieben", "parentId=" + unit, "parentId-error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do(admin, http.MethodPost, tc.path, tc.body, formType)
			body := rec.Body.String()
			if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+tc.field+`"`) || !strings.Contains(body, `aria-invalid="true"`) {
				t.Fatalf("%d, want 422 with %s\n%.2000s", rec.Code, tc.field, body)
			}
		})
	}
	if n := f.auditCount(t); n != before {
		t.Fatalf("refused forms wrote %d audit entries", n-before)
	}
	units, _ := f.svc.Catalogue.Units(context.Background(), f.a)
	for _, u := range units {
		if u.ID == unit && (u.ParentID != "ordnung" || u.Contact.Email != "") {
			t.Fatalf("a refused form was written: %+v", u)
		}
	}

	rec := f.do(admin, http.MethodPost, page, "name=Bürgerb%C3%BCro&email=buero%40amt.test&postcode=01067&city=Dresden", formType)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("update: %d\n%s", rec.Code, rec.Body)
	}
	rec = f.do(admin, http.MethodPost, page+"/verschieben", "parentId=amt", formType)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("move: %d\n%s", rec.Code, rec.Body)
	}
	rec = f.do(admin, http.MethodGet, page, "", "")
	if body := rec.Body.String(); rec.Code != http.StatusOK || !strings.Contains(body, "buero@amt.test") || !strings.Contains(body, `<option value="amt" selected>`) {
		t.Fatalf("page after editing: %d\n%s", rec.Code, body)
	}
	// "ordnung" still has the destination fv-ordnung: 409, German message.
	rec = f.do(admin, http.MethodPost, "/admin/mandanten/"+f.a+"/einheiten/ordnung/loeschen", "", formType)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "Empfangsstellen") {
		t.Fatalf("delete a unit with a destination: %d\n%s", rec.Code, rec.Body)
	}
	rec = f.do(admin, http.MethodPost, page+"/loeschen", "", formType)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/admin/mandanten/"+f.a {
		t.Fatalf("delete: %d %s\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	got := strings.Join(f.auditActions(t, unit), ",")
	if got != "org_unit.updated,org_unit.moved,org_unit.deleted" {
		t.Errorf("audit entries: %s", got)
	}
	for _, p := range []string{"/admin/mandanten/" + f.a + "/einheiten/ordnung", "/admin/mandanten/" + f.a + "/einheiten/gibt-es-nicht"} {
		if rec := f.do(otherAdmin, http.MethodGet, p, "", ""); rec.Code != http.StatusNotFound {
			t.Errorf("B's admin GET %s: %d", p, rec.Code)
		}
	}
	if rec := f.do(admin, http.MethodGet, "/admin/mandanten/"+f.a+"/einheiten/gibt-es-nicht", "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("unknown unit: %d", rec.Code)
	}
}

// TestDestinationPages: a catalogue editor creates a destination on the
// page (first with bad input: errors next to the fields, nothing
// written), then adds a service to it; the queue exists, each change has
// its audit entry; B's admin gets 404.
func TestDestinationPages(t *testing.T) {
	f := newFixture(t, hubtest.NewSQLite(t))
	const editor = "catalogue-editor"
	base := "/admin/mandanten/" + f.a + "/empfangsstellen"
	form := func(name, leika, schema string) string {
		return url.Values{"name": {name}, "orgUnitId": {"ordnung"}, "kind": {"amqp"}, "email": {"fv@amt.test"},
			"service.leikaKey": {leika}, "service.name": {"Hundesteuer"}, "service.schemaUri": {"urn:hund"}, "service.schema": {schema}}.Encode()
	}
	before := f.auditCount(t)
	rec := f.do(editor, http.MethodPost, base, form("", "123", "kein json"), formType)
	body := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d\n%s", rec.Code, body)
	}
	for _, id := range []string{"name-error", "service.leikaKey-error", "service.schema-error"} {
		if !strings.Contains(body, `id="`+id+`"`) {
			t.Errorf("no error next to %s", id)
		}
	}
	if !strings.Contains(body, "Das Schema muss ein JSON-Schema") || !strings.Contains(body, "kein json") {
		t.Error("the German message or the entered value is missing")
	}
	if ds, _ := f.svc.Catalogue.Destinations(context.Background(), f.a); len(ds) != 1 || f.auditCount(t) != before {
		t.Fatalf("a refused form was written: %d destinations, %d audit entries", len(ds), f.auditCount(t)-before)
	}
	rec = f.do(editor, http.MethodPost, base, form("Hundesteuer Meißen", opsLeika, `{"type":"object"}`), formType)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", rec.Code, rec.Body)
	}
	edit := rec.Header().Get("Location")
	id := edit[strings.LastIndex(edit, "/")+1:]
	rec = f.do(editor, http.MethodPost, edit, form("Hundesteuer Meißen", "99108002000000", `{}`), formType)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("add a service: %d\n%s", rec.Code, rec.Body)
	}
	rec = f.do(editor, http.MethodGet, edit, "", "")
	if body := rec.Body.String(); rec.Code != http.StatusOK || !strings.Contains(body, opsLeika) || !strings.Contains(body, "99108002000000") {
		t.Fatalf("edit page: %d\n%s", rec.Code, body)
	}
	rec = f.do(editor, http.MethodGet, base, "", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Hundesteuer Meißen") {
		t.Fatalf("list: %d\n%s", rec.Code, rec.Body)
	}
	if got := strings.Join(f.auditActions(t, id), ","); got != "destination.created,destination.updated" {
		t.Errorf("audit entries: %s", got)
	}
	for _, p := range []string{base, base + "/" + id} {
		if rec := f.do(otherAdmin, http.MethodGet, p, "", ""); rec.Code != http.StatusNotFound {
			t.Errorf("B's admin GET %s: %d", p, rec.Code)
		}
	}
	if rec := f.do(editor, http.MethodGet, base+"/gibt-es-nicht", "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("unknown destination: %d", rec.Code)
	}
}
