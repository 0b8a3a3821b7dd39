// Package fitconnect carries FIT-Connect's public OpenAPI documents, vendored
// byte for byte (see README.md for their source and licence), and loads them
// with kin-openapi. The FIT-Connect surface and its tests validate every
// request and response against these documents, never against a copy of our
// own making.
package fitconnect

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// Document names one vendored OpenAPI document.
type Document string

// The vendored documents.
const (
	// SubmissionAPI is FIT-Connect's Submission API (info.version 1.1.3).
	SubmissionAPI Document = "submission-api.yaml"
	// RoutingAPI is FIT-Connect's Routing API (info.version 2.0.0).
	RoutingAPI Document = "routing-api.yaml"
)

// Documents lists every vendored document.
func Documents() []Document { return []Document{SubmissionAPI, RoutingAPI} }

//go:embed submission-api.yaml routing-api.yaml
var files embed.FS

// Raw returns the document's bytes exactly as vendored.
func Raw(d Document) ([]byte, error) {
	b, err := files.ReadFile(string(d))
	if err != nil {
		return nil, fmt.Errorf("read FIT-Connect document %s: %w", d, err)
	}
	return b, nil
}

// SHA256 returns the hex SHA-256 of the vendored bytes, so a test can pin
// them to the digest recorded in README.md.
func SHA256(d Document) (string, error) {
	b, err := Raw(d)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Load parses the document with kin-openapi and validates its structure. The
// documents are self-contained (only internal references), so external
// references stay disabled. Examples are not validated: FITKO's Submission API
// 1.1.3 has an example (CreateDestination.encryptionPublicKey) that is a
// "$ref" inside an example value, which no JSON Schema accepts; the examples
// are prose for humans, the schemas are what requests are checked against.
func Load(ctx context.Context, d Document) (*openapi3.T, error) {
	b, err := Raw(d)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	loader.Context = ctx
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("load FIT-Connect document %s: %w", d, err)
	}
	if err := doc.Validate(ctx, openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("validate FIT-Connect document %s: %w", d, err)
	}
	return doc, nil
}
