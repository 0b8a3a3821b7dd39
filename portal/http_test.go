package portal_test

import (
	"net/url"
	"strings"
	"testing"
)

func TestPages(t *testing.T) {
	db, tenant := seededSQLite(t)
	e := newEnv(t, db, tenant, nil, true)
	c := e.client(t)
	for _, tc := range []struct {
		name, path string
		code       int
		want       []string
	}{
		{"Home", "/", 200, []string{`<html lang="de">`, "Wonach suchen Sie?", `href="/leistungen/99108001000000"`}},
		{"Search", "/suche?q=Hund", 200, []string{"Hundesteuer anmelden"}},
		{"SearchWithPlace", "/suche?q=Wohngeld&ort=Bautzen", 200, []string{"Wohngeld beantragen", "in Bautzen"}},
		{"SearchUnknownPlace", "/suche?q=Wohngeld&ort=Atlantis", 200, []string{"kennen wir nicht"}},
		{"Service", "/leistungen/99115005000000", 200, []string{"Voraussetzungen", "Erforderliche Unterlagen", "Rechtsgrundlage"}},
		{"Finder", "/leistungen/99115005000000?ort=Annaberg-Buchholz", 200, []string{"Stadtverwaltung Annaberg-Buchholz"}},
		{"FinderPostcode", "/leistungen/99108001000000?ort=02625", 200, []string{"Landratsamt Bautzen"}},
		{"FinderPostcodeChoices", "/leistungen/99108001000000?ort=09456", 200, []string{"Mildenau"}},
		{"FinderRegional", "/leistungen/99022003001000?ort=Dresden", 200, []string{"Regionale Besonderheit", "108 Euro", "Antrag online stellen"}},
		{"FinderChoices", "/leistungen/99115005000000?ort=Lei", 200, []string{"Mehrere Orte passen"}},
		{"FinderUnknown", "/leistungen/99115005000000?ort=Atlantis", 200, []string{"keinen Ort"}},
		{"Authority", "/behoerden/lra-14627", 200, []string{"Landratsamt Meißen", "Fahrzeug zulassen"}},
		{"ErrServiceNotFound", "/leistungen/99000000000001", 404, []string{"Nicht gefunden"}},
		{"ErrAuthorityNotFound", "/behoerden/nope", 404, nil},
		{"APISearch", "/api/suche?q=auto", 200, []string{`"leikaKey":"99108001000000"`}},
		{"APIPlaces", "/api/orte?q=Annab", 200, []string{`"ars":"145210020020"`}},
		{"APIFinder", "/api/leistungen/99108001000000/zustaendigkeit?ort=Torgau", 200, []string{`"id":"lra-14730"`}},
		{"APIFinderAmbiguous", "/api/leistungen/99108001000000/zustaendigkeit?ort=Lei", 409, []string{"place_ambiguous"}},
		{"APIBadLimit", "/api/suche?q=auto&limit=1000", 400, []string{"limit"}},
		{"AccountNeedsLogin", "/konto", 303, []string{"/konto/anmelden"}},
		{"Asset", "/assets/portal/portal.css", 200, []string{"--brand"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := c.get(tc.path)
			if code != tc.code {
				t.Fatalf("GET %s = %d, want %d: %.300s", tc.path, code, tc.code, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: %q missing", tc.path, w)
				}
			}
		})
	}
	t.Run("SecureHeaders", func(t *testing.T) {
		resp, err := e.client(t).hc.Get(e.srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for h, want := range map[string]string{
			"Content-Security-Policy": "script-src 'self'", "X-Frame-Options": "DENY",
			"X-Content-Type-Options": "nosniff", "Strict-Transport-Security": "max-age",
		} {
			if got := resp.Header.Get(h); !strings.Contains(got, want) {
				t.Errorf("%s = %q, want %q", h, got, want)
			}
		}
		if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP allows inline code: %s", csp)
		}
		var csrf bool
		for _, ck := range resp.Cookies() {
			if strings.HasPrefix(ck.Name, "__Host-") && ck.HttpOnly && ck.Secure {
				csrf = true
			}
		}
		if !csrf {
			t.Errorf("no __Host- HttpOnly Secure cookie: %v", resp.Cookies())
		}
	})
}

func TestAccount(t *testing.T) {
	db, tenant := seededSQLite(t)
	e := newEnv(t, db, tenant, nil, true)
	c := e.client(t)
	const email, password = "erika@example.org", "richtig-geheim-1"
	t.Run("ErrUnconfirmed", func(t *testing.T) {
		c.get("/konto/registrieren")
		c.post("/konto/registrieren", url.Values{"given_name": {"Max"}, "family_name": {"M"}, "email": {"max@example.org"}, "password": {password}})
		c.get("/konto/anmelden")
		code, body := c.post("/konto/anmelden", url.Values{"email": {"max@example.org"}, "password": {password}})
		if code != 401 || !strings.Contains(body, "bestätigen") {
			t.Fatalf("login unconfirmed = %d %.200s", code, body)
		}
	})
	c.registerAndConfirm(email, password)
	t.Run("ErrDuplicate", func(t *testing.T) {
		code, body := c.post("/konto/registrieren", url.Values{"given_name": {"E"}, "family_name": {"M"}, "email": {email}, "password": {password}})
		if code != 422 || !strings.Contains(body, "schon ein Konto") {
			t.Fatalf("duplicate = %d", code)
		}
	})
	c.get("/konto/anmelden")
	if code, loc := c.post("/konto/anmelden", url.Values{"email": {email}, "password": {password}}); code != 303 || loc != "/konto" {
		t.Fatalf("login = %d %s", code, loc)
	}
	if code, body := c.get("/konto"); code != 200 || !strings.Contains(body, "Erika Mustermann") {
		t.Fatalf("account = %d", code)
	}
	for _, tc := range []struct {
		name string
		form url.Values
		code int
	}{
		{"OK", url.Values{"given_name": {"Erika"}, "family_name": {"Mustermann"}, "birth_date": {"1980-02-29"}, "postcode": {"01067"}, "city": {"Dresden"}}, 303},
		{"ErrBirthDate", url.Values{"given_name": {"Erika"}, "family_name": {"Mustermann"}, "birth_date": {"1980-13-01"}}, 422},
		{"ErrPostcode", url.Values{"given_name": {"Erika"}, "family_name": {"Mustermann"}, "postcode": {"1234"}}, 422},
		{"ErrNameRequired", url.Values{"family_name": {"Mustermann"}}, 422},
		{"ErrNoCSRF", url.Values{"given_name": {"X"}, "family_name": {"Y"}, "csrf_token": {""}}, 403},
		{"ErrWrongCSRF", url.Values{"given_name": {"X"}, "family_name": {"Y"}, "csrf_token": {strings.Repeat("A", 43)}}, 403},
	} {
		t.Run("Profile"+tc.name, func(t *testing.T) {
			if code, body := c.post("/konto/stammdaten", tc.form); code != tc.code {
				t.Fatalf("save = %d, want %d: %.300s", code, tc.code, body)
			}
		})
	}
	t.Run("MyApplications", func(t *testing.T) {
		sub := e.createCase(t, email)
		if code, body := c.get("/konto"); code != 200 || !strings.Contains(body, sub.CaseNumber) || !strings.Contains(body, "Gewerbeamt Chemnitz") {
			t.Fatalf("account page = %d, case %s missing", code, sub.CaseNumber)
		}
		if code, body := c.get("/konto/antraege/" + sub.CaseID); code != 200 || !strings.Contains(body, "Antrag angelegt") {
			t.Fatalf("case page = %d: %.300s", code, body)
		}
	})
	t.Run("ErrForeignCase", func(t *testing.T) {
		if code, _ := c.get("/konto/antraege/019a0000-0000-7000-8000-000000000000"); code != 404 {
			t.Fatalf("foreign case = %d", code)
		}
	})
	t.Run("Logout", func(t *testing.T) {
		c.get("/konto")
		if code, _ := c.post("/konto/abmelden", url.Values{}); code != 303 {
			t.Fatalf("logout = %d", code)
		}
		if code, _ := c.get("/konto"); code != 303 {
			t.Fatalf("after logout /konto = %d", code)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		c.get("/konto/anmelden")
		c.post("/konto/anmelden", url.Values{"email": {email}, "password": {password}})
		c.get("/konto/loeschen")
		if code, _ := c.post("/konto/loeschen", url.Values{"confirm": {"ja"}}); code != 200 {
			t.Fatalf("delete = %d", code)
		}
		c.get("/konto/anmelden")
		if code, _ := c.post("/konto/anmelden", url.Values{"email": {email}, "password": {password}}); code != 401 {
			t.Fatalf("login after delete = %d", code)
		}
	})
}

func TestOversizedForm(t *testing.T) {
	db, tenant := seededSQLite(t)
	e := newEnv(t, db, tenant, nil, true)
	c := e.client(t)
	c.get("/konto/registrieren")
	code, _ := c.post("/konto/registrieren", url.Values{"given_name": {strings.Repeat("A", 100<<10)}})
	if code != 413 {
		t.Fatalf("oversized form = %d, want 413", code)
	}
}

func TestCSRF(t *testing.T) {
	db, tenant := seededSQLite(t)
	e := newEnv(t, db, tenant, nil, true)
	for _, path := range []string{"/konto/registrieren", "/konto/anmelden", "/konto/abmelden", "/konto/stammdaten", "/konto/loeschen"} {
		t.Run(strings.TrimPrefix(path, "/konto/"), func(t *testing.T) {
			c := e.client(t)
			c.get("/")
			if code, _ := c.post(path, url.Values{"csrf_token": {""}, "email": {"a@b.de"}, "password": {"x"}}); code != 403 {
				t.Fatalf("POST %s without token = %d, want 403", path, code)
			}
		})
	}
}
