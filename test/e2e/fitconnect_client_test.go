package e2e

// A FIT-Connect sender and subscriber written from FIT-Connect's public
// documentation only (the Submission API document, the crypto and event
// log rules of its documentation): net/http, go-jose and their own
// structs, none of amthub's client or crypto packages. Every request and
// answer is validated against the vendored Submission API document.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	jose4 "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/amthub/amthub/openapi/fitconnect"
)

// fcPKI is the tests' own PKI: a root CA that the hub trusts
// (AMTHUB_FITCONNECT_TRUST_ANCHORS), another that it does not, and the
// subscriber's 4096-bit keys with certificates from the trusted one.
type fcPKI struct {
	rootKey, otherRootKey       *rsa.PrivateKey
	root, otherRoot             *x509.Certificate
	encKey, sigKey, strangerKey *rsa.PrivateKey
	anchorsFile                 string
}

var (
	fcPKIOnce  sync.Once
	fcPKIValue *fcPKI
)

// testFCPKI makes the PKI once per test binary (4096-bit keys are slow).
func testFCPKI(t *testing.T) *fcPKI {
	fcPKIOnce.Do(func() {
		p := &fcPKI{}
		keys := make([]*rsa.PrivateKey, 5)
		var wg sync.WaitGroup
		for i, bits := range []int{2048, 2048, 4096, 4096, 4096} {
			wg.Go(func() {
				k, err := rsa.GenerateKey(rand.Reader, bits)
				if err != nil {
					panic(err)
				}
				keys[i] = k
			})
		}
		wg.Wait()
		p.rootKey, p.otherRootKey, p.encKey, p.sigKey, p.strangerKey = keys[0], keys[1], keys[2], keys[3], keys[4]
		p.root = fcCert("E2E FIT-Connect Root", &p.rootKey.PublicKey, nil, p.rootKey, true)
		p.otherRoot = fcCert("Untrusted Root", &p.otherRootKey.PublicKey, nil, p.otherRootKey, true)
		dir, err := os.MkdirTemp("", "fc-pki-")
		if err != nil {
			panic(err)
		}
		p.anchorsFile = filepath.Join(dir, "anchors.pem")
		if err := os.WriteFile(p.anchorsFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Raw}), 0o600); err != nil {
			panic(err)
		}
		fcPKIValue = p
	})
	return fcPKIValue
}

func fcCert(cn string, pub *rsa.PublicKey, parent *x509.Certificate, parentKey *rsa.PrivateKey, ca bool) *x509.Certificate {
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	if ca {
		tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.KeyUsage = true, true, x509.KeyUsageCertSign
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		panic(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return c
}

// fcJWK is a public key as FIT-Connect's documents define the JWK.
type fcJWK struct {
	Kty    string   `json:"kty"`
	KeyOps []string `json:"key_ops"`
	Alg    string   `json:"alg"`
	X5c    []string `json:"x5c"`
	Kid    string   `json:"kid"`
	N      string   `json:"n"`
	E      string   `json:"e"`
}

// newJWK describes key as a FIT-Connect JWK, its certificate issued by
// issuer.
func newJWK(key *rsa.PrivateKey, kid, op string, issuer *x509.Certificate, issuerKey *rsa.PrivateKey) fcJWK {
	alg := "PS512"
	if op == "wrapKey" {
		alg = "RSA-OAEP-256"
	}
	leaf := fcCert("Fachverfahren "+kid, &key.PublicKey, issuer, issuerKey, false)
	return fcJWK{Kty: "RSA", KeyOps: []string{op}, Alg: alg, Kid: kid, E: "AQAB",
		N:   base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		X5c: []string{base64.StdEncoding.EncodeToString(leaf.Raw)}}
}

// fcAPI is one FIT-Connect API client: its token and the document it
// validates against.
type fcAPI struct {
	t     *testing.T
	base  string // the Submission API's base URL
	token string
	doc   *fitconnect.Validator
}

type fcResponse struct {
	status int
	header http.Header
	body   []byte
}

func (r fcResponse) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problemType returns the type of a FIT-Connect error answer.
func (r fcResponse) problemType() string {
	var p struct{ Type string }
	_ = json.Unmarshal(r.body, &p)
	return p.Type
}

// fcToken gets a token from the OAuth server as FIT-Connect's
// documentation shows it: client credentials in the form body.
func fcToken(t *testing.T, tokenURL, clientID, secret, scope string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}
	if scope != "" {
		form.Set("scope", scope)
	}
	res, err := http.PostForm(tokenURL, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != 200 {
		t.Fatalf("token for %s: %d %v", clientID, res.StatusCode, err)
	}
	return tok.AccessToken
}

// do sends a request and validates it and its answer against the document.
func (c *fcAPI) do(method, path, contentType string, body []byte) fcResponse {
	c.t.Helper()
	ctx := context.Background()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	in, err := c.doc.Request(ctx, req, body != nil)
	if err != nil {
		c.t.Fatalf("request %s %s does not match FIT-Connect's document: %v", method, path, err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.doc.Response(ctx, in, res.StatusCode, res.Header, b); err != nil {
		c.t.Fatalf("answer to %s %s (%d) does not match FIT-Connect's document: %v\n%s", method, path, res.StatusCode, err, b)
	}
	return fcResponse{status: res.StatusCode, header: res.Header, body: b}
}

func (c *fcAPI) doJSON(method, path string, v any) fcResponse {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(method, path, "application/json", b)
}

// encryptFor seals plaintext for a destination's encryption key (JWE
// compact, RSA-OAEP-256, A256GCM, kid), as FIT-Connect's documentation
// requires of senders.
func encryptFor(t *testing.T, plaintext []byte, key *rsa.PublicKey, kid, contentType string) string {
	t.Helper()
	opts := (&jose4.EncrypterOptions{}).WithContentType(jose4.ContentType(contentType))
	enc, err := jose4.NewEncrypter(jose4.A256GCM, jose4.Recipient{Algorithm: jose4.RSA_OAEP_256, Key: key, KeyID: kid}, opts)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := enc.Encrypt(plaintext)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// decrypt opens a JWE with the subscriber's key; only FIT-Connect's
// algorithms are accepted.
func decrypt(jwe string, key *rsa.PrivateKey) ([]byte, error) {
	obj, err := jose4.ParseEncryptedCompact(jwe, []jose4.KeyAlgorithm{jose4.RSA_OAEP_256}, []jose4.ContentEncryption{jose4.A256GCM})
	if err != nil {
		return nil, err
	}
	return obj.Decrypt(key)
}

// fcHash is the metadata's hash of unencrypted content.
func fcHash(b []byte) map[string]string {
	sum := sha512.Sum512(b)
	return map[string]string{"type": "sha512", "content": hex.EncodeToString(sum[:])}
}

// fcMetadata is the part of FIT-Connect's metadata document the tests
// write and check.
type fcMetadata struct {
	ContentStructure struct {
		Data struct {
			Hash struct{ Type, Content string } `json:"hash"`
		} `json:"data"`
		Attachments []struct {
			AttachmentID string                         `json:"attachmentId"`
			Hash         struct{ Type, Content string } `json:"hash"`
		} `json:"attachments"`
	} `json:"contentStructure"`
}

// signSET signs a Security Event Token as FIT-Connect's event log
// documentation defines it: PS512, typ secevent+jwt, the subscriber's kid.
func signSET(t *testing.T, key *rsa.PrivateKey, kid, issuer, submissionID, caseID, event string, payload any) []byte {
	t.Helper()
	claims, err := json.Marshal(map[string]any{
		"$schema": "https://schema.fitko.de/fit-connect/set-payload/1.0.0/set-payload.schema.json",
		"iss":     issuer, "iat": time.Now().Unix(), "jti": uuid.NewString(),
		"sub": "submission:" + submissionID, "txn": "case:" + caseID,
		"events": map[string]any{event: payload},
	})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose4.NewSigner(jose4.SigningKey{Algorithm: jose4.PS512, Key: key},
		(&jose4.SignerOptions{}).WithType("secevent+jwt").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return []byte(s)
}

// fcEvent is one verified entry of an event log.
type fcEvent struct {
	Event, Sub, Txn string
}

// readEventLog fetches a case's event log and verifies every SET: with the
// hub's published keys, or with the subscriber's signature key (its own
// accept or reject).
func readEventLog(t *testing.T, c *fcAPI, caseID string, subscriberKey *rsa.PublicKey, subscriberKid string) []fcEvent {
	t.Helper()
	res := c.do("GET", "/v1/cases/"+caseID+"/events", "", nil)
	if res.status != 200 {
		t.Fatalf("event log: %d %s", res.status, res.body)
	}
	var log struct{ EventLog []string }
	res.json(t, &log)
	jwks := c.do("GET", "/.well-known/jwks.json", "", nil)
	var set jose4.JSONWebKeySet
	jwks.json(t, &set)
	var out []fcEvent
	for _, tok := range log.EventLog {
		jws, err := jose4.ParseSigned(tok, []jose4.SignatureAlgorithm{jose4.PS512})
		if err != nil {
			t.Fatalf("SET %q: %v", tok, err)
		}
		h := jws.Signatures[0].Protected
		if h.ExtraHeaders["typ"] != "secevent+jwt" {
			t.Fatalf("SET typ = %v", h.ExtraHeaders["typ"])
		}
		var key any = subscriberKey
		if h.KeyID != subscriberKid {
			keys := set.Key(h.KeyID)
			if len(keys) != 1 {
				t.Fatalf("SET signed with unknown key %q", h.KeyID)
			}
			key = keys[0].Key
		}
		payload, err := jws.Verify(key)
		if err != nil {
			t.Fatalf("SET does not verify: %v", err)
		}
		var claims struct {
			Sub, Txn string
			Events   map[string]json.RawMessage
		}
		if err := json.Unmarshal(payload, &claims); err != nil || len(claims.Events) != 1 {
			t.Fatalf("SET claims %s: %v", payload, err)
		}
		for e := range claims.Events {
			out = append(out, fcEvent{Event: strings.TrimPrefix(e, "https://schema.fitko.de/fit-connect/events/"), Sub: claims.Sub, Txn: claims.Txn})
		}
	}
	return out
}

func eventNames(es []fcEvent) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Event
	}
	return out
}

// verifyRouteSignature checks a route's destinationSignature with the
// hub's published keys and that it covers the destination and its key.
func verifyRouteSignature(t *testing.T, c *fcAPI, sig, destinationID, encKid string) {
	t.Helper()
	jws, err := jose4.ParseSigned(sig, []jose4.SignatureAlgorithm{jose4.PS512})
	if err != nil {
		t.Fatalf("destinationSignature: %v", err)
	}
	var set jose4.JSONWebKeySet
	c.do("GET", "/.well-known/jwks.json", "", nil).json(t, &set)
	keys := set.Key(jws.Signatures[0].Protected.KeyID)
	if len(keys) != 1 {
		t.Fatalf("destinationSignature by unknown key %q", jws.Signatures[0].Protected.KeyID)
	}
	payload, err := jws.Verify(keys[0].Key)
	if err != nil {
		t.Fatalf("destinationSignature does not verify: %v", err)
	}
	var claims struct {
		DestinationID         string `json:"destinationId"`
		DestinationParameters struct {
			EncryptionKid string `json:"encryptionKid"`
		} `json:"destinationParameters"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.DestinationID != destinationID ||
		claims.DestinationParameters.EncryptionKid != encKid {
		t.Fatalf("destinationSignature covers %s", payload)
	}
}
