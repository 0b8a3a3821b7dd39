package mappings

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Layout declares how the jq result of an XML mapping becomes a document:
// which element each field becomes, in which order, in which namespace, and
// how often it may occur. It is also the structure the produced XML is
// checked against, standing in for an XSD (no well-kept pure-Go XSD
// validator exists, and amthub builds without cgo).
//
// The jq result is an object for the root element. An element with children
// reads an object whose keys are its children's and attributes' fields; a
// leaf element reads a scalar (string, number or boolean) as its text. A
// missing or null field leaves its element out. Keys the layout does not
// name are an error, so no data is dropped silently.
type Layout struct {
	// Namespaces maps prefixes to namespace URIs; all are declared on the
	// root element. Names without a prefix are in no namespace, as local
	// elements of XÖV schemas (elementFormDefault="unqualified") are.
	Namespaces map[string]string `yaml:"namespaces,omitempty" json:"namespaces,omitempty"`
	// Types are named element shapes (children and attributes) that
	// elements reuse by name, like complex types of an XSD.
	Types map[string]ElementType `yaml:"types,omitempty" json:"types,omitempty"`
	Root  Element                `yaml:"root" json:"root"`
}

// ElementType is a reusable element shape.
type ElementType struct {
	Attributes []Attribute `yaml:"attributes,omitempty" json:"attributes,omitempty"`
	Children   []Element   `yaml:"children,omitempty" json:"children,omitempty"`
}

// Element declares one element of the layout.
type Element struct {
	// Name is "prefix:local" or "local".
	Name string `yaml:"name" json:"name"`
	// Field is the key of the value in the parent's object; the local name
	// by default. The root element reads the whole result.
	Field    string `yaml:"field,omitempty" json:"field,omitempty"`
	Required bool   `yaml:"required,omitempty" json:"required,omitempty"`
	// Repeated elements read an array and occur once per item.
	Repeated bool `yaml:"repeated,omitempty" json:"repeated,omitempty"`
	// Type names an entry of Layout.Types; it excludes Children.
	Type       string      `yaml:"type,omitempty" json:"type,omitempty"`
	Attributes []Attribute `yaml:"attributes,omitempty" json:"attributes,omitempty"`
	Children   []Element   `yaml:"children,omitempty" json:"children,omitempty"`
}

// Attribute declares an attribute with either a fixed Value (such as the
// listURI of a code list) or a Field of the element's object.
type Attribute struct {
	Name     string `yaml:"name" json:"name"`
	Value    string `yaml:"value,omitempty" json:"value,omitempty"`
	Field    string `yaml:"field,omitempty" json:"field,omitempty"`
	Required bool   `yaml:"required,omitempty" json:"required,omitempty"`
}

// node is a compiled element: types resolved, names split and checked.
type node struct {
	qname    string // as written: "prefix:local"
	space    string // namespace URI, "" for none
	local    string
	field    string
	required bool
	repeated bool
	attrs    []attr
	children []*node
	byField  map[string]bool // children's and attributes' fields
}

type attr struct {
	qname, space, local string
	value, field        string
	required            bool
}

func (n *node) hasFieldAttrs() bool {
	for _, a := range n.attrs {
		if a.field != "" {
			return true
		}
	}
	return false
}

// compiledLayout is a Layout ready for rendering and checking.
type compiledLayout struct {
	root     *node
	prefixes []string // sorted, for a stable xmlns order
	spaces   map[string]string
}

const maxLayoutDepth = 32

var ncName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9._-]*$`)

func compileLayout(l *Layout) (*compiledLayout, error) {
	c := &compiledLayout{spaces: map[string]string{}}
	for p, uri := range l.Namespaces {
		if !ncName.MatchString(p) || strings.HasPrefix(strings.ToLower(p), "xml") {
			return nil, fmt.Errorf("namespaces: prefix %q is not allowed", p)
		}
		if uri == "" {
			return nil, fmt.Errorf("namespaces: prefix %q has an empty URI", p)
		}
		c.spaces[p] = uri
		c.prefixes = append(c.prefixes, p)
	}
	sort.Strings(c.prefixes)
	root, err := c.compile(l, l.Root, "", 0, map[string]bool{})
	if err != nil {
		return nil, err
	}
	c.root = root
	return c, nil
}

func (c *compiledLayout) compile(l *Layout, e Element, parent string, depth int, inType map[string]bool) (*node, error) {
	path := parent + "/" + e.Name
	if depth > maxLayoutDepth {
		return nil, fmt.Errorf("%s: layout nested deeper than %d", path, maxLayoutDepth)
	}
	n := &node{qname: e.Name, required: e.Required, repeated: e.Repeated, byField: map[string]bool{}}
	var err error
	if n.space, n.local, err = c.split(e.Name); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	n.field = e.Field
	if n.field == "" {
		n.field = n.local
	}
	attrs, children := e.Attributes, e.Children
	if e.Type != "" {
		t, ok := l.Types[e.Type]
		if !ok {
			return nil, fmt.Errorf("%s: unknown type %q", path, e.Type)
		}
		if len(children) > 0 {
			return nil, fmt.Errorf("%s: an element with a type has no children of its own", path)
		}
		if inType[e.Type] {
			return nil, fmt.Errorf("%s: type %q contains itself", path, e.Type)
		}
		inType = withKey(inType, e.Type)
		attrs, children = append(append([]Attribute{}, t.Attributes...), attrs...), t.Children
	}
	if err := c.compileAttrs(n, attrs, path); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, ce := range children {
		child, err := c.compile(l, ce, path, depth+1, inType)
		if err != nil {
			return nil, err
		}
		if n.byField[child.field] {
			return nil, fmt.Errorf("%s: field %q used twice", path, child.field)
		}
		if key := child.space + " " + child.local; seen[key] {
			return nil, fmt.Errorf("%s: element %q declared twice", path, child.qname)
		} else {
			seen[key] = true
		}
		n.byField[child.field] = true
		n.children = append(n.children, child)
	}
	if len(n.children) == 0 && n.hasFieldAttrs() {
		return nil, fmt.Errorf("%s: attributes from fields need an element with children", path)
	}
	return n, nil
}

func (c *compiledLayout) compileAttrs(n *node, attrs []Attribute, path string) error {
	seen := map[string]bool{}
	for _, a := range attrs {
		space, local, err := c.split(a.Name)
		if err != nil {
			return fmt.Errorf("%s/@%s: %w", path, a.Name, err)
		}
		if (a.Value == "") == (a.Field == "") {
			return fmt.Errorf("%s/@%s: needs exactly one of value and field", path, a.Name)
		}
		if seen[space+" "+local] {
			return fmt.Errorf("%s/@%s: declared twice", path, a.Name)
		}
		seen[space+" "+local] = true
		if a.Field != "" {
			if n.byField[a.Field] {
				return fmt.Errorf("%s/@%s: field %q used twice", path, a.Name, a.Field)
			}
			n.byField[a.Field] = true
		}
		n.attrs = append(n.attrs, attr{qname: a.Name, space: space, local: local,
			value: a.Value, field: a.Field, required: a.Required || a.Value != ""})
	}
	return nil
}

// split checks a qualified name and resolves its prefix.
func (c *compiledLayout) split(qname string) (space, local string, err error) {
	prefix, local, ok := strings.Cut(qname, ":")
	if !ok {
		prefix, local = "", qname
	}
	if !ncName.MatchString(local) || (ok && !ncName.MatchString(prefix)) {
		return "", "", fmt.Errorf("%q is not a valid XML name", qname)
	}
	if !ok {
		return "", local, nil
	}
	uri, found := c.spaces[prefix]
	if !found {
		return "", "", fmt.Errorf("prefix %q is not declared in namespaces", prefix)
	}
	return uri, local, nil
}

func withKey(m map[string]bool, k string) map[string]bool {
	out := make(map[string]bool, len(m)+1)
	for key := range m {
		out[key] = true
	}
	out[k] = true
	return out
}
