package mappings

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/amthub/amthub/hub"
)

var (
	errNotOne   = errors.New("the program yielded no value, or more than one")
	errTooDeep  = errors.New("document nested too deeply")
	errNotJSONV = errors.New("value is not representable as JSON")
)

// maxOutputDepth bounds the nesting of a jq result; real documents are a
// few levels deep.
const maxOutputDepth = 64

// Run maps one submission's data. The whole run is bounded by the mapping's
// time limit and its output by the size limit. A failure is a *hub.Error of
// kind mapping_failed whose Message is one of the Reason constants and
// whose Field is the JSON Pointer of the offending value (EINVALID: the
// input is at fault; EUNPROCESSABLE: the mapping is). If ctx itself ends,
// Run returns ctx's error instead: that is no fault of the mapping.
func (m *Mapping) Run(ctx context.Context, input []byte, meta Meta) (*Result, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, m.limits.Timeout)
	defer cancel()

	v, err := m.decodeInput(input)
	if err != nil {
		return nil, err
	}
	if se := validate(m.input, v); se != nil {
		return nil, schemaFailure(hub.EINVALID, ReasonInputInvalid, se)
	}
	out, err := m.transform(ctx, v, meta)
	if err != nil {
		return nil, m.transformFailure(parent, err)
	}
	body, norm, err := m.encode(out)
	if err != nil {
		return nil, encodeFailure(err)
	}
	if se := validate(m.output, norm); se != nil {
		return nil, schemaFailure(hub.EUNPROCESSABLE, ReasonOutputInvalid, se)
	}
	if m.layout != nil {
		if body, err = m.renderXML(norm); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, contextFailure(parent, err)
	}
	return &Result{Format: m.def.Format, ContentType: m.def.Format.ContentType(), Body: body}, nil
}

// decodeInput reads exactly one JSON document, numbers kept exact.
func (m *Mapping) decodeInput(input []byte) (any, error) {
	if len(input) > m.limits.MaxInputBytes {
		return nil, failure(hub.ETOOLARGE, ReasonInputTooLarge, "", nil)
	}
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, failure(hub.EINVALID, ReasonInputMalformed, "", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, failure(hub.EINVALID, ReasonInputMalformed, "", errors.New("data after the document"))
	}
	return v, nil
}

// transform runs the jq program. It runs in a goroutine of its own so that
// the caller gets control back at the deadline even while a single built-in
// (a sort of a huge array, say) is still busy; gojq itself stops at its next
// step once the context is done.
func (m *Mapping) transform(ctx context.Context, v any, meta Meta) (any, error) {
	type outcome struct {
		v   any
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- outcome{err: &ProgramError{detail: fmt.Sprintf("panic: %v", r)}}
			}
		}()
		iter := m.code.RunWithContext(ctx, v, meta.value())
		first, ok := iter.Next()
		if !ok {
			done <- outcome{err: errNotOne}
			return
		}
		if err, isErr := first.(error); isErr {
			done <- outcome{err: err}
			return
		}
		if second, more := iter.Next(); more {
			if err, isErr := second.(error); isErr {
				done <- outcome{err: err}
				return
			}
			done <- outcome{err: errNotOne}
			return
		}
		done <- outcome{v: first}
	}()
	select {
	case o := <-done:
		return o.v, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (m *Mapping) transformFailure(parent context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		if f := contextFailure(parent, err); f != nil {
			return f
		}
	}
	if errors.Is(err, errNotOne) {
		return failure(hub.EUNPROCESSABLE, ReasonNotOneResult, "", err)
	}
	var pe *ProgramError
	if !errors.As(err, &pe) {
		pe = programError(err)
	}
	return failure(hub.EUNPROCESSABLE, ReasonProgramFailed, pe.Field, pe)
}

// encode bounds the jq result in size and depth, writes it as indented JSON
// and decodes that again for the output schema, which sees exactly what
// the destination will.
func (m *Mapping) encode(out any) (body []byte, norm any, err error) {
	budget := m.limits.MaxOutputBytes
	if err := measure(out, &budget, 0); err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errNotJSONV, err)
	}
	if buf.Len() > m.limits.MaxOutputBytes {
		return nil, nil, errTooLarge
	}
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&norm); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errNotJSONV, err)
	}
	return buf.Bytes(), norm, nil
}

func encodeFailure(err error) error {
	switch {
	case errors.Is(err, errTooLarge):
		return failure(hub.EUNPROCESSABLE, ReasonOutputTooLarge, "", err)
	case errors.Is(err, errTooDeep):
		return failure(hub.EUNPROCESSABLE, ReasonOutputTooDeep, "", err)
	default:
		return failure(hub.EUNPROCESSABLE, ReasonOutputNotJSON, "", err)
	}
}

// measure subtracts an estimate of v's encoded size from budget and stops as
// soon as the budget or the depth limit is exceeded, so that a huge result
// is refused without being encoded.
func measure(v any, budget *int, depth int) error {
	if depth > maxOutputDepth {
		return errTooDeep
	}
	switch x := v.(type) {
	case string:
		*budget -= len(x) + 2
	case map[string]any:
		*budget -= 2
		for k, e := range x {
			if *budget -= len(k) + 4; *budget < 0 {
				return errTooLarge
			}
			if err := measure(e, budget, depth+1); err != nil {
				return err
			}
		}
	case []any:
		*budget -= 2
		for _, e := range x {
			if *budget--; *budget < 0 {
				return errTooLarge
			}
			if err := measure(e, budget, depth+1); err != nil {
				return err
			}
		}
	default:
		*budget -= 4
	}
	if *budget < 0 {
		return errTooLarge
	}
	return nil
}

// renderXML builds and checks the XML document.
func (m *Mapping) renderXML(norm any) ([]byte, error) {
	body, err := m.layout.render(norm, m.limits.MaxOutputBytes)
	if errors.Is(err, errTooLarge) {
		return nil, failure(hub.EUNPROCESSABLE, ReasonOutputTooLarge, "", err)
	}
	var le *layoutError
	if errors.As(err, &le) {
		return nil, schemaFailure(hub.EUNPROCESSABLE, ReasonLayout, &SchemaError{Violations: []Violation{le.violation()}})
	}
	if err != nil {
		return nil, fmt.Errorf("render XML: %w", err)
	}
	vs, err := m.layout.checkXML(body)
	if err != nil {
		return nil, failure(hub.EUNPROCESSABLE, ReasonLayout, "", err)
	}
	if len(vs) > 0 {
		return nil, schemaFailure(hub.EUNPROCESSABLE, ReasonLayout, &SchemaError{Violations: vs})
	}
	return body, nil
}
