package sim

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// pointerRule matches submission data whose value at a JSON pointer
// (RFC 6901) equals a given JSON value.
type pointerRule struct {
	tokens []string
	want   any // decoded JSON
}

func newPointerRule(pointer string, value any) (pointerRule, error) {
	tokens, err := parsePointer(pointer)
	if err != nil {
		return pointerRule{}, err
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return pointerRule{}, fmt.Errorf("reject value: %w", err)
	}
	var want any
	if err := json.Unmarshal(raw, &want); err != nil {
		return pointerRule{}, fmt.Errorf("reject value: %w", err)
	}
	return pointerRule{tokens: tokens, want: want}, nil
}

// parsePointer splits a JSON pointer into unescaped reference tokens.
func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("json pointer %q: must start with '/'", p)
	}
	parts := strings.Split(p[1:], "/")
	for i, t := range parts {
		parts[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(t)
	}
	return parts, nil
}

// matches reports whether data holds the wanted value at the pointer. Data
// that is not JSON, or lacks the path, does not match.
func (r pointerRule) matches(data json.RawMessage) bool {
	var v any
	if len(data) == 0 || json.Unmarshal(data, &v) != nil {
		return false
	}
	for _, t := range r.tokens {
		switch node := v.(type) {
		case map[string]any:
			next, ok := node[t]
			if !ok {
				return false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(node) {
				return false
			}
			v = node[i]
		default:
			return false
		}
	}
	return reflect.DeepEqual(v, r.want)
}
