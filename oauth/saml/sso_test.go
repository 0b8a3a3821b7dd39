package saml_test

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/oauth/saml"
)

// TestSSOStepUp logs the demo citizen in to the SP at level normal (eIDAS
// low), then, asked for high, through the test eID and back (step-up).
func TestSSOStepUp(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			e := newEnv(t, d.Open(t))
			b := e.browser()

			req, id := e.sp.NewRequest(saml.LoALow, "minimum", e.sp.ACS[0], time.Now())
			pg := b.login(b.get(e.sp.RedirectURL(req, "r1")), false)
			res, err := e.sp.Consume(samlResponse(t, pg), id)
			if err != nil {
				t.Fatalf("SP refused the first login: %v", err)
			}
			if res.LoA != saml.LoALow || res.NameID == "" {
				t.Fatalf("first login: %+v", res)
			}
			if len(res.Attributes) != 0 {
				t.Fatalf("attributes released without consent: %v", res.Attributes)
			}

			// Logged in at normal, a request for high goes to the eID login.
			req, id = e.sp.NewRequest(saml.LoAHigh, "exact", e.sp.ACS[0], time.Now())
			pg = b.get(e.sp.RedirectURL(req, "r2"))
			if pg.url.Path != "/oauth2/login" || pg.url.Query().Get("acr") != "high" {
				t.Fatalf("step-up: expected the login at high, got %s", pg.url)
			}
			res2, err := e.sp.Consume(samlResponse(t, b.login(pg, true)), id)
			if err != nil {
				t.Fatalf("SP refused the step-up: %v", err)
			}
			if res2.LoA != saml.LoAHigh || res2.NameID != res.NameID {
				t.Fatalf("step-up: %+v, first %+v", res2, res)
			}

			// Logged in at high, a request for at least substantial needs no login.
			req, id = e.sp.NewRequest(saml.LoASubstantial, "minimum", e.sp.ACS[0], time.Now())
			res3, err := e.sp.Consume(samlResponse(t, b.get(e.sp.RedirectURL(req, "r3"))), id)
			if err != nil || res3.LoA != saml.LoAHigh {
				t.Fatalf("minimum substantial at high: %+v %v", res3, err)
			}
		})
	}
}

// TestSSOPostBinding sends the AuthnRequest over HTTP-POST (saml-bindings
// §3.5): logged out, the browser goes through the login page and back;
// logged in, the response comes at once.
func TestSSOPostBinding(t *testing.T) {
	e := newEnv(t, hubtest.NewSQLite(t))
	b := e.browser()
	for i, wantLogin := range []bool{true, false} {
		req, id := e.sp.NewRequest(saml.LoALow, "exact", e.sp.ACS[0], time.Now())
		pg := b.post(e.sp.IdPSSO, url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString(req)}, "RelayState": {"p"}})
		if wantLogin {
			pg = b.login(pg, false)
		} else if pg.url.Path == "/oauth2/login" {
			t.Fatalf("request %d: logged in, but sent to the login page", i)
		}
		res, err := e.sp.Consume(samlResponse(t, pg), id)
		if err != nil || res.LoA != saml.LoALow {
			t.Fatalf("request %d: %+v %v", i, res, err)
		}
		if !strings.Contains(pg.body, `name="RelayState" value="p"`) {
			t.Fatalf("request %d: RelayState lost", i)
		}
	}
}
