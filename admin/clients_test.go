package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/amthub/amthub/hub/audit"
	"github.com/amthub/amthub/hub/hubtest"
)

var secretOnPage = regexp.MustCompile(`<code id="client-secret">([^<]+)</code>`)

// TestClientPages: a client manager creates a vendor's client and sees its
// secret on the answer page only; rotating shows a new one once; disabling
// marks it; each step leaves an audit entry without the secret; bad input
// is refused next to the field with nothing written; B's admin gets 404.
func TestClientPages(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, d.Open(t))
			const manager = "client-manager"
			base := "/admin/mandanten/" + f.a + "/clients"
			post := func(path string, v url.Values) (int, string) {
				rec := f.do(manager, http.MethodPost, path, v.Encode(), "application/x-www-form-urlencoded")
				return rec.Code, rec.Body.String()
			}

			for _, tc := range []struct {
				name  string
				form  url.Values
				field string
				msg   string
			}{
				{"NoName", url.Values{"name": {"  "}, "scopes": {"routes:read"}}, "name", "Bitte geben Sie einen Namen"},
				{"LongName", url.Values{"name": {strings.Repeat("x", 201)}, "scopes": {"routes:read"}}, "name", "1–200 Zeichen"},
				{"NoScope", url.Values{"name": {"Fachsoftware"}}, "scopes", "mindestens eine"},
				{"UnofferedScope", url.Values{"name": {"Fachsoftware"}, "scopes": {"routes:read", "admin"}}, "scopes", "mindestens eine"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					before := f.auditCount(t)
					code, body := post(base, tc.form)
					if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+tc.field+`-error"`) ||
						!strings.Contains(body, tc.msg) || !strings.Contains(body, `aria-invalid="true"`) {
						t.Fatalf("%d, want 422 with the message next to %s:\n%s", code, tc.field, body)
					}
					if cs, err := f.svc.Clients.List(ctx, f.a); err != nil || len(cs) != 0 {
						t.Fatalf("refused input wrote a client: %+v, %v", cs, err)
					}
					if f.auditCount(t) != before {
						t.Fatal("refused input left an audit entry")
					}
				})
			}

			code, body := post(base, url.Values{"name": {"Fachsoftware Hund"}, "scopes": {"routes:read", "submissions:write"}})
			m := secretOnPage.FindStringSubmatch(body)
			if code != http.StatusOK || m == nil || len(m[1]) < 32 {
				t.Fatalf("create: %d, no secret on the answer page:\n%s", code, body)
			}
			secret := m[1]
			cs, err := f.svc.Clients.List(ctx, f.a)
			if err != nil || len(cs) != 1 || cs[0].Name != "Fachsoftware Hund" || len(cs[0].Scopes) != 2 {
				t.Fatalf("clients = %+v, %v", cs, err)
			}
			id := cs[0].ID
			list := f.do(manager, http.MethodGet, base, "", "").Body.String()
			if !strings.Contains(list, id) || strings.Contains(list, secret) {
				t.Fatalf("the list must name the client and never show its secret:\n%s", list)
			}

			code, body = post(base+"/"+id+"/neues-geheimnis", nil)
			m = secretOnPage.FindStringSubmatch(body)
			if code != http.StatusOK || m == nil || m[1] == secret {
				t.Fatalf("rotate: %d, want a new secret:\n%s", code, body)
			}
			rotated := m[1]
			if code, _ = post(base+"/"+id+"/deaktivieren", nil); code != http.StatusSeeOther {
				t.Fatalf("disable: %d", code)
			}
			list = f.do(manager, http.MethodGet, base, "", "").Body.String()
			if !strings.Contains(list, "deaktiviert") || strings.Contains(list, "neues-geheimnis") || strings.Contains(list, rotated) {
				t.Fatalf("after disabling:\n%s", list)
			}

			entries, err := f.svc.Audit.List(ctx, audit.Filter{Tenants: []string{f.a}, Action: "client."})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, e := range entries {
				raw, _ := json.Marshal(e)
				if strings.Contains(string(raw), secret) || strings.Contains(string(raw), rotated) {
					t.Fatalf("audit entry %s holds a secret: %s", e.Action, raw)
				}
				if e.ResourceID == id && e.ActorID == f.people[manager] {
					got[e.Action] = true
				}
			}
			for _, a := range []string{"client.created", "client.secret_rotated", "client.disabled"} {
				if !got[a] {
					t.Errorf("no audit entry %s for the client: %+v", a, entries)
				}
			}

			for _, path := range []string{base, base + "/" + id + "/neues-geheimnis"} {
				method := http.MethodGet
				if strings.HasSuffix(path, "geheimnis") {
					method = http.MethodPost
				}
				if rec := f.do(otherAdmin, method, path, "", "application/x-www-form-urlencoded"); rec.Code != http.StatusNotFound {
					t.Fatalf("B's admin %s %s: %d, want 404", method, path, rec.Code)
				}
			}
			if code, _ = post("/admin/mandanten/"+f.a+"/clients/unbekannt/neues-geheimnis", nil); code != http.StatusNotFound {
				t.Fatalf("unknown client: %d, want 404", code)
			}
		})
	}
}
