package mappings

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/amthub/amthub/hub"
)

// Validator checks form data against a destination's JSON Schema
// (2020-12). It compiles each distinct schema once and is safe for
// concurrent use. The pipeline uses it before mapping; data without a
// mapping is validated the same way.
type Validator struct {
	mu      sync.Mutex
	schemas map[[32]byte]*jsonschema.Schema
}

// NewValidator returns an empty Validator.
func NewValidator() *Validator {
	return &Validator{schemas: map[[32]byte]*jsonschema.Schema{}}
}

// maxCachedSchemas bounds the cache; past it, the cache starts over.
const maxCachedSchemas = 1024

// Validate reports the first violation of data against schema as an
// EINVALID *hub.Error whose Field is the JSON Pointer of the offending
// value. The message names the keyword, never the value.
func (v *Validator) Validate(_ context.Context, schema json.RawMessage, data []byte) error {
	s, err := v.compiled(schema)
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return &hub.Error{Code: hub.EINVALID, Field: "/", Message: "The data is not valid JSON."}
	}
	se := validate(s, doc)
	if se == nil {
		return nil
	}
	first := se.Violations[0]
	field := first.Field
	if field == "" {
		field = "/"
	}
	return &hub.Error{Code: hub.EINVALID, Field: field, Err: se,
		Message: fmt.Sprintf("The data breaks its schema at %s (%s); %d violation(s) in all.", field, first.Keyword, len(se.Violations))}
}

func (v *Validator) compiled(schema json.RawMessage) (*jsonschema.Schema, error) {
	key := sha256.Sum256(schema)
	v.mu.Lock()
	s, ok := v.schemas[key]
	v.mu.Unlock()
	if ok {
		return s, nil
	}
	s, err := compileSchema(fmt.Sprintf("destination-%x", key[:8]), schema)
	if err != nil {
		return nil, fmt.Errorf("compile destination schema: %w", err)
	}
	v.mu.Lock()
	if len(v.schemas) >= maxCachedSchemas {
		v.schemas = map[[32]byte]*jsonschema.Schema{}
	}
	v.schemas[key] = s
	v.mu.Unlock()
	return s, nil
}
