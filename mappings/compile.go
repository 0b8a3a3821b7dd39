package mappings

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/itchyny/gojq"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Mapping is a compiled mapping. It is immutable and safe for concurrent use.
type Mapping struct {
	def    *Definition
	limits Limits
	code   *gojq.Code
	input  *jsonschema.Schema
	output *jsonschema.Schema
	layout *compiledLayout // nil for JSON output
}

// Definition returns the definition the mapping was compiled from.
func (m *Mapping) Definition() *Definition { return m.def }

// Compile checks and compiles a definition: both schemas against the JSON
// Schema 2020-12 meta-schema, the jq program, and the XML layout.
func Compile(def *Definition, limits Limits) (*Mapping, error) {
	if err := def.Validate(); err != nil {
		return nil, fmt.Errorf("compile mapping %s: %w", def.Name, err)
	}
	m := &Mapping{def: def, limits: limits.withDefaults()}
	var err error
	if m.input, err = compileSchema("input.schema.json", def.InputSchema); err != nil {
		return nil, fmt.Errorf("compile mapping %s: input schema: %w", def.Name, err)
	}
	if m.output, err = compileSchema("output.schema.json", def.OutputSchema); err != nil {
		return nil, fmt.Errorf("compile mapping %s: output schema: %w", def.Name, err)
	}
	if m.code, err = compileJQ(def.Transform); err != nil {
		return nil, fmt.Errorf("compile mapping %s: transform: %w", def.Name, err)
	}
	if def.XML != nil {
		if m.layout, err = compileLayout(def.XML); err != nil {
			return nil, fmt.Errorf("compile mapping %s: output.xml: %w", def.Name, err)
		}
	}
	return m, nil
}

// refusingLoader keeps schemas from loading anything by URL (the default
// loader reads local files): a schema must be self-contained.
type refusingLoader struct{}

// Load refuses every URL.
func (refusingLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema references %s: only references within the schema are allowed", url)
}

func compileSchema(name string, raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(refusingLoader{})
	url := "mem:///" + name
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// compileJQ parses and compiles a jq program with $meta as its only
// variable. Without loaders, the program cannot import modules or read the
// environment ($ENV is empty).
func compileJQ(src string) (*gojq.Code, error) {
	q, err := gojq.Parse(src)
	if err != nil {
		var pe *gojq.ParseError
		if errors.As(err, &pe) {
			line, col := lineCol(src, pe.Offset)
			return nil, fmt.Errorf("syntax error at line %d, column %d: %w", line, col, err)
		}
		return nil, fmt.Errorf("syntax error: %w", err)
	}
	code, err := gojq.Compile(q, gojq.WithVariables([]string{"$meta"}))
	if err != nil {
		return nil, err
	}
	return code, nil
}

func lineCol(src string, offset int) (line, col int) {
	line, col = 1, 1
	for i, r := range src {
		if i >= offset {
			break
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
