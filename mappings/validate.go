package mappings

import (
	"errors"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// validate checks v against s and returns every violation, sorted by field,
// or nil when v is valid.
func validate(s *jsonschema.Schema, v any) *SchemaError {
	err := s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return &SchemaError{Violations: []Violation{{Keyword: "schema", Detail: err.Error()}}}
	}
	se := &SchemaError{}
	collect(ve, message.NewPrinter(language.English), &se.Violations)
	sort.SliceStable(se.Violations, func(i, j int) bool {
		a, b := se.Violations[i], se.Violations[j]
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Keyword < b.Keyword
	})
	return se
}

// collect flattens a validation error tree into its leaves. A missing or
// unexpected property is reported at the property's own path, so that the
// field names what to fix.
func collect(e *jsonschema.ValidationError, p *message.Printer, out *[]Violation) {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			collect(c, p, out)
		}
		return
	}
	at := jsonPointer(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, name := range k.Missing {
			*out = append(*out, Violation{Field: at + "/" + pointerToken(name), Keyword: "required",
				Detail: "missing required property"})
		}
		return
	case *kind.AdditionalProperties:
		for _, name := range k.Properties {
			*out = append(*out, Violation{Field: at + "/" + pointerToken(name), Keyword: "additionalProperties",
				Detail: "property is not allowed"})
		}
		return
	}
	*out = append(*out, Violation{Field: at, Keyword: strings.Join(e.ErrorKind.KeywordPath(), "/"),
		Detail: e.ErrorKind.LocalizedString(p)})
}

func jsonPointer(tokens []string) string {
	var sb strings.Builder
	for _, t := range tokens {
		sb.WriteByte('/')
		sb.WriteString(pointerToken(t))
	}
	return sb.String()
}
