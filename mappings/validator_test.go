package mappings_test

import (
	"context"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/mappings"
)

func TestValidator(t *testing.T) {
	def, err := mappings.Builtin("hundesteuer", 1)
	if err != nil {
		t.Fatal(err)
	}
	v := mappings.NewValidator()
	ctx := context.Background()
	if err := v.Validate(ctx, def.InputSchema, def.Example); err != nil {
		t.Fatalf("the shipped example is invalid: %v", err)
	}
	tests := []struct {
		name, data, field string
	}{
		{"NotJSON", `{"a":`, "/"},
		{"WrongType", `[]`, "/"},
		{"MissingRequired", `{}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := v.Validate(ctx, def.InputSchema, []byte(tc.data))
			if hub.ErrorCode(err) != hub.EINVALID {
				t.Fatalf("err = %v, want invalid", err)
			}
			var he *hub.Error
			if ok := asHub(err, &he); !ok || he.Field == "" || (tc.field != "" && he.Field != tc.field) {
				t.Fatalf("field = %q, want %q", he.Field, tc.field)
			}
		})
	}
	if err := v.Validate(ctx, []byte(`{"type": 5}`), []byte(`{}`)); err == nil || hub.ErrorCode(err) != hub.EINTERNAL {
		t.Fatalf("a broken schema: %v", err)
	}
}

func asHub(err error, target **hub.Error) bool {
	e, ok := err.(*hub.Error)
	*target = e
	return ok
}
