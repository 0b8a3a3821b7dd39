package mappings

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// xelem is a parsed XML element.
type xelem struct {
	name     xml.Name
	attrs    []xml.Attr
	children []*xelem
}

const maxXMLDepth = 64

// parseXML reads a document into a tree of elements; text is not kept.
func parseXML(doc []byte) (*xelem, error) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	var stack []*xelem
	var root *xelem
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxXMLDepth {
				return nil, fmt.Errorf("parse XML: nested deeper than %d", maxXMLDepth)
			}
			e := &xelem{name: t.Name, attrs: t.Attr}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, e)
			} else if root != nil {
				return nil, fmt.Errorf("parse XML: more than one root element")
			} else {
				root = e
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.Directive:
			return nil, fmt.Errorf("parse XML: directives (DOCTYPE) are not allowed")
		}
	}
	if root == nil {
		return nil, fmt.Errorf("parse XML: no root element")
	}
	return root, nil
}

// checkXML checks a document against the layout: element names and
// namespaces, order, required and repeated elements, and attributes. It
// returns every violation found, with element paths as fields.
func (l *compiledLayout) checkXML(doc []byte) ([]Violation, error) {
	root, err := parseXML(doc)
	if err != nil {
		return nil, err
	}
	var vs []Violation
	if !matches(l.root, root) {
		return []Violation{{Field: "/", Keyword: "element",
			Detail: fmt.Sprintf("root element is {%s}%s, want %s", root.name.Space, root.name.Local, l.root.qname)}}, nil
	}
	checkElement(l.root, root, "/"+l.root.qname, &vs)
	return vs, nil
}

func matches(n *node, e *xelem) bool {
	return e.name.Local == n.local && e.name.Space == n.space
}

func checkElement(n *node, e *xelem, path string, vs *[]Violation) {
	checkAttrs(n, e, path, vs)
	i := 0
	for _, c := range n.children {
		count := 0
		for i < len(e.children) && matches(c, e.children[i]) {
			idx := ""
			if c.repeated {
				idx = fmt.Sprintf("[%d]", count+1)
			}
			checkElement(c, e.children[i], path+"/"+c.qname+idx, vs)
			count++
			i++
		}
		if count == 0 && c.required {
			*vs = append(*vs, Violation{Field: path + "/" + c.qname, Keyword: "required",
				Detail: "missing required element " + c.qname})
		}
		if count > 1 && !c.repeated {
			*vs = append(*vs, Violation{Field: path + "/" + c.qname, Keyword: "repeated",
				Detail: fmt.Sprintf("element %s occurs %d times, at most once allowed", c.qname, count)})
		}
	}
	for ; i < len(e.children); i++ {
		ce := e.children[i]
		*vs = append(*vs, Violation{Field: path + "/" + ce.name.Local, Keyword: "element",
			Detail: fmt.Sprintf("unexpected element {%s}%s (not in the layout, or out of order)", ce.name.Space, ce.name.Local)})
	}
}

func checkAttrs(n *node, e *xelem, path string, vs *[]Violation) {
	found := map[string]string{}
	for _, a := range e.attrs {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		found[a.Name.Space+" "+a.Name.Local] = a.Value
		if !declaresAttr(n, a.Name) {
			*vs = append(*vs, Violation{Field: path + "/@" + a.Name.Local, Keyword: "attribute",
				Detail: "attribute not in the layout"})
		}
	}
	for _, a := range n.attrs {
		v, ok := found[a.space+" "+a.local]
		switch {
		case !ok && a.required:
			*vs = append(*vs, Violation{Field: path + "/@" + a.qname, Keyword: "required",
				Detail: "missing required attribute " + a.qname})
		case ok && a.value != "" && v != a.value:
			*vs = append(*vs, Violation{Field: path + "/@" + a.qname, Keyword: "value",
				Detail: fmt.Sprintf("attribute must be %q", a.value)})
		}
	}
}

func declaresAttr(n *node, name xml.Name) bool {
	for _, a := range n.attrs {
		if a.local == name.Local && a.space == name.Space {
			return true
		}
	}
	return false
}

// formatViolations renders violations one per line, for CLI output.
func formatViolations(prefix string, vs []Violation) string {
	var sb strings.Builder
	for _, v := range vs {
		field := v.Field
		if field == "" {
			field = "/"
		}
		fmt.Fprintf(&sb, "%s %s: %s [%s]\n", prefix, field, v.Detail, v.Keyword)
	}
	return sb.String()
}
