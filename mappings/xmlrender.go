package mappings

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

var errTooLarge = errors.New("document exceeds the size limit")

// layoutError is a value of the jq result that does not fit the layout.
type layoutError struct {
	field, rule, detail string
}

func (e *layoutError) Error() string { return e.field + ": " + e.detail }

func (e *layoutError) violation() Violation {
	return Violation{Field: e.field, Keyword: e.rule, Detail: e.detail}
}

// renderer writes the XML document for one jq result.
type renderer struct {
	l   *compiledLayout
	buf bytes.Buffer
	max int
}

// render builds the XML document from v (a decoded JSON value). Errors are a
// *layoutError naming the JSON Pointer of the offending value, or
// errTooLarge.
func (l *compiledLayout) render(v any, maxBytes int) ([]byte, error) {
	r := &renderer{l: l, max: maxBytes}
	r.buf.WriteString(xml.Header)
	if err := r.element(l.root, v, "", 0, true); err != nil {
		return nil, err
	}
	if r.buf.Len() > r.max {
		return nil, errTooLarge
	}
	return r.buf.Bytes(), nil
}

func (r *renderer) element(n *node, v any, ptr string, depth int, root bool) error {
	if r.buf.Len() > r.max {
		return errTooLarge
	}
	indent := strings.Repeat("  ", depth)
	r.buf.WriteString(indent + "<" + n.qname)
	if root {
		for _, p := range r.l.prefixes {
			r.attr("xmlns:"+p, r.l.spaces[p])
		}
	}
	if len(n.children) == 0 {
		text, err := scalarText(v, ptr)
		if err != nil {
			return err
		}
		if err := r.attrs(n, nil, ptr); err != nil {
			return err
		}
		r.buf.WriteByte('>')
		escape(&r.buf, text)
		r.buf.WriteString("</" + n.qname + ">\n")
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return &layoutError{ptr, "type", "expected an object for element " + n.qname}
	}
	if err := r.checkKeys(n, obj, ptr); err != nil {
		return err
	}
	if err := r.attrs(n, obj, ptr); err != nil {
		return err
	}
	r.buf.WriteString(">\n")
	for _, c := range n.children {
		if err := r.child(c, obj[c.field], ptr+"/"+pointerToken(c.field), depth+1); err != nil {
			return err
		}
	}
	r.buf.WriteString(indent + "</" + n.qname + ">\n")
	return nil
}

// child writes the occurrences of element c for the value of its field.
func (r *renderer) child(c *node, v any, ptr string, depth int) error {
	if v == nil {
		if c.required {
			return &layoutError{ptr, "required", "missing required element " + c.qname}
		}
		return nil
	}
	if !c.repeated {
		if _, isArr := v.([]any); isArr {
			return &layoutError{ptr, "repeated", "element " + c.qname + " occurs at most once: expected no array"}
		}
		return r.element(c, v, ptr, depth, false)
	}
	items, ok := v.([]any)
	if !ok {
		return &layoutError{ptr, "repeated", "element " + c.qname + " is repeated: expected an array"}
	}
	if c.required && len(items) == 0 {
		return &layoutError{ptr, "required", "missing required element " + c.qname}
	}
	for i, item := range items {
		if item == nil {
			return &layoutError{ptr + "/" + strconv.Itoa(i), "type", "null item for element " + c.qname}
		}
		if err := r.element(c, item, ptr+"/"+strconv.Itoa(i), depth, false); err != nil {
			return err
		}
	}
	return nil
}

func (r *renderer) checkKeys(n *node, obj map[string]any, ptr string) error {
	var unknown []string
	for k := range obj {
		if !n.byField[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return &layoutError{ptr + "/" + pointerToken(unknown[0]), "unknown",
		"field is not in the XML layout of " + n.qname}
}

func (r *renderer) attrs(n *node, obj map[string]any, ptr string) error {
	for _, a := range n.attrs {
		if a.value != "" {
			r.attr(a.qname, a.value)
			continue
		}
		fptr := ptr + "/" + pointerToken(a.field)
		v := obj[a.field]
		if v == nil {
			if a.required {
				return &layoutError{fptr, "required", "missing required attribute " + a.qname}
			}
			continue
		}
		text, err := scalarText(v, fptr)
		if err != nil {
			return err
		}
		r.attr(a.qname, text)
	}
	return nil
}

func (r *renderer) attr(name, value string) {
	r.buf.WriteString(" " + name + `="`)
	escape(&r.buf, value)
	r.buf.WriteByte('"')
}

// escape writes s as XML character data. Characters XML 1.0 cannot hold
// become U+FFFD.
func escape(buf *bytes.Buffer, s string) {
	_ = xml.EscapeText(buf, []byte(s)) // writing to a bytes.Buffer cannot fail
}

// scalarText formats a leaf value; numbers keep their JSON spelling.
func scalarText(v any, ptr string) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case json.Number:
		return x.String(), nil
	case int:
		return strconv.Itoa(x), nil
	case *big.Int:
		return x.String(), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", &layoutError{ptr, "type", "number is not finite"}
		}
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case nil:
		return "", nil
	default:
		return "", &layoutError{ptr, "type", fmt.Sprintf("expected a string, number or boolean, got %s", typeName(v))}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// pointerToken escapes one JSON Pointer reference token (RFC 6901).
func pointerToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
