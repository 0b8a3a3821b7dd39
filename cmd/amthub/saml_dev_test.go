package main

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"testing"
)

// TestDevSAMLMetadata: `amthub dev` serves the SAML IdP's metadata at
// urls.samlMetadata, with the signing certificate and both SSO bindings.
func TestDevSAMLMetadata(t *testing.T) {
	demo, stop := startDev(t, t.TempDir())
	defer stop()
	res, err := http.Get(demo.URLs["samlMetadata"])
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var md struct {
		XMLName  xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
		EntityID string   `xml:"entityID,attr"`
		IdP      struct {
			Certs []string `xml:"KeyDescriptor>KeyInfo>X509Data>X509Certificate"`
			SSO   []struct {
				Binding  string `xml:",attr"`
				Location string `xml:",attr"`
			} `xml:"SingleSignOnService"`
		} `xml:"IDPSSODescriptor"`
	}
	if res.StatusCode != http.StatusOK || xml.Unmarshal(body, &md) != nil {
		t.Fatalf("metadata: %d %.300s", res.StatusCode, body)
	}
	if md.EntityID != demo.URLs["samlMetadata"] || len(md.IdP.SSO) < 2 || len(md.IdP.Certs) == 0 {
		t.Fatalf("metadata: %+v", md)
	}
	der, err := base64.StdEncoding.DecodeString(md.IdP.Certs[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		t.Fatalf("certificate: %v", err)
	}
}
