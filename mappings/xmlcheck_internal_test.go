package mappings

import (
	"strings"
	"testing"
)

// TestCheckXML feeds the layout checker documents the renderer would never
// write, to show that it catches what an XSD would.
func TestCheckXML(t *testing.T) {
	l, err := compileLayout(&Layout{
		Namespaces: map[string]string{"o": "urn:example:order"},
		Root: Element{Name: "o:bestellung", Attributes: []Attribute{{Name: "version", Value: "1"}},
			Children: []Element{{Name: "nummer", Required: true}, {Name: "pos", Repeated: true}, {Name: "notiz"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	const head = `<o:bestellung xmlns:o="urn:example:order" version="1">`
	tests := []struct{ name, doc, want string }{
		{"OK", head + `<nummer>1</nummer><pos>a</pos><pos>b</pos></o:bestellung>`, ""},
		{"ErrWrongNamespace", `<o:bestellung xmlns:o="urn:other" version="1"><nummer>1</nummer></o:bestellung>`, "/ (element)"},
		{"ErrMissing", head + `<pos>a</pos></o:bestellung>`, "/o:bestellung/nummer (required)"},
		{"ErrOrder", head + `<nummer>1</nummer><notiz/><pos>a</pos></o:bestellung>`, "/o:bestellung/pos (element)"},
		{"ErrTwice", head + `<nummer>1</nummer><nummer>2</nummer></o:bestellung>`, "/o:bestellung/nummer (repeated)"},
		{"ErrChildOfLeaf", head + `<nummer><x/></nummer></o:bestellung>`, "/o:bestellung/nummer/x (element)"},
		{"ErrFixedAttribute", `<o:bestellung xmlns:o="urn:example:order" version="2"><nummer>1</nummer></o:bestellung>`, "/o:bestellung/@version (value)"},
		{"ErrUnknownAttribute", `<o:bestellung xmlns:o="urn:example:order" version="1" x="1"><nummer>1</nummer></o:bestellung>`, "/o:bestellung/@x (attribute)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs, err := l.checkXML([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if len(vs) > 0 {
				got = (&SchemaError{Violations: vs}).Error()
			}
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	for _, doc := range []string{`<a>`, `<!DOCTYPE a [<!ENTITY x "y">]><a/>`, ``, `<a/><b/>`} {
		if _, err := l.checkXML([]byte(doc)); err == nil {
			t.Errorf("checkXML(%q): want a parse error", doc)
		}
	}
}
