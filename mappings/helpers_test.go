package mappings_test

import (
	"errors"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/mappings"
)

// probeInput requires a string "name"; probeOutput allows any object.
const (
	probeInput  = `{"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}`
	probeOutput = `{"type": "object"}`
)

// probe returns a JSON mapping with the given program and output schema.
func probe(transform, outputSchema string) *mappings.Definition {
	return &mappings.Definition{
		Name: "probe", Version: 1, Format: mappings.FormatJSON, Transform: transform,
		InputSchema: []byte(probeInput), OutputSchema: []byte(outputSchema),
	}
}

// probeXML returns an XML mapping with the given program and layout.
func probeXML(transform string, layout *mappings.Layout) *mappings.Definition {
	d := probe(transform, probeOutput)
	d.Format, d.XML = mappings.FormatXML, layout
	return d
}

// hubError asserts that err is a mapping_failed *hub.Error and returns it.
func hubError(t *testing.T, err error) *hub.Error {
	t.Helper()
	var he *hub.Error
	if !errors.As(err, &he) {
		t.Fatalf("error %v (%T) is no *hub.Error", err, err)
	}
	if he.Kind != mappings.KindMappingFailed {
		t.Errorf("kind = %q, want %q", he.Kind, mappings.KindMappingFailed)
	}
	return he
}
