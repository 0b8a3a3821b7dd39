package mappings

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/amthub/amthub/hub"
)

// KindMappingFailed is the hub.Error kind of every failed run; the pipeline
// records it as a submission.mapping_failed event and does not forward.
const KindMappingFailed = "mapping_failed"

// Reasons are the stable messages of failed runs (hub.Error.Message). They
// never contain submission data.
const (
	ReasonInputTooLarge  = "input exceeds the size limit"
	ReasonInputMalformed = "input is not a single JSON document"
	ReasonInputInvalid   = "input does not match the input schema"
	ReasonProgramFailed  = "mapping program failed"
	ReasonNotOneResult   = "mapping program must yield exactly one value"
	ReasonTimeout        = "mapping exceeded its time limit"
	ReasonOutputTooLarge = "output exceeds the size limit"
	ReasonOutputNotJSON  = "output is not representable as JSON"
	ReasonOutputTooDeep  = "output is nested too deeply"
	ReasonOutputInvalid  = "output does not match the output schema"
	ReasonLayout         = "output does not fit the XML layout"
	ReasonNotCompiled    = "mapping does not compile"
)

// Violation is one failed check of a document against a schema or layout.
type Violation struct {
	// Field is the JSON Pointer (RFC 6901) of the offending value, or an
	// element path for XML layout checks.
	Field string
	// Keyword is the schema keyword or layout rule that failed.
	Keyword string
	// Detail is the validator's explanation. It may quote the value, so it
	// is meant for mapping authors (`amthub mapping test`), not for logs.
	Detail string
}

// SchemaError lists every violation found in one document. Its Error text
// names fields and keywords only, never values, so it is safe to log.
type SchemaError struct {
	Violations []Violation
}

// Error lists the violated fields and keywords.
func (e *SchemaError) Error() string {
	parts := make([]string, 0, len(e.Violations))
	for _, v := range e.Violations {
		f := v.Field
		if f == "" {
			f = "/"
		}
		parts = append(parts, f+" ("+v.Keyword+")")
	}
	return fmt.Sprintf("%d violation(s): %s", len(e.Violations), strings.Join(parts, "; "))
}

// ProgramError is a runtime failure of the jq program. Its Error text is
// either the reason the mapping author raised with
// `error({field: "/path", reason: "…"})` or a generic text: gojq's own
// messages quote values, so they are kept in Detail, for authors only.
type ProgramError struct {
	Field  string
	Reason string
	detail string
}

// Error returns the author's reason, or a text that quotes no data.
func (e *ProgramError) Error() string {
	if e.Reason != "" {
		return e.Reason
	}
	return "jq runtime error (detail withheld: it may quote submission data)"
}

// Detail returns gojq's full message, which may quote submission data.
func (e *ProgramError) Detail() string { return e.detail }

// programError converts an error value yielded by gojq.
func programError(err error) *ProgramError {
	pe := &ProgramError{detail: err.Error()}
	type valueError interface{ Value() any }
	var ve valueError
	if errors.As(err, &ve) {
		if obj, ok := ve.Value().(map[string]any); ok {
			pe.Field, _ = obj["field"].(string)
			pe.Reason, _ = obj["reason"].(string)
		}
	}
	return pe
}

// failure builds the hub.Error of a failed run.
func failure(code, reason, field string, cause error) *hub.Error {
	return &hub.Error{Code: code, Kind: KindMappingFailed, Message: reason, Field: field, Err: cause}
}

// schemaFailure builds the hub.Error for a document that broke its schema;
// Field names the first offending value.
func schemaFailure(code, reason string, se *SchemaError) *hub.Error {
	field := ""
	if len(se.Violations) > 0 {
		field = se.Violations[0].Field
	}
	return failure(code, reason, field, se)
}

// contextFailure tells a run that hit its own deadline (the mapping's fault)
// from one whose caller gave up (not the mapping's fault: the caller retries).
func contextFailure(parent context.Context, err error) error {
	if parent.Err() != nil {
		return fmt.Errorf("run mapping: %w", parent.Err())
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return failure(hub.EUNPROCESSABLE, ReasonTimeout, "", err)
	}
	return nil
}
