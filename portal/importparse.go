package portal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// RecordError names one broken record of an import file.
type RecordError struct {
	// Kind is the list the record is in: "leistungen",
	// "organisationseinheiten", "zustaendigkeiten", "synonyme", or "datei"
	// for the file as a whole.
	Kind string `json:"kind"`
	// Record is the 1-based position of the record in its list.
	Record int `json:"record,omitempty"`
	// Line is the line of the file where the record starts.
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// String gives the record error as "line N: kind #i (field): message".
func (e RecordError) String() string {
	s := fmt.Sprintf("line %d: %s", e.Line, e.Kind)
	if e.Record > 0 {
		s += fmt.Sprintf(" #%d", e.Record)
	}
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	return s + ": " + e.Message
}

// ImportError rejects a whole import: it lists every broken record; nothing
// of the file was imported.
type ImportError struct{ Records []RecordError }

// Error lists the first broken records.
func (e *ImportError) Error() string {
	parts := make([]string, 0, len(e.Records))
	for i, r := range e.Records {
		if i == 20 {
			parts = append(parts, fmt.Sprintf("… and %d more", len(e.Records)-20))
			break
		}
		parts = append(parts, r.String())
	}
	return fmt.Sprintf("import rejected, nothing imported: %d broken record(s): %s", len(e.Records), strings.Join(parts, "; "))
}

// parsedCatalogue is a catalogue with the line of each record.
type parsedCatalogue struct {
	Catalogue
	lines map[string][]int // list name → line per record
}

// maxImportBytes bounds an import file.
const maxImportBytes = 256 << 20

// parseCatalogue reads an import file, recording the line every record
// starts on, and rejects unknown fields. Syntax errors carry their line.
func parseCatalogue(r io.Reader) (*parsedCatalogue, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read import file: %w", err)
	}
	if len(data) > maxImportBytes {
		return nil, &ImportError{Records: []RecordError{{Kind: "datei", Line: 1, Message: "file exceeds 256 MiB"}}}
	}
	p := &parsedCatalogue{lines: map[string][]int{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	fail := func(err error) (*parsedCatalogue, error) {
		return nil, &ImportError{Records: []RecordError{{Kind: "datei", Line: lineAt(data, dec.InputOffset()), Message: syntaxMessage(err)}}}
	}
	if err := expectDelim(dec, '{'); err != nil {
		return fail(err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		key, _ := tok.(string)
		var target func() any
		switch key {
		case "leistungen":
			target = func() any { p.Services = append(p.Services, Service{}); return &p.Services[len(p.Services)-1] }
		case "organisationseinheiten":
			target = func() any {
				p.Authorities = append(p.Authorities, Authority{})
				return &p.Authorities[len(p.Authorities)-1]
			}
		case "zustaendigkeiten":
			target = func() any {
				p.Responsibilities = append(p.Responsibilities, Responsibility{})
				return &p.Responsibilities[len(p.Responsibilities)-1]
			}
		case "synonyme":
			target = func() any { p.Synonyms = append(p.Synonyms, Synonym{}); return &p.Synonyms[len(p.Synonyms)-1] }
		case "format":
			err = dec.Decode(&p.Format)
		case "quelle":
			err = dec.Decode(&p.Source)
		case "leistungsgruppen":
			err = dec.Decode(&p.ServiceGroups)
		default:
			return nil, &ImportError{Records: []RecordError{{Kind: "datei", Line: lineAt(data, dec.InputOffset()), Field: key, Message: "unknown field"}}}
		}
		if err != nil {
			return fail(err)
		}
		if target != nil {
			if err := decodeList(dec, data, key, p, target); err != nil {
				return nil, err
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail(err)
	}
	return p, nil
}

// decodeList decodes one array of records, each strictly (unknown fields
// are errors), remembering the line each starts on.
func decodeList(dec *json.Decoder, data []byte, key string, p *parsedCatalogue, target func() any) error {
	if err := expectDelim(dec, '['); err != nil {
		return &ImportError{Records: []RecordError{{Kind: key, Line: lineAt(data, dec.InputOffset()), Message: "must be a list"}}}
	}
	for n := 1; dec.More(); n++ {
		line := lineAt(data, dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return &ImportError{Records: []RecordError{{Kind: key, Record: n, Line: line, Message: syntaxMessage(err)}}}
		}
		rd := json.NewDecoder(bytes.NewReader(raw))
		rd.DisallowUnknownFields()
		if err := rd.Decode(target()); err != nil {
			return &ImportError{Records: []RecordError{{Kind: key, Record: n, Line: line, Message: syntaxMessage(err)}}}
		}
		p.lines[key] = append(p.lines[key], line)
	}
	_, err := dec.Token() // ]
	if err != nil {
		return &ImportError{Records: []RecordError{{Kind: key, Line: lineAt(data, dec.InputOffset()), Message: syntaxMessage(err)}}}
	}
	return nil
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if got, ok := tok.(json.Delim); !ok || got != d {
		return fmt.Errorf("expected %q", string(d))
	}
	return nil
}

// lineAt returns the line of the first value at or after off, skipping
// whitespace and separators.
func lineAt(data []byte, off int64) int {
	i := int(min(off, int64(len(data))))
	for i < len(data) && strings.IndexByte(" \t\r\n,:", data[i]) >= 0 {
		i++
	}
	return bytes.Count(data[:i], []byte{'\n'}) + 1
}

func syntaxMessage(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "invalid JSON: " + se.Error()
	case errors.As(err, &te):
		return fmt.Sprintf("field %q must be %s", te.Field, te.Type.String())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "file ends too early"
	}
	return err.Error()
}
