package saml_test

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"testing"
	"time"

	"github.com/amthub/amthub/oauth/saml"
)

func FuzzParseMetadata(f *testing.F) {
	sp := &testSP{EntityID: "https://vendor.example/sp", ACS: []string{"https://vendor.example/acs"}}
	f.Add(sp.Metadata())
	f.Add([]byte(`<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>`))
	f.Add([]byte(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>`))
	f.Add([]byte("<"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		ed, err := saml.ParseMetadata(raw)
		if err != nil {
			return
		}
		if ed.EntityID == "" || len(ed.SPSSODescriptors) != 1 || len(ed.SPSSODescriptors[0].AssertionConsumerServices) == 0 {
			t.Fatalf("accepted metadata without entity ID or ACS: %q", raw)
		}
	})
}

func FuzzParseRedirectRequest(f *testing.F) {
	sp := &testSP{EntityID: "https://vendor.example/sp", IdPSSO: "https://hub.example/saml/sso"}
	req, _ := sp.NewRequest(saml.LoAHigh, "exact", "https://vendor.example/acs", time.Now())
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	_, _ = w.Write(req)
	_ = w.Close()
	f.Add(base64.StdEncoding.EncodeToString(buf.Bytes()))
	f.Add("")
	f.Add("!!!")
	f.Add(base64.StdEncoding.EncodeToString([]byte("not deflate")))
	f.Fuzz(func(t *testing.T, s string) {
		issuer, ok := saml.ParseRedirectRequest(s)
		if ok && issuer == "" {
			t.Fatal("ok without issuer")
		}
	})
}
