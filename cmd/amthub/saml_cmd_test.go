package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSAMLRegisterCommand(t *testing.T) {
	dir := t.TempDir()
	env := envFrom(map[string]string{"AMTHUB_DATABASE_URL": "sqlite:" + filepath.Join(dir, "amthub.db")})
	amthub := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, &out, &errOut, env)
		return out.String(), errOut.String(), code
	}
	if _, errOut, code := amthub("tenant", "create", "sachsen"); code != 0 {
		t.Fatal(errOut)
	}
	good := filepath.Join(dir, "sp.xml")
	bad := filepath.Join(dir, "bad.xml")
	_ = os.WriteFile(good, []byte(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://vendor.example/sp"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://vendor.example/acs" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>`), 0o600)
	_ = os.WriteFile(bad, []byte(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://vendor.example/sp2"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="http://vendor.example/acs" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>`), 0o600)
	out, errOut, code := amthub("saml", "register", "sachsen", good, "--name", "Fachverfahren")
	if code != 0 || !strings.Contains(out, "registered https://vendor.example/sp") {
		t.Fatalf("register: exit %d, %s%s", code, out, errOut)
	}
	for _, args := range [][]string{
		{"saml", "register", "sachsen", good, "--name", "again"},     // entity ID taken
		{"saml", "register", "sachsen", bad, "--name", "plain http"}, // ACS not https
		{"saml", "register", "bayern", good, "--name", "no tenant"},  // unknown tenant
		{"saml", "register", "sachsen", good},                        // no name
	} {
		if _, errOut, code := amthub(args...); code == 0 || errOut == "" {
			t.Errorf("amthub %s: exit %d", strings.Join(args, " "), code)
		}
	}
}
