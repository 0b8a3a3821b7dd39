package openapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/httpserver"
)

// MaxJSONBody bounds JSON request bodies; attachments have their own limit.
const MaxJSONBody = 4 << 20

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Spec returns the parsed, validated OpenAPI document.
func Spec() (*openapi3.T, error) {
	doc, err := GetSwagger()
	if err != nil {
		return nil, fmt.Errorf("load openapi spec: %w", err)
	}
	doc.Servers = nil // match any host: the hub runs behind proxies
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi spec is invalid: %w", err)
	}
	return doc, nil
}

// validator checks each request against the spec: the scopes its
// operation requires (the spec is the contract for authorisation too),
// parameters, headers and JSON bodies.
type validator struct {
	router routers.Router
	opts   *openapi3filter.Options
	scopes map[string][]string // operation id → required scopes
}

// newValidator prepares request validation. Scopes are checked here, from
// each operation's security requirement, and the requirements are removed
// from the validator's own copy of the spec: kin-openapi's security check
// reads the whole request body into memory first, which would buffer every
// streamed upload before authorisation.
func newValidator() (*validator, error) {
	doc, err := Spec()
	if err != nil {
		return nil, err
	}
	v := &validator{scopes: map[string][]string{}, opts: &openapi3filter.Options{
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(uuidPattern.String())),
		},
	}}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Security != nil {
				for _, req := range *op.Security {
					for _, scopes := range req {
						v.scopes[op.OperationID] = append(v.scopes[op.OperationID], scopes...)
					}
				}
			}
			op.Security = &openapi3.SecurityRequirements{}
		}
	}
	if v.router, err = gorillamux.NewRouter(doc); err != nil {
		return nil, fmt.Errorf("openapi router: %w", err)
	}
	return v, nil
}

// checkScopes is the spec's security check: the principal that the token
// middleware put into the context must hold every scope the operation
// lists.
func checkScopes(ctx context.Context, scopes []string) error {
	p := hub.PrincipalFrom(ctx)
	if p == nil {
		return &hub.Error{Code: hub.EUNAUTHORIZED, Kind: "missing_token", Message: "A bearer token is required."}
	}
	for _, s := range scopes {
		if !p.HasScope(s) {
			return &hub.Error{Code: hub.EFORBIDDEN, Kind: "insufficient_scope", Message: "The token lacks the scope " + s + "."}
		}
	}
	return nil
}

func (v *validator) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, params, err := v.router.FindRoute(r)
		if err != nil {
			httpserver.WriteError(w, r, hub.Errorf(hub.ENOTFOUND, "No such resource."))
			return
		}
		if err := checkScopes(r.Context(), v.scopes[route.Operation.OperationID]); err != nil {
			httpserver.WriteError(w, r, err)
			return
		}
		opts := *v.opts
		if streamed(route.Operation) {
			opts.ExcludeRequestBody = true // the handler bounds and checks it as it streams
		} else if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, MaxJSONBody)
		}
		in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: &opts}
		if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
			httpserver.WriteError(w, r, requestProblem(err))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// streamed reports whether an operation takes a body other than JSON
// (attachments), which is streamed to its handler unread.
func streamed(op *openapi3.Operation) bool {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return false
	}
	_, isJSON := op.RequestBody.Value.Content["application/json"] // not Get: it matches */* too
	return !isJSON
}

// requestProblem turns a kin-openapi validation error into a hub error
// that names the offending field.
func requestProblem(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &hub.Error{Code: hub.ETOOLARGE, Kind: "body_too_large", Message: fmt.Sprintf("The request body may have at most %d bytes.", mbe.Limit)}
	}
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		return &hub.Error{Code: hub.EINVALID, Kind: "request_invalid", Message: "The request does not match the API.", Err: err}
	}
	field := ""
	if re.Parameter != nil {
		field = re.Parameter.Name
	}
	msg := re.Reason
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		if ptr := se.JSONPointer(); len(ptr) > 0 {
			field = "/" + strings.Join(ptr, "/")
		} else if field == "" && re.RequestBody != nil {
			field = "/"
		}
		msg = se.Reason
	}
	if msg == "" {
		msg = "invalid value"
	}
	kind := "request_invalid"
	if re.Parameter != nil && re.Parameter.Name == "Idempotency-Key" {
		kind = "idempotency_key_missing"
	}
	return &hub.Error{Code: hub.EINVALID, Kind: kind, Field: field, Message: msg, Err: err}
}
