package mappings_test

import (
	"context"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/mappings"
)

// order is a small layout with a namespace, a type, attributes from fixed
// values and fields, and a repeated element.
var order = &mappings.Layout{
	Namespaces: map[string]string{"o": "urn:example:order"},
	Types: map[string]mappings.ElementType{
		"Code": {Children: []mappings.Element{{Name: "code", Required: true}, {Name: "name"}}},
	},
	Root: mappings.Element{Name: "o:bestellung", Attributes: []mappings.Attribute{{Name: "version", Value: "1"}},
		Children: []mappings.Element{
			{Name: "nummer", Required: true},
			{Name: "status", Type: "Code", Attributes: []mappings.Attribute{{Name: "listURI", Value: "urn:example:status"}}},
			{Name: "position", Field: "positionen", Repeated: true, Required: true,
				Attributes: []mappings.Attribute{{Name: "nr", Field: "nr", Required: true}},
				Children:   []mappings.Element{{Name: "text", Required: true}, {Name: "menge"}}},
		}},
}

func TestXMLLayout(t *testing.T) {
	ok := []struct{ name, transform, want string }{
		{"OK", `{nummer: "A-1", status: {code: "neu"}, positionen: [{nr: 1, text: "Äpfel & <Birnen>", menge: 2.5}, {nr: 2, text: "x"}]}`,
			`<?xml version="1.0" encoding="UTF-8"?>
<o:bestellung xmlns:o="urn:example:order" version="1">
  <nummer>A-1</nummer>
  <status listURI="urn:example:status">
    <code>neu</code>
  </status>
  <position nr="1">
    <text>Äpfel &amp; &lt;Birnen&gt;</text>
    <menge>2.5</menge>
  </position>
  <position nr="2">
    <text>x</text>
  </position>
</o:bestellung>
`},
		{"OKControlCharactersReplaced", `{nummer: "a\u0000b\u001bc", positionen: [{nr: "1\"", text: true}]}`,
			`<?xml version="1.0" encoding="UTF-8"?>
<o:bestellung xmlns:o="urn:example:order" version="1">
  <nummer>a` + "\uFFFD" + `b` + "\uFFFD" + `c</nummer>
  <position nr="1&#34;">
    <text>true</text>
  </position>
</o:bestellung>
`},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mappings.Compile(probeXML(tt.transform, order), mappings.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := m.Run(context.Background(), []byte(`{"name": "a"}`), mappings.Meta{})
			if err != nil {
				t.Fatal(err)
			}
			if got := string(res.Body); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			if res.ContentType != "application/xml" {
				t.Errorf("content type = %q", res.ContentType)
			}
		})
	}

	bad := []struct{ name, transform, field string }{
		{"ErrMissingRequired", `{positionen: [{nr: 1, text: "x"}]}`, "/nummer"},
		{"ErrRequiredRepeatedEmpty", `{nummer: "1", positionen: []}`, "/positionen"},
		{"ErrMissingRequiredAttribute", `{nummer: "1", positionen: [{text: "x"}]}`, "/positionen/0/nr"},
		{"ErrUnknownField", `{nummer: "1", positionen: [{nr: 1, text: "x"}], rabatt: 5}`, "/rabatt"},
		{"ErrObjectForLeaf", `{nummer: {a: 1}, positionen: [{nr: 1, text: "x"}]}`, "/nummer"},
		{"ErrArrayForSingle", `{nummer: ["1", "2"], positionen: [{nr: 1, text: "x"}]}`, "/nummer"},
		{"ErrScalarForRepeated", `{nummer: "1", positionen: {nr: 1, text: "x"}}`, "/positionen"},
		{"ErrNullItem", `{nummer: "1", positionen: [null]}`, "/positionen/0"},
		{"ErrStringForTyped", `{nummer: "1", status: "neu", positionen: [{nr: 1, text: "x"}]}`, "/status"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mappings.Compile(probeXML(tt.transform, order), mappings.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.Run(context.Background(), []byte(`{"name": "a"}`), mappings.Meta{})
			he := hubError(t, err)
			if he.Code != hub.EUNPROCESSABLE || he.Message != mappings.ReasonLayout || he.Field != tt.field {
				t.Errorf("got %s/%q/%q, want %q at %q (%v)", he.Code, he.Message, he.Field, mappings.ReasonLayout, tt.field, err)
			}
		})
	}
}
