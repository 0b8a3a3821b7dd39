package saml_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/amthub/amthub/hub/hubtest"
)

// signedResponse logs the citizen in for sp at ACS acs and returns the
// IdP's SAMLResponse and the request's ID.
func (b *browser) signedResponse(sp *testSP, acs string) (string, string) {
	b.t.Helper()
	req, id := sp.NewRequest("", "", acs, time.Now())
	pg := b.get(sp.RedirectURL(req, ""))
	if pg.url.Path == "/oauth2/login" {
		pg = b.login(pg, false)
	}
	return samlResponse(b.t, pg), id
}

// edit decodes a SAMLResponse, lets fn change the document, encodes it.
func edit(t *testing.T, resp string, fn func(root, assertion *etree.Element)) string {
	t.Helper()
	raw, _ := base64.StdEncoding.DecodeString(resp)
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	fn(doc.Root(), doc.Root().FindElement("./Assertion"))
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(out)
}

func dropSignature(el *etree.Element) {
	if s := child(el, dsig.Namespace, "Signature"); s != nil {
		el.RemoveChild(s)
	}
}

func setNameID(a *etree.Element, v string) { a.FindElement("./Subject/NameID").SetText(v) }

// TestSPRefuses shows the test SP's checks: each forged or misdirected
// response is refused, and the untouched one is accepted.
func TestSPRefuses(t *testing.T) {
	e := newEnv(t, hubtest.NewSQLite(t))
	b := e.browser()
	resp, id := b.signedResponse(e.sp, e.sp.ACS[0])
	signedResp := strings.Contains(string(must(base64.StdEncoding.DecodeString(resp))), "<ds:Signature")
	if !signedResp {
		t.Fatal("no XML signature in the response")
	}
	cases := []struct {
		name string
		edit func(root, a *etree.Element)
		want string
	}{
		{"unsigned response and assertion", func(root, a *etree.Element) { dropSignature(root); dropSignature(a) }, "assertion is not signed"},
		{"altered assertion", func(_, a *etree.Element) { setNameID(a, "attacker") }, "signature"},
		{"altered assertion, response signature removed", func(root, a *etree.Element) { dropSignature(root); setNameID(a, "attacker") }, "assertion signature"},
		{"XSW: signed assertion moved, forged one in its place", func(root, a *etree.Element) {
			dropSignature(root)
			forged := a.Copy()
			setNameID(forged, "attacker")
			ext := root.CreateElement("samlp:Extensions")
			root.RemoveChild(a)
			ext.AddChild(a)
			root.AddChild(forged)
		}, "assertion signature"},
		{"XSW: forged assertion wrapping the signed one", func(root, a *etree.Element) {
			dropSignature(root)
			forged := a.Copy()
			dropSignature(forged)
			forged.CreateAttr("ID", "_forged")
			setNameID(forged, "attacker")
			advice := forged.CreateElement("saml:Advice")
			root.RemoveChild(a)
			advice.AddChild(a)
			root.AddChild(forged)
		}, "assertion is not signed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := e.sp.Consume(edit(t, resp, c.edit), id); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		late := *e.sp
		late.Now = func() time.Time { return time.Now().Add(10 * time.Minute) }
		if _, err := late.Consume(resp, id); err == nil || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("untouched, then replayed", func(t *testing.T) {
		if _, err := e.sp.Consume(resp, id); err != nil {
			t.Fatalf("the untouched response was refused: %v", err)
		}
		if _, err := e.sp.Consume(resp, id); err == nil || !strings.Contains(err.Error(), "replayed") {
			t.Fatalf("replay: got %v", err)
		}
	})
	t.Run("wrong recipient", func(t *testing.T) {
		r2, id2 := b.signedResponse(e.sp, e.sp.ACS[1])
		if _, err := e.sp.Consume(r2, id2); err == nil || !strings.Contains(err.Error(), "wrong recipient") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("wrong audience", func(t *testing.T) {
		other := e.newSP(t, "https://other.example/sp/"+hubtest.Unique("sp"), e.sp.IdPCert)
		r3, id3 := b.signedResponse(other, other.ACS[0])
		if _, err := e.sp.Consume(r3, id3); err == nil || !strings.Contains(err.Error(), "wrong audience") {
			t.Fatalf("got %v", err)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestIdPRefuses shows the IdP's checks on AuthnRequests: none of these
// gets an assertion.
func TestIdPRefuses(t *testing.T) {
	e := newEnv(t, hubtest.NewSQLite(t))
	b := e.browser()
	_, _ = b.signedResponse(e.sp, e.sp.ACS[0]) // logged in
	unknown := *e.sp
	unknown.EntityID = "https://unknown.example/sp"
	cases := []struct {
		name string
		sp   *testSP
		acs  string
		at   time.Time
		dest string
	}{
		{"issuer not a registered SP", &unknown, e.sp.ACS[0], time.Now(), ""},
		{"ACS URL not registered", e.sp, "https://evil.example/acs", time.Now(), ""},
		{"request too old", e.sp, e.sp.ACS[0], time.Now().Add(-5 * time.Minute), ""},
		{"request from the future", e.sp, e.sp.ACS[0], time.Now().Add(5 * time.Minute), ""},
		{"wrong Destination", e.sp, e.sp.ACS[0], time.Now(), e.srv.URL + "/elsewhere"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sp := *c.sp
			if c.dest != "" {
				sp.IdPSSO = c.dest
			}
			req, _ := sp.NewRequest("", "", c.acs, c.at)
			sp.IdPSSO = e.sp.IdPSSO
			pg := b.get(sp.RedirectURL(req, ""))
			if strings.Contains(pg.body, "SAMLResponse") && hasAssertion(t, samlResponse(t, pg)) {
				t.Fatalf("an assertion was issued (%d)", pg.status)
			}
		})
	}
	t.Run("replayed AuthnRequest", func(t *testing.T) {
		req, id := e.sp.NewRequest("", "", e.sp.ACS[0], time.Now())
		if _, err := e.sp.Consume(samlResponse(t, b.get(e.sp.RedirectURL(req, ""))), id); err != nil {
			t.Fatalf("first answer refused: %v", err)
		}
		pg := b.get(e.sp.RedirectURL(req, ""))
		if strings.Contains(pg.body, "SAMLResponse") && hasAssertion(t, samlResponse(t, pg)) {
			t.Fatal("the same AuthnRequest was answered twice with an assertion")
		}
	})
	// Two assertions (after the login, the replay test's first), one replay, five refusals.
	want := map[string]float64{"assertion": 2, "replayed": 1, "refused": 5, "login": 1}
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("amthub_saml_authn_requests_total{outcome=%q} = %v, want %v", k, got[k], v)
		}
	}
}

func hasAssertion(t *testing.T, resp string) bool {
	raw, err := base64.StdEncoding.DecodeString(resp)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(raw), ":Assertion ") || strings.Contains(string(raw), "<Assertion")
}
