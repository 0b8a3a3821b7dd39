package sim

import (
	"encoding/json"
	"testing"
)

func TestPointerRule(t *testing.T) {
	for _, tt := range []struct {
		name    string
		pointer string
		value   any
		data    string
		want    bool
	}{
		{"Top", "/simulateReject", true, `{"simulateReject":true}`, true},
		{"TopFalse", "/simulateReject", true, `{"simulateReject":false}`, false},
		{"Missing", "/simulateReject", true, `{"other":true}`, false},
		{"Nested", "/a/b", "x", `{"a":{"b":"x"}}`, true},
		{"ArrayIndex", "/items/1/n", 2, `{"items":[{"n":1},{"n":2}]}`, true},
		{"ArrayOutOfRange", "/items/5", 2, `{"items":[1]}`, false},
		{"Escaped", "/a~1b/c~0d", "v", `{"a/b":{"c~d":"v"}}`, true},
		{"NumberVsString", "/n", 1, `{"n":"1"}`, false},
		{"Object", "/o", map[string]any{"k": "v"}, `{"o":{"k":"v"}}`, true},
		{"XMLString", "/simulateReject", true, `"<a simulateReject=\"true\"/>"`, false},
		{"NotJSON", "/simulateReject", true, `nope`, false},
		{"WholeDocument", "", nil, `null`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := newPointerRule(tt.pointer, tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.matches(json.RawMessage(tt.data)); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
