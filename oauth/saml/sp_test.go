package saml_test

// testSP is a SAML 2.0 service provider written from the specifications
// (saml-core, saml-bindings §3.4 and §3.5, saml-profiles §4.1), not from
// the IdP's code: it builds AuthnRequests with encoding/xml, validates
// XML signatures with goxmldsig and reads only the element the
// validation returns.

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsMetadata  = "urn:oasis:names:tc:SAML:2.0:metadata"
	statusOK    = "urn:oasis:names:tc:SAML:2.0:status:Success"
	bearer      = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
)

type testSP struct {
	EntityID string
	ACS      []string // registered ACS URLs; ACS[0] is where it receives
	IdPID    string
	IdPSSO   string
	IdPCert  *x509.Certificate
	Now      func() time.Time
	seen     map[string]bool // assertion IDs consumed (replay cache)
}

// Metadata is the SP's EntityDescriptor (saml-metadata §2.4.4).
func (sp *testSP) Metadata() []byte {
	var acs string
	for i, u := range sp.ACS {
		acs += fmt.Sprintf(`<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="%s" index="%d"/>`, u, i)
	}
	return fmt.Appendf(nil, `<md:EntityDescriptor xmlns:md="%s" entityID="%s"><md:SPSSODescriptor protocolSupportEnumeration="%s">%s</md:SPSSODescriptor></md:EntityDescriptor>`,
		nsMetadata, sp.EntityID, nsProtocol, acs)
}

type authnRequest struct {
	XMLName        xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:protocol AuthnRequest"`
	ID             string   `xml:",attr"`
	Version        string   `xml:",attr"`
	IssueInstant   string   `xml:",attr"`
	Destination    string   `xml:",attr"`
	ACSURL         string   `xml:"AssertionConsumerServiceURL,attr"`
	ProtocolBind   string   `xml:"ProtocolBinding,attr"`
	Issuer         string   `xml:"urn:oasis:names:tc:SAML:2.0:assertion Issuer"`
	RequestedAuthn *requestedAuthnContext
}

type requestedAuthnContext struct {
	XMLName    xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:protocol RequestedAuthnContext"`
	Comparison string   `xml:",attr"`
	ClassRef   string   `xml:"urn:oasis:names:tc:SAML:2.0:assertion AuthnContextClassRef"`
}

// NewRequest returns an AuthnRequest's XML and its ID; loa and comparison
// make a RequestedAuthnContext when loa is set; acs picks the ACS URL.
func (sp *testSP) NewRequest(loa, comparison, acs string, issued time.Time) ([]byte, string) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := "_" + hex.EncodeToString(b)
	req := authnRequest{ID: id, Version: "2.0", IssueInstant: issued.UTC().Format(time.RFC3339), Destination: sp.IdPSSO,
		ACSURL: acs, ProtocolBind: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", Issuer: sp.EntityID}
	if loa != "" {
		req.RequestedAuthn = &requestedAuthnContext{Comparison: comparison, ClassRef: loa}
	}
	out, err := xml.Marshal(req)
	if err != nil {
		panic(err)
	}
	return out, id
}

// RedirectURL encodes a request for the HTTP-Redirect binding
// (saml-bindings §3.4.4.1: DEFLATE, base64, URL-encoded).
func (sp *testSP) RedirectURL(req []byte, relay string) string {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	_, _ = w.Write(req)
	_ = w.Close()
	q := url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString(buf.Bytes())}, "RelayState": {relay}}
	return sp.IdPSSO + "?" + q.Encode()
}

// result is what the SP learnt from a valid assertion.
type result struct {
	NameID     string
	LoA        string
	Attributes []string
}

// Consume checks a SAMLResponse received at its ACS (ACS[0]) in answer to
// the request requestID (saml-profiles §4.1.4.3) and returns what the
// signed assertion says.
func (sp *testSP) Consume(samlResponse, requestID string) (*result, error) {
	raw, err := base64.StdEncoding.DecodeString(samlResponse)
	if err != nil {
		return nil, fmt.Errorf("base64: %w", err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, fmt.Errorf("xml: %w", err)
	}
	resp := doc.Root()
	if resp == nil || resp.Tag != "Response" || resp.NamespaceURI() != nsProtocol {
		return nil, errors.New("not a Response")
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{sp.IdPCert}})
	vc.Clock = dsig.NewFakeClockAt(sp.Now())
	// A signed Response is validated as a whole; only the returned element
	// is read on.
	if child(resp, dsig.Namespace, "Signature") != nil {
		if resp, err = vc.Validate(resp); err != nil {
			return nil, fmt.Errorf("response signature: %w", err)
		}
	}
	if d := resp.SelectAttrValue("Destination", ""); d != sp.ACS[0] {
		return nil, fmt.Errorf("wrong recipient: Destination %q", d)
	}
	if got := resp.SelectAttrValue("InResponseTo", ""); got != requestID {
		return nil, fmt.Errorf("InResponseTo %q, want %q", got, requestID)
	}
	if st := path(resp, "Status", "StatusCode"); st == nil || st.SelectAttrValue("Value", "") != statusOK {
		return nil, errors.New("status is not Success")
	}
	var assertions []*etree.Element
	for _, el := range resp.ChildElements() {
		if el.Tag == "Assertion" && el.NamespaceURI() == nsAssertion {
			assertions = append(assertions, el)
		}
	}
	if len(assertions) != 1 {
		return nil, fmt.Errorf("%d assertions, want one", len(assertions))
	}
	if child(assertions[0], dsig.Namespace, "Signature") == nil {
		return nil, errors.New("assertion is not signed")
	}
	a, err := vc.Validate(assertions[0])
	if err != nil {
		return nil, fmt.Errorf("assertion signature: %w", err)
	}
	return sp.checkAssertion(a, requestID)
}

func (sp *testSP) checkAssertion(a *etree.Element, requestID string) (*result, error) {
	now := sp.Now()
	if iss := child(a, nsAssertion, "Issuer"); iss == nil || iss.Text() != sp.IdPID {
		return nil, errors.New("wrong issuer")
	}
	cond := child(a, nsAssertion, "Conditions")
	if cond == nil {
		return nil, errors.New("no Conditions")
	}
	if nb, err := time.Parse(time.RFC3339, cond.SelectAttrValue("NotBefore", "")); err != nil || now.Add(time.Minute).Before(nb) {
		return nil, errors.New("assertion not yet valid")
	}
	notAfter, err := time.Parse(time.RFC3339, cond.SelectAttrValue("NotOnOrAfter", ""))
	if err != nil || !now.Before(notAfter) {
		return nil, errors.New("assertion expired")
	}
	audOK := false
	for _, ar := range cond.ChildElements() {
		if ar.Tag == "AudienceRestriction" {
			for _, au := range ar.ChildElements() {
				audOK = audOK || (au.Tag == "Audience" && au.Text() == sp.EntityID)
			}
		}
	}
	if !audOK {
		return nil, errors.New("wrong audience")
	}
	subj := child(a, nsAssertion, "Subject")
	scd := path(subj, "SubjectConfirmation", "SubjectConfirmationData")
	if sc := path(subj, "SubjectConfirmation"); sc == nil || sc.SelectAttrValue("Method", "") != bearer || scd == nil {
		return nil, errors.New("no bearer SubjectConfirmation")
	}
	if r := scd.SelectAttrValue("Recipient", ""); r != sp.ACS[0] {
		return nil, fmt.Errorf("wrong recipient: %q", r)
	}
	if got := scd.SelectAttrValue("InResponseTo", ""); got != requestID {
		return nil, errors.New("SubjectConfirmationData InResponseTo mismatch")
	}
	if t, err := time.Parse(time.RFC3339, scd.SelectAttrValue("NotOnOrAfter", "")); err != nil || !now.Before(t) {
		return nil, errors.New("subject confirmation expired")
	}
	id := a.SelectAttrValue("ID", "")
	if id == "" || sp.seen[id] {
		return nil, errors.New("assertion replayed")
	}
	sp.seen[id] = true
	res := &result{}
	if n := path(subj, "NameID"); n != nil {
		res.NameID = n.Text()
	}
	if c := path(a, "AuthnStatement", "AuthnContext", "AuthnContextClassRef"); c != nil {
		res.LoA = c.Text()
	}
	if as := child(a, nsAssertion, "AttributeStatement"); as != nil {
		for _, at := range as.ChildElements() {
			res.Attributes = append(res.Attributes, at.SelectAttrValue("Name", ""))
		}
	}
	return res, nil
}

func child(el *etree.Element, ns, tag string) *etree.Element {
	if el == nil {
		return nil
	}
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			return c
		}
	}
	return nil
}

// path follows SAML child elements (either namespace) by tag.
func path(el *etree.Element, tags ...string) *etree.Element {
	for _, t := range tags {
		if el == nil {
			return nil
		}
		next := child(el, nsAssertion, t)
		if next == nil {
			next = child(el, nsProtocol, t)
		}
		el = next
	}
	return el
}
