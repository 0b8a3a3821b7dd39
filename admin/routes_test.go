package admin_test

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/hubtest"
)

// Where a route's right is checked.
const (
	public   = "public"   // no login needed
	anyStaff = "staff"    // any logged-in person
	seesA    = "seesA"    // anyone with a grant in tenant A
	inA      = "A"        // the right on tenant A as a whole
	anywhere = "anywhere" // the right in some tenant
	platform = "platform" // the right on the platform (operators)
	nowhere  = "nowhere"  // no such page: 404 for everyone logged in
	unitA    = "unitA"    // the right on tenant A's unit "ordnung" (under "amt")
)

// route is one row of the table: a route of the AdminCenter's router, the
// right it needs and where, and how to call it.
type route struct {
	right access.Right
	scope string
	// call returns the path and the body (form or JSON) of one request;
	// it may create what the request acts on, fresh for each request.
	call func(t *testing.T, f *fixture) (path, body string)
}

func form(v url.Values) string { return v.Encode() }

func fixed(path string) func(*testing.T, *fixture) (string, string) {
	return func(*testing.T, *fixture) (string, string) { return path, "" }
}

// routes is the table: every route the AdminCenter mounts must be in it
// (TestRoutesAllowedPerRole fails for one that is not).
func routes() map[string]route {
	target := func(suffix string) func(*testing.T, *fixture) (string, string) {
		return func(t *testing.T, f *fixture) (string, string) {
			p, _, _ := f.invite(t)
			return strings.ReplaceAll(suffix, "{person}", p), ""
		}
	}
	grantTarget := func(prefix string) func(*testing.T, *fixture) (string, string) {
		return func(t *testing.T, f *fixture) (string, string) {
			p, g, _ := f.invite(t)
			return strings.NewReplacer("{person}", p, "{grant}", g).Replace(prefix), ""
		}
	}
	inTenant := func(path, body string) func(*testing.T, *fixture) (string, string) {
		return func(t *testing.T, f *fixture) (string, string) {
			return strings.ReplaceAll(path, "{tenant}", f.a), strings.ReplaceAll(body, "{unique}", hubtest.Unique("x"))
		}
	}
	withBody := func(call func(*testing.T, *fixture) (string, string), body string) func(*testing.T, *fixture) (string, string) {
		return func(t *testing.T, f *fixture) (string, string) {
			p, _ := call(t, f)
			return p, strings.ReplaceAll(body, "{unique}", hubtest.Unique("x"))
		}
	}
	return map[string]route{
		// Pages.
		"GET /admin/anmelden": {scope: public, call: fixed("/admin/anmelden")},
		"POST /admin/anmelden": {scope: public, call: func(*testing.T, *fixture) (string, string) {
			return "/admin/anmelden", "email=x%40y.de&password=falsch"
		}},
		"GET /admin/anmelden/code":                               {scope: public, call: fixed("/admin/anmelden/code")},
		"POST /admin/anmelden/code":                              {scope: public, call: func(*testing.T, *fixture) (string, string) { return "/admin/anmelden/code", "code=123456" }},
		"POST /admin/abmelden":                                   {scope: public, call: fixed("/admin/abmelden")},
		"GET /admin/einladung/{token}":                           {scope: public, call: fixed("/admin/einladung/unbekannt")},
		"POST /admin/einladung/{token}":                          {scope: public, call: func(*testing.T, *fixture) (string, string) { return "/admin/einladung/unbekannt", "password=x" }},
		"GET /admin/dev/postausgang":                             {scope: public, call: fixed("/admin/dev/postausgang")},
		"GET /admin/static/*":                                    {scope: public, call: fixed("/admin/static/kern/kern.min.css")},
		"GET /admin":                                             {scope: anyStaff, call: fixed("/admin")},
		"GET /admin/":                                            {scope: anyStaff, call: fixed("/admin/")},
		"GET /admin/*":                                           {scope: nowhere, call: fixed("/admin/gibt-es-nicht")},
		"GET /admin/mandanten":                                   {scope: anyStaff, call: fixed("/admin/mandanten")},
		"POST /admin/mandanten":                                  {right: access.TenantsManage, scope: platform, call: inTenant("/admin/mandanten", "name=Neu&slug={unique}&kind=state&parent=")},
		"GET /admin/mandanten/{tenant}":                          {scope: seesA, call: inTenant("/admin/mandanten/{tenant}", "")},
		"POST /admin/mandanten/{tenant}/einheiten":               {right: access.UnitsManage, scope: inA, call: inTenant("/admin/mandanten/{tenant}/einheiten", "name=Neue+Einheit&parentId=")},
		"GET /admin/mandanten/{tenant}/personal":                 {right: access.StaffManage, scope: inA, call: inTenant("/admin/mandanten/{tenant}/personal", "")},
		"POST /admin/mandanten/{tenant}/personal":                {right: access.StaffManage, scope: inA, call: inTenant("/admin/mandanten/{tenant}/personal", "displayName=Neu&email={unique}%40amt.test")},
		"GET /admin/personal":                                    {right: access.StaffManage, scope: anywhere, call: fixed("/admin/personal")},
		"GET /admin/personal/{person}":                           {right: access.StaffManage, scope: inA, call: target("/admin/personal/{person}")},
		"POST /admin/personal/{person}/rollen":                   {right: access.StaffManage, scope: inA, call: withBody(target("/admin/personal/{person}/rollen"), "role=auditor&unit=")},
		"POST /admin/personal/{person}/rollen/{grant}/entziehen": {right: access.StaffManage, scope: inA, call: grantTarget("/admin/personal/{person}/rollen/{grant}/entziehen")},
		"POST /admin/personal/{person}/entfernen":                {right: access.StaffManage, scope: inA, call: target("/admin/personal/{person}/entfernen")},
		"GET /admin/katalog":                                     {right: access.CatalogueEdit, scope: anywhere, call: fixed("/admin/katalog")},
		"GET /admin/protokoll":                                   {right: access.AuditRead, scope: anywhere, call: fixed("/admin/protokoll")},
		"GET /admin/protokoll.csv":                               {right: access.AuditRead, scope: anywhere, call: fixed("/admin/protokoll.csv")},
		// API.
		"POST /admin/v1/login": {scope: public, call: func(*testing.T, *fixture) (string, string) {
			return "/admin/v1/login", `{"email":"x@y.de","password":"falsch","code":"123456"}`
		}},
		"POST /admin/v1/logout":                          {scope: anyStaff, call: fixed("/admin/v1/logout")},
		"GET /admin/v1/tenants":                          {scope: anyStaff, call: fixed("/admin/v1/tenants")},
		"POST /admin/v1/tenants":                         {right: access.TenantsManage, scope: platform, call: inTenant("/admin/v1/tenants", `{"slug":"{unique}","name":"Neu"}`)},
		"GET /admin/v1/tenants/{tenant}":                 {scope: seesA, call: inTenant("/admin/v1/tenants/{tenant}", "")},
		"GET /admin/v1/tenants/{tenant}/units":           {scope: seesA, call: inTenant("/admin/v1/tenants/{tenant}/units", "")},
		"POST /admin/v1/tenants/{tenant}/units":          {right: access.UnitsManage, scope: inA, call: inTenant("/admin/v1/tenants/{tenant}/units", `{"name":"Neue Einheit"}`)},
		"GET /admin/v1/tenants/{tenant}/staff":           {right: access.StaffManage, scope: inA, call: inTenant("/admin/v1/tenants/{tenant}/staff", "")},
		"POST /admin/v1/tenants/{tenant}/staff":          {right: access.StaffManage, scope: inA, call: inTenant("/admin/v1/tenants/{tenant}/staff", `{"email":"{unique}@amt.test","displayName":"Neu"}`)},
		"GET /admin/v1/staff/{person}":                   {right: access.StaffManage, scope: inA, call: target("/admin/v1/staff/{person}")},
		"DELETE /admin/v1/staff/{person}":                {right: access.StaffManage, scope: inA, call: target("/admin/v1/staff/{person}")},
		"POST /admin/v1/staff/{person}/grants":           {right: access.StaffManage, scope: inA, call: withBody(target("/admin/v1/staff/{person}/grants"), `{"role":"auditor"}`)},
		"DELETE /admin/v1/staff/{person}/grants/{grant}": {right: access.StaffManage, scope: inA, call: grantTarget("/admin/v1/staff/{person}/grants/{grant}")},
		"GET /admin/v1/audit":                            {right: access.AuditRead, scope: anywhere, call: fixed("/admin/v1/audit")},
		// Operations on the catalogue and on dead letters (ops_helpers_test.go).
		"GET /admin/mandanten/{tenant}/zustaendigkeiten": {right: access.CatalogueEdit, scope: unitA,
			call: inTenant("/admin/mandanten/{tenant}/zustaendigkeiten?leistung="+opsLeika, "")},
		"POST /admin/mandanten/{tenant}/zustaendigkeiten": {right: access.CatalogueEdit, scope: unitA,
			call: inTenant("/admin/mandanten/{tenant}/zustaendigkeiten", "leikaKey="+opsLeika+"&arsPrefix=14&orgUnitId=ordnung&notes.kosten={unique}")},
		"POST /admin/mandanten/{tenant}/zustaendigkeiten/entfernen": {right: access.CatalogueEdit, scope: unitA,
			call: func(t *testing.T, f *fixture) (string, string) {
				f.ops.responsibility(t)
				return "/admin/mandanten/" + f.a + "/zustaendigkeiten/entfernen", "leikaKey=" + opsLeika + "&arsPrefix=14"
			}},
		"GET /admin/mandanten/{tenant}/unzustellbar": {right: access.DeadLettersManage, scope: inA,
			call: func(t *testing.T, f *fixture) (string, string) {
				f.ops.deadLetter(t)
				return "/admin/mandanten/" + f.a + "/unzustellbar", ""
			}},
		"POST /admin/mandanten/{tenant}/unzustellbar/{destination}/{message}/erneut-senden": {right: access.DeadLettersManage, scope: inA,
			call: func(t *testing.T, f *fixture) (string, string) {
				return "/admin/mandanten/" + f.a + "/unzustellbar/" + f.ops.dest + "/" + f.ops.deadLetter(t) + "/erneut-senden", ""
			}},
		"POST /admin/mandanten/{tenant}/unzustellbar/{destination}/{message}/verwerfen": {right: access.DeadLettersManage, scope: inA,
			call: func(t *testing.T, f *fixture) (string, string) {
				return "/admin/mandanten/" + f.a + "/unzustellbar/" + f.ops.dest + "/" + f.ops.deadLetter(t) + "/verwerfen", ""
			}},
		// Units, destinations (catalogue_pages_test.go).
		"GET /admin/mandanten/{tenant}/einheiten/{unit}": {right: access.UnitsManage, scope: unitA,
			call: inTenant("/admin/mandanten/{tenant}/einheiten/ordnung", "")},
		"POST /admin/mandanten/{tenant}/einheiten/{unit}": {right: access.UnitsManage, scope: unitA,
			call: inTenant("/admin/mandanten/{tenant}/einheiten/ordnung", "name=Ordnungsamt&email={unique}%40amt.test")},
		"POST /admin/mandanten/{tenant}/einheiten/{unit}/verschieben": {right: access.UnitsManage, scope: unitA,
			call: func(t *testing.T, f *fixture) (string, string) {
				return "/admin/mandanten/" + f.a + "/einheiten/" + f.freshUnit(t) + "/verschieben", "parentId=ordnung"
			}},
		"POST /admin/mandanten/{tenant}/einheiten/{unit}/loeschen": {right: access.UnitsManage, scope: unitA,
			call: func(t *testing.T, f *fixture) (string, string) {
				return "/admin/mandanten/" + f.a + "/einheiten/" + f.freshUnit(t) + "/loeschen", ""
			}},
		"GET /admin/mandanten/{tenant}/empfangsstellen": {right: access.CatalogueEdit, scope: unitA,
			call: inTenant("/admin/mandanten/{tenant}/empfangsstellen", "")},
		"POST /admin/mandanten/{tenant}/empfangsstellen": {right: access.CatalogueEdit, scope: unitA,
			call: inTenant("/admin/mandanten/{tenant}/empfangsstellen", "name=FV+{unique}&orgUnitId=ordnung&kind=amqp&service.leikaKey="+opsLeika+
				"&service.name=Hundesteuer&service.schemaUri=urn%3Ahund&service.schema=%7B%7D")},
		"GET /admin/mandanten/{tenant}/empfangsstellen/{destination}": {right: access.CatalogueEdit, scope: unitA,
			call: inTenant("/admin/mandanten/{tenant}/empfangsstellen/fv-ordnung", "")},
		"POST /admin/mandanten/{tenant}/empfangsstellen/{destination}": {right: access.CatalogueEdit, scope: unitA,
			call: inTenant("/admin/mandanten/{tenant}/empfangsstellen/fv-ordnung", "name=Hundesteuer+{unique}&orgUnitId=ordnung&kind=amqp")},
		"GET /admin/mandanten/{tenant}/regionaltexte": {right: access.CatalogueEdit, scope: unitA,
			call: inTenant("/admin/mandanten/{tenant}/regionaltexte?leistung="+opsLeika, "")},
		// The tenant's record of processing activities (privacy_test.go).
		"GET /admin/mandanten/{tenant}/datenschutz":    {right: access.AuditRead, scope: unitA, call: inTenant("/admin/mandanten/{tenant}/datenschutz", "")},
		"GET /admin/mandanten/{tenant}/datenschutz.md": {right: access.AuditRead, scope: unitA, call: inTenant("/admin/mandanten/{tenant}/datenschutz.md", "")},
		// Vendors' OAuth clients (clients_helpers_test.go).
		"GET /admin/mandanten/{tenant}/clients": {right: access.ClientsManage, scope: unitA, call: inTenant("/admin/mandanten/{tenant}/clients", "")},
		"POST /admin/mandanten/{tenant}/clients": {right: access.ClientsManage, scope: unitA,
			call: inTenant("/admin/mandanten/{tenant}/clients", "name={unique}&scopes=routes%3Aread")},
		"POST /admin/mandanten/{tenant}/clients/{client}/neues-geheimnis": {right: access.ClientsManage, scope: unitA,
			call: func(t *testing.T, f *fixture) (string, string) {
				return "/admin/mandanten/" + f.a + "/clients/" + f.client(t) + "/neues-geheimnis", ""
			}},
		"POST /admin/mandanten/{tenant}/clients/{client}/deaktivieren": {right: access.ClientsManage, scope: unitA,
			call: func(t *testing.T, f *fixture) (string, string) {
				return "/admin/mandanten/" + f.a + "/clients/" + f.client(t) + "/deaktivieren", ""
			}},
		"GET /admin/v1/tenants/{tenant}/responsibilities": {right: access.CatalogueEdit, scope: unitA,
			call: inTenant("/admin/v1/tenants/{tenant}/responsibilities", "")},
		"PUT /admin/v1/tenants/{tenant}/responsibilities/{leikaKey}/{arsPrefix}": {right: access.CatalogueEdit, scope: unitA,
			call: inTenant("/admin/v1/tenants/{tenant}/responsibilities/"+opsLeika+"/14", `{"orgUnitId":"ordnung","notes":{"kosten":"{unique}"}}`)},
		"DELETE /admin/v1/tenants/{tenant}/responsibilities/{leikaKey}/{arsPrefix}": {right: access.CatalogueEdit, scope: unitA,
			call: func(t *testing.T, f *fixture) (string, string) {
				f.ops.responsibility(t)
				return "/admin/v1/tenants/" + f.a + "/responsibilities/" + opsLeika + "/14", ""
			}},
		"GET /admin/v1/tenants/{tenant}/destinations": {right: access.CatalogueEdit, scope: unitA,
			call: inTenant("/admin/v1/tenants/{tenant}/destinations", "")},
		"POST /admin/v1/tenants/{tenant}/destinations": {right: access.CatalogueEdit, scope: unitA,
			call: inTenant("/admin/v1/tenants/{tenant}/destinations", `{"orgUnitId":"ordnung","name":"FV {unique}","services":[{"leikaKey":"`+opsLeika+`","name":"Hundesteuer","schemaUri":"urn:hund","schema":{}}]}`)},
		"PUT /admin/v1/tenants/{tenant}/destinations/{destination}": {right: access.CatalogueEdit, scope: unitA,
			call: inTenant("/admin/v1/tenants/{tenant}/destinations/fv-ordnung", `{"orgUnitId":"ordnung","name":"Hundesteuer {unique}","services":[{"leikaKey":"`+opsLeika+`","name":"Hundesteuer","schemaUri":"urn:hund","schema":{}}]}`)},
		"GET /admin/v1/tenants/{tenant}/destinations/{destination}/dead-letters": {right: access.DeadLettersManage, scope: inA,
			call: func(t *testing.T, f *fixture) (string, string) { return f.deadLetters(), "" }},
		"GET /admin/v1/tenants/{tenant}/destinations/{destination}/dead-letters/{message}": {right: access.DeadLettersManage, scope: inA,
			call: func(t *testing.T, f *fixture) (string, string) {
				return f.deadLetters() + "/" + f.ops.deadLetter(t), ""
			}},
		"POST /admin/v1/tenants/{tenant}/destinations/{destination}/dead-letters/{message}/replay": {right: access.DeadLettersManage, scope: inA,
			call: func(t *testing.T, f *fixture) (string, string) {
				return f.deadLetters() + "/" + f.ops.deadLetter(t) + "/replay", ""
			}},
		"DELETE /admin/v1/tenants/{tenant}/destinations/{destination}/dead-letters/{message}": {right: access.DeadLettersManage, scope: inA,
			call: func(t *testing.T, f *fixture) (string, string) {
				return f.deadLetters() + "/" + f.ops.deadLetter(t), ""
			}},
	}
}

// want says whether actor may use r: nil when allowed, else the status.
func want(f *fixture, actor string, r route, grants []access.Grant) int {
	operator := access.Allowed(grants, access.TenantsManage, access.Resource{})
	seeA := operator || slices.ContainsFunc(grants, func(g access.Grant) bool { return g.TenantID == f.a })
	deny := func() int {
		if seeA {
			return http.StatusForbidden
		}
		return http.StatusNotFound
	}
	switch r.scope {
	case public, anyStaff:
		return 0
	case nowhere:
		return http.StatusNotFound
	case seesA:
		if seeA {
			return 0
		}
		return http.StatusNotFound
	case platform:
		if access.Allowed(grants, r.right, access.Resource{}) {
			return 0
		}
		return http.StatusForbidden
	case anywhere:
		if all, ts := access.Tenants(grants, r.right); all || len(ts) > 0 {
			return 0
		}
		return http.StatusForbidden
	case inA:
		if access.Allowed(grants, r.right, access.Resource{TenantID: f.a}) {
			return 0
		}
		return deny()
	case unitA:
		if access.Allowed(grants, r.right, access.Resource{TenantID: f.a, UnitPath: []string{"ordnung", "amt"}}) {
			return 0
		}
		return deny()
	}
	panic("unknown scope " + r.scope)
}

// TestRoutesAllowedPerRole calls every route of the AdminCenter as every
// role (and as a tenant admin of another tenant, and as nobody): each is
// allowed, or refused with 403 (in a tenant the caller works in) or 404
// (in another tenant). Every allowed change leaves exactly one audit
// entry; a refused one none. A route missing from the table fails.
func TestRoutesAllowedPerRole(t *testing.T) {
	f := newFixture(t, hubtest.NewSQLite(t))
	table := routes()
	var mounted []string
	err := chi.Walk(f.router, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		mounted = append(mounted, method+" "+strings.TrimSuffix(strings.ReplaceAll(pattern, "/*/", "/"), "/*/"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mounted {
		if _, ok := table[m]; !ok {
			t.Errorf("route %s is not in the table", m)
		}
	}
	for key := range table {
		if !slices.Contains(mounted, key) {
			t.Errorf("table row %s names no mounted route", key)
		}
	}
	// Logging out ends the caller's session: those two go last.
	keys := slices.Sorted(maps.Keys(table))
	last := func(k string) bool { return strings.Contains(k, "abmelden") || strings.Contains(k, "logout") }
	rank := func(k string) int {
		switch {
		case strings.Contains(k, "logout"):
			return 1
		case strings.Contains(k, "abmelden"):
			return 2
		}
		return 0
	}
	slices.SortStableFunc(keys, func(x, y string) int { return rank(x) - rank(y) })
	for _, actor := range actors() {
		grants, _ := f.svc.Grants.Of(context.Background(), f.people[actor])
		for _, key := range keys {
			r := table[key]
			method, _, _ := strings.Cut(key, " ")
			t.Run(actor+"/"+key, func(t *testing.T) {
				path, body := r.call(t, f)
				ctype := ""
				if body != "" {
					ctype = "application/x-www-form-urlencoded"
					if strings.HasPrefix(path, "/admin/v1/") {
						ctype = "application/json"
					}
				}
				before := f.auditCount(t)
				rec := f.do(actor, method, path, body, ctype)
				after := f.auditCount(t)
				if rec.Code >= 500 {
					t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
				}
				if r.scope == public {
					return
				}
				if actor == "anonymous" {
					if strings.HasPrefix(path, "/admin/v1/") && rec.Code != http.StatusUnauthorized ||
						!strings.HasPrefix(path, "/admin/v1/") && (rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/admin/anmelden") {
						t.Errorf("anonymous %s %s: %d (Location %q), want the login", method, path, rec.Code, rec.Header().Get("Location"))
					}
					return
				}
				w := want(f, actor, r, grants)
				switch {
				case w == 0 && rec.Header().Get("Location") == "/admin/anmelden" && !last(key):
					t.Errorf("%s %s %s: sent to the login", actor, method, path)
				case w == 0 && rec.Code >= 400:
					t.Errorf("%s %s %s: %d, want allowed\n%.300s", actor, method, path, rec.Code, rec.Body)
				case w != 0 && rec.Code != w:
					t.Errorf("%s %s %s: %d, want %d\n%.300s", actor, method, path, rec.Code, w, rec.Body)
				}
				mutating := method != http.MethodGet && key != "POST /admin/v1/logout"
				switch {
				case mutating && w == 0 && after-before != 1:
					t.Errorf("%s %s: %d audit entries, want 1", method, path, after-before)
				case (!mutating || w != 0) && after != before:
					t.Errorf("%s %s (%d): %d audit entries, want none", method, path, rec.Code, after-before)
				}
			})
		}
		if actor != "anonymous" && f.tokens[actor] != "" {
			// POST /admin/v1/logout ended the session: log in again.
			f.refresh(t, actor)
		}
	}
}
