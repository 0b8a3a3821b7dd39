package portal_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

const xss = `<script>alert("xss")</script><img src=x onerror=alert(1)>`

// xssCatalogue puts markup into every text of a service, authority and
// regional note.
var xssCatalogue = `{"format": "amthub-katalog/1",
 "leistungen": [{"leikaSchluessel": "99900000000666", "bezeichnung": "Boese ` + jsonEsc(xss) + `",
  "kurztext": "` + jsonEsc(xss) + `", "volltext": "` + jsonEsc(xss) + `", "voraussetzungen": "` + jsonEsc(xss) + `",
  "verfahrensablauf": "- ` + jsonEsc(xss) + `", "fristen": "x", "unterlagen": "x", "kosten": "x", "rechtsgrundlage": "x",
  "schlagworte": ["` + jsonEsc(xss) + `"]}],
 "organisationseinheiten": [{"id": "boese", "name": "Amt ` + jsonEsc(xss) + `", "anschrift": {"strasse": "` + jsonEsc(xss) + `", "plz": "01067", "ort": "` + jsonEsc(xss) + `"},
  "oeffnungszeiten": "` + jsonEsc(xss) + `", "kommunikation": {"telefon": "` + jsonEsc(xss[:40]) + `"}}],
 "zustaendigkeiten": [{"leistung": "99900000000666", "gebiet": "14", "organisationseinheit": "boese",
  "regionaleHinweise": {"kosten": "` + jsonEsc(xss) + `"}}]}`

func jsonEsc(s string) string { return strings.ReplaceAll(s, `"`, `\"`) }

func assertInert(t *testing.T, where, body string) {
	t.Helper()
	for _, bad := range []string{"<script>alert", "<img src=x"} {
		if strings.Contains(body, bad) {
			t.Errorf("%s: markup %q not escaped", where, bad)
		}
	}
}

func TestXSS(t *testing.T) {
	db, tenant := seededSQLite(t)
	e := newEnv(t, db, tenant, nil, true)
	if _, err := e.portal.Catalogue().Import(context.Background(), e.tenant, strings.NewReader(xssCatalogue)); err != nil {
		t.Fatal(err)
	}
	c := e.client(t)
	for _, path := range []string{
		"/leistungen/99900000000666?ort=Dresden", "/behoerden/boese", "/suche?q=Boese",
		"/suche?q=" + url.QueryEscape(xss) + "&ort=" + url.QueryEscape(xss),
		"/leistungen/99900000000666?ort=" + url.QueryEscape(xss), "/api/suche?q=" + url.QueryEscape(xss),
	} {
		code, body := c.get(path)
		if code != 200 {
			t.Fatalf("GET %s = %d", path, code)
		}
		assertInert(t, path, body)
	}
	t.Run("Account", func(t *testing.T) {
		c.get("/konto/registrieren")
		code, body := c.post("/konto/registrieren", url.Values{"given_name": {xss}, "family_name": {xss}, "email": {xss}, "password": {"kurz"}})
		if code != 422 {
			t.Fatalf("register with markup email = %d", code)
		}
		assertInert(t, "register form", body)
		c.get("/konto/anmelden")
		_, body = c.post("/konto/anmelden", url.Values{"email": {xss}, "password": {xss}})
		assertInert(t, "login form", body)
		c.registerAndConfirm("xss@example.org", "richtig-geheim-1")
		c.get("/konto/anmelden")
		c.post("/konto/anmelden", url.Values{"email": {"xss@example.org"}, "password": {"richtig-geheim-1"}})
		c.get("/konto")
		form := url.Values{}
		for _, f := range []string{"given_name", "family_name", "birth_name", "birth_place", "street", "city"} {
			form.Set(f, xss)
		}
		if code, _ := c.post("/konto/stammdaten", form); code != 303 {
			t.Fatalf("save = %d", code)
		}
		_, body = c.get("/konto")
		assertInert(t, "/konto", body)
		_, body = c.get("/dev/postausgang")
		assertInert(t, "outbox", body)
	})
}
