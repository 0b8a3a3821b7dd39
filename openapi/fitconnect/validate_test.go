package fitconnect_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/amthub/amthub/openapi/fitconnect"
)

const createBody = `{"destinationId":"879ee109-a690-4db8-ab32-424284184d7d","announcedAttachments":["123ee109-a690-4db8-ab32-424284184d7d"],` +
	`"serviceType":{"name":"Gewerbeanmeldung","identifier":"urn:de:fim:leika:leistung:99050012104000"}}`

// TestValidatorRequest: the surface's request validation follows the
// vendored document, under the surface's base path.
func TestValidatorRequest(t *testing.T) {
	v, err := fitconnect.NewValidator(context.Background(), fitconnect.SubmissionAPI, "/fitconnect")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, path, body string
		ok                       bool
	}{
		{"CreateOK", "POST", "/fitconnect/v1/submissions", createBody, true},
		{"CreateWithoutServiceName", "POST", "/fitconnect/v1/submissions", strings.Replace(createBody, `"name":"Gewerbeanmeldung",`, "", 1), false},
		{"CreateDestinationNotUUID", "POST", "/fitconnect/v1/submissions", strings.Replace(createBody, "879ee109-a690-4db8-ab32-424284184d7d", "x", 1), false},
		{"PickupLimitTooLarge", "GET", "/fitconnect/v1/submissions?limit=501", "", false},
		{"PickupOK", "GET", "/fitconnect/v1/submissions?limit=500&offset=0", "", true},
		{"NotInDocument", "GET", "/fitconnect/v1/nothing", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			_, err := v.Request(context.Background(), r, tc.body != "")
			if (err == nil) != tc.ok {
				t.Fatalf("Request = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// BenchmarkValidateCreate measures what request validation adds to a
// create-submission request in the server.
func BenchmarkValidateCreate(b *testing.B) {
	v, err := fitconnect.NewValidator(context.Background(), fitconnect.SubmissionAPI, "/fitconnect")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		r := httptest.NewRequest("POST", "/fitconnect/v1/submissions", strings.NewReader(createBody))
		r.Header.Set("Content-Type", "application/json")
		if _, err := v.Request(context.Background(), r, true); err != nil {
			b.Fatal(err)
		}
	}
}
