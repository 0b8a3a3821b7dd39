package fitconnect

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// MediaTypeJOSE is the media type of JWEs (attachments) and JWSs (SETs) in
// FIT-Connect's API: the body is the compact serialisation, a string.
const MediaTypeJOSE = "application/jose"

// Validator checks requests and responses against one of the vendored
// documents with kin-openapi's openapi3filter. The documents' servers (FITKO's
// hosts) are replaced in this copy by none, so that any host matches, and a
// request's path is taken relative to the surface's base path. Security
// requirements are left to the surface (scopes per destination), as are
// the callbacks.
type Validator struct {
	router routers.Router
	base   string
	opts   *openapi3filter.Options
}

// NewValidator loads document d and prepares validation of requests under
// base (e.g. "/fitconnect").
func NewValidator(ctx context.Context, d Document, base string) (*Validator, error) {
	doc, err := Load(ctx, d)
	if err != nil {
		return nil, err
	}
	doc.Servers = nil
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			op.Security = &openapi3.SecurityRequirements{}
			op.Callbacks = nil
		}
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route FIT-Connect document %s: %w", d, err)
	}
	// FIT-Connect's attachments and SETs are application/jose: a compact
	// JOSE serialisation, validated as the string the documents describe.
	// kin-openapi keeps its decoders in one registry; registering the same
	// decoder again is harmless.
	openapi3filter.RegisterBodyDecoder(MediaTypeJOSE, openapi3filter.PlainBodyDecoder)
	return &Validator{router: router, base: strings.TrimSuffix(base, "/"), opts: &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(
				`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)),
		},
	}}, nil
}

// Request validates r (its body is read and restored) and returns the
// input that Response needs.
func (v *Validator) Request(ctx context.Context, r *http.Request, withBody bool) (*openapi3filter.RequestValidationInput, error) {
	rel := r.Clone(ctx)
	rel.URL.Path = strings.TrimPrefix(r.URL.Path, v.base)
	rel.URL.RawPath = ""
	route, params, err := v.router.FindRoute(rel)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.Method, rel.URL.Path, err)
	}
	opts := *v.opts
	opts.ExcludeRequestBody = !withBody
	in := &openapi3filter.RequestValidationInput{Request: rel, PathParams: params, Route: route, Options: &opts}
	if withBody && r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		rel.Body = io.NopCloser(bytes.NewReader(b))
	}
	return in, openapi3filter.ValidateRequest(ctx, in)
}

// Response validates a response to the request of in.
func (v *Validator) Response(ctx context.Context, in *openapi3filter.RequestValidationInput, status int, h http.Header, body []byte) error {
	return openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: h, Body: io.NopCloser(bytes.NewReader(body)), Options: v.opts,
	})
}
