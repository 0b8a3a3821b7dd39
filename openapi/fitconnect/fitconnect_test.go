package fitconnect_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/amthub/amthub/openapi/fitconnect"
)

// TestLoad loads and validates each vendored document and checks that it
// still carries the operations issue 18 builds on, with FIT-Connect's scopes.
func TestLoad(t *testing.T) {
	tests := []struct {
		doc     fitconnect.Document
		version string
		sha256  string
		ops     [][2]string // method, path
		scopes  []string
	}{
		{
			doc:     fitconnect.SubmissionAPI,
			version: "1.1.3",
			sha256:  "1e53ebafa222a2b30e068acb73b96fc408930fd4a7bb3e287f1db30b4ed76d9d",
			ops: [][2]string{
				{http.MethodPost, "/v1/submissions"},                                          // create submission
				{http.MethodGet, "/v1/submissions"},                                           // submissions for pickup
				{http.MethodPut, "/v1/submissions/{submissionId}"},                            // submit
				{http.MethodGet, "/v1/submissions/{submissionId}"},                            // fetch a submission
				{http.MethodPut, "/v1/submissions/{submissionId}/attachments/{attachmentId}"}, // upload attachment
				{http.MethodGet, "/v1/submissions/{submissionId}/attachments/{attachmentId}"}, // fetch attachment
				{http.MethodGet, "/v1/cases/{caseId}/events"},                                 // event log
				{http.MethodPost, "/v1/cases/{caseId}/events"},                                // accept / reject
				{http.MethodGet, "/v1/destinations/{destinationId}"},                          // destination info
				{http.MethodGet, "/v1/destinations/{destinationId}/keys/{keyId}"},             // public keys
				{http.MethodGet, "/.well-known/jwks.json"},
				{http.MethodGet, "/v1/info"},
			},
			scopes: []string{
				"send:region:DE<region-id>",
				"send:region:DE<region-id>+send:service:<service-uri>",
				"subscribe:destination:<id>",
			},
		},
		{
			doc:     fitconnect.RoutingAPI,
			version: "2.0.0",
			sha256:  "d176beb0cf986290e7d7b19e185ffe07f8dd58d4c9be5e2e3e39eeb392d82b27",
			ops: [][2]string{
				{http.MethodGet, "/routes"},
				{http.MethodGet, "/areas"},
				{http.MethodGet, "/info"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(string(tt.doc), func(t *testing.T) {
			sum, err := fitconnect.SHA256(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if sum != tt.sha256 {
				t.Errorf("sha256 = %s, want %s (the vendored bytes changed)", sum, tt.sha256)
			}
			doc, err := fitconnect.Load(context.Background(), tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if got := doc.Info.Version; got != tt.version {
				t.Errorf("info.version = %q, want %q", got, tt.version)
			}
			for _, op := range tt.ops {
				item := doc.Paths.Find(op[1])
				if item == nil {
					t.Errorf("path %s missing", op[1])
					continue
				}
				if item.GetOperation(op[0]) == nil {
					t.Errorf("operation %s %s missing", op[0], op[1])
				}
			}
			if len(tt.scopes) == 0 {
				return
			}
			oauth := doc.Components.SecuritySchemes["OAuth2"]
			if oauth == nil || oauth.Value == nil || oauth.Value.Flows == nil || oauth.Value.Flows.ClientCredentials == nil {
				t.Fatal("OAuth2 client-credentials scheme missing")
			}
			for _, s := range tt.scopes {
				if _, ok := oauth.Value.Flows.ClientCredentials.Scopes[s]; !ok {
					t.Errorf("scope %q missing", s)
				}
			}
		})
	}
}

// TestRawUnknown refuses a document that is not vendored.
func TestRawUnknown(t *testing.T) {
	if _, err := fitconnect.Raw("nope.yaml"); err == nil {
		t.Fatal("Raw(nope.yaml) succeeded")
	}
}

// TestExamplesUpstreamDefect records why Load leaves examples unvalidated: with
// example validation on, only the Submission API's CreateDestination example
// fails, and the Routing API passes. If FITKO fixes the example, this test
// says so and Load can validate examples too.
func TestExamplesUpstreamDefect(t *testing.T) {
	ctx := context.Background()
	for _, d := range fitconnect.Documents() {
		raw, err := fitconnect.Raw(d)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := openapi3.NewLoader().LoadFromData(raw)
		if err != nil {
			t.Fatal(err)
		}
		err = doc.Validate(ctx)
		switch d {
		case fitconnect.SubmissionAPI:
			if err == nil || !strings.Contains(err.Error(), "encryptionPublicKey") {
				t.Errorf("%s: example validation error = %v, want the encryptionPublicKey example defect", d, err)
			}
		default:
			if err != nil {
				t.Errorf("%s: example validation: %v", d, err)
			}
		}
	}
}
