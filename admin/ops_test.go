package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/audit"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/hubtest"
)

// TestResponsibilityAPI: the catalogue editor changes who serves a service
// through /admin/v1; the catalogue answers with it at once, the audit log
// has the change with before and after; bad input is a problem naming
// the field and writes nothing. On both databases.
func TestResponsibilityAPI(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, d.Open(t))
			store := catalogue.NewStore(f.db)
			path := "/admin/v1/tenants/" + f.a + "/responsibilities/" + opsLeika + "/145110000000"
			const editor = "catalogue-editor"

			for _, tc := range []struct{ name, path, body, field string }{
				{"UnknownUnit", path, `{"orgUnitId":"nirgends"}`, "orgUnitId"},
				{"BadLeikaKey", "/admin/v1/tenants/" + f.a + "/responsibilities/12345/14", `{"orgUnitId":"ordnung"}`, "leikaKey"},
				{"UnknownSection", path, `{"orgUnitId":"ordnung","notes":{"gebuehr":"x"}}`, "notes.gebuehr"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					before := f.auditCount(t)
					rec := f.do(editor, http.MethodPut, tc.path, tc.body, "application/json")
					var p struct{ Field string }
					if rec.Code != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Field != tc.field ||
						rec.Header().Get("Content-Type") != "application/problem+json" {
						t.Fatalf("%d %s %s, want a 400 problem for %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body, tc.field)
					}
					if f.auditCount(t) != before {
						t.Fatal("a refused change left an audit entry")
					}
					if rs, _ := f.svc.Catalogue.Responsibilities(ctx, f.a, ""); len(rs) != 0 {
						t.Fatalf("a refused change was written: %+v", rs)
					}
				})
			}

			rec := f.do(editor, http.MethodPut, path, `{"orgUnitId":"ordnung","notes":{"kosten":"96 Euro je Hund"}}`, "application/json")
			if rec.Code != http.StatusOK {
				t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
			}
			m, err := store.Responsible(ctx, f.a, opsLeika, "145110000000")
			if err != nil || m.Unit.ID != "ordnung" || m.Notes["kosten"] != "96 Euro je Hund" {
				t.Fatalf("the catalogue after the change: %+v, %v", m, err)
			}
			entries, err := f.svc.Audit.List(ctx, audit.Filter{Tenants: []string{f.a}, Action: "responsibility.set"})
			var after []byte
			if err == nil && len(entries) == 1 {
				after, err = json.Marshal(entries[0].After)
			}
			if err != nil || len(entries) != 1 || entries[0].ResourceID != opsLeika+"/145110000000" || entries[0].Before != nil ||
				!strings.Contains(string(after), "96 Euro je Hund") {
				t.Fatalf("audit = %+v, %v", entries, err)
			}
			if rec := f.do(otherAdmin, http.MethodGet, "/admin/v1/tenants/"+f.a+"/responsibilities", "", ""); rec.Code != http.StatusNotFound {
				t.Fatalf("B's admin lists A's responsibilities: %d", rec.Code)
			}
		})
	}
}

// TestDeadLetterAPI: a tenant admin lists a destination's dead letter
// (without its payload), replays it into the destination's queue, where
// the consumer receives it again, and finds the replay in the audit log;
// B's admin gets 404.
func TestDeadLetterAPI(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, hubtest.NewSQLite(t))
	const admin = "tenant-admin"
	id := f.ops.deadLetter(t)
	rec := f.do(admin, http.MethodGet, f.deadLetters(), "", "")
	var list struct{ Items []bus.DeadLetter }
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &list) != nil || len(list.Items) != 1 || list.Items[0].ID != id ||
		list.Items[0].Reason != "delivery_limit" || list.Items[0].Tenant != f.a {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "Mustermann") {
		t.Fatal("the list shows the payload")
	}
	for _, path := range []string{f.deadLetters(), "/admin/v1/tenants/" + f.b + "/destinations/" + f.ops.dest + "/dead-letters"} {
		if rec := f.do(otherAdmin, http.MethodGet, path, "", ""); rec.Code != http.StatusNotFound {
			t.Fatalf("B's admin GET %s: %d", path, rec.Code)
		}
	}
	if rec := f.do(admin, http.MethodPost, f.deadLetters()+"/unbekannt/replay", "", ""); rec.Code != http.StatusNotFound {
		t.Fatalf("replay of an unknown message: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do(admin, http.MethodPost, f.deadLetters()+"/"+id+"/replay", "", ""); rec.Code != http.StatusOK {
		t.Fatalf("replay: %d %s", rec.Code, rec.Body)
	}
	// The fixture's consumer receives it and refuses it again (delivery
	// limit 1): it is back in the dead-letter queue.
	back := false
	for deadline := time.Now().Add(10 * time.Second); !back && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		dls, _ := f.ops.bus.ListDeadLetters(ctx, f.ops.dest, 100)
		back = len(dls) == 1 && dls[0].ID == id
	}
	if !back {
		t.Fatal("the replayed message did not reach the destination's consumer")
	}
	entries, err := f.svc.Audit.List(ctx, audit.Filter{Tenants: []string{f.a}, Action: "dead_letter.replayed"})
	if err != nil || len(entries) != 1 || entries[0].ResourceID != f.ops.dest+"/"+id {
		t.Fatalf("audit = %+v, %v", entries, err)
	}
	if rec := f.do(admin, http.MethodDelete, f.deadLetters()+"/"+f.ops.deadLetter(t), "", ""); rec.Code != http.StatusNoContent {
		t.Fatalf("discard: %d %s", rec.Code, rec.Body)
	}
}

// TestOpsPages: the responsibilities form shows each German error next to
// its field and writes nothing; a good one is saved and listed. The dead
// letters page lists a dead letter without its payload, and its button
// replays it. B's admin gets the 404 page for both.
func TestOpsPages(t *testing.T) {
	f := newFixture(t, hubtest.NewSQLite(t))
	const form = "application/x-www-form-urlencoded"
	base := "/admin/mandanten/" + f.a + "/zustaendigkeiten"
	rec := f.do("catalogue-editor", http.MethodPost, base, "leikaKey=123&arsPrefix=1&orgUnitId=&notes.kosten=x", form)
	body := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d\n%s", rec.Code, body)
	}
	for _, id := range []string{"leikaKey-error", "arsPrefix-error", "orgUnitId-error"} {
		if !strings.Contains(body, `id="`+id+`"`) {
			t.Errorf("no error next to %s", id)
		}
	}
	if !strings.Contains(body, "Bitte wählen Sie die zuständige Behörde.") || !strings.Contains(body, `value="123"`) {
		t.Error("the German message or the entered value is missing")
	}
	if rs, _ := f.svc.Catalogue.Responsibilities(context.Background(), f.a, ""); len(rs) != 0 {
		t.Fatalf("a refused form was written: %+v", rs)
	}
	rec = f.do("catalogue-editor", http.MethodPost, base, "leikaKey="+opsLeika+"&arsPrefix=147290000000&orgUnitId=ordnung&notes.kosten=96+Euro", form)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("good form: %d\n%s", rec.Code, rec.Body)
	}
	rec = f.do("catalogue-editor", http.MethodGet, rec.Header().Get("Location"), "", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "147290000000") || !strings.Contains(rec.Body.String(), "Ordnungsamt") {
		t.Fatalf("list after saving: %d\n%s", rec.Code, rec.Body)
	}

	id := f.ops.deadLetter(t)
	page := "/admin/mandanten/" + f.a + "/unzustellbar"
	rec = f.do("tenant-admin", http.MethodGet, page, "", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), id) || strings.Contains(rec.Body.String(), "Mustermann") {
		t.Fatalf("dead letters page: %d\n%s", rec.Code, rec.Body)
	}
	rec = f.do("tenant-admin", http.MethodPost, page+"/"+f.ops.dest+"/"+id+"/erneut-senden", "", form)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("replay button: %d\n%s", rec.Code, rec.Body)
	}
	for _, p := range []string{base, page} {
		if rec := f.do(otherAdmin, http.MethodGet, p, "", ""); rec.Code != http.StatusNotFound {
			t.Errorf("B's admin GET %s: %d", p, rec.Code)
		}
	}
}

// TestDestinationAPI: a catalogue editor creates a destination, whose
// queue is declared on the bus at once, and lists it; bad input is a
// problem naming the field and writes nothing; B's admin gets 404.
func TestDestinationAPI(t *testing.T) {
	f := newFixture(t, hubtest.NewSQLite(t))
	const editor = "catalogue-editor"
	path := "/admin/v1/tenants/" + f.a + "/destinations"
	body := func(leika string) string {
		return `{"id":"fv-neu","orgUnitId":"ordnung","name":"Neues Verfahren","services":[{"leikaKey":"` + leika +
			`","name":"Hundesteuer","schemaUri":"urn:hund","schema":{"type":"object"}}]}`
	}
	rec := f.do(editor, http.MethodPost, path, body("123"), "application/json")
	var p struct{ Field string }
	if rec.Code != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Field != "services[0].leikaKey" {
		t.Fatalf("bad input: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do(editor, http.MethodPost, path, body(opsLeika), "application/json"); rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	// The queue is bound: a message published for the destination arrives.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := f.ops.bus.Subscribe(ctx, bus.DestinationQueue("fv-neu"))
	if err != nil {
		t.Fatal(err)
	}
	f.ops.publish(t, "fv-neu")
	select {
	case m := <-msgs:
		m.Ack()
	case <-ctx.Done():
		t.Fatal("the new destination's queue is not bound")
	}
	rec = f.do(editor, http.MethodGet, path, "", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Neues Verfahren") {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do(otherAdmin, http.MethodGet, path, "", ""); rec.Code != http.StatusNotFound {
		t.Fatalf("B's admin lists A's destinations: %d", rec.Code)
	}
}
