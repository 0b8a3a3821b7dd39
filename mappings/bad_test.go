package mappings_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/mappings"
)

// TestRunBadMappings tries mappings that misbehave and inputs that break
// the rules: each must fail with a clear, stable reason and field, within
// the time limit.
func TestRunBadMappings(t *testing.T) {
	const timeout = 200 * time.Millisecond
	stringName := `{"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}`
	tests := []struct {
		name, transform, output, input string
		limits                         mappings.Limits
		code, reason, field            string
	}{
		{name: "ErrInfiniteRecursion", transform: `def f: f; f`,
			code: hub.EUNPROCESSABLE, reason: mappings.ReasonTimeout},
		{name: "ErrInfiniteLoop", transform: `until(false; .)`,
			code: hub.EUNPROCESSABLE, reason: mappings.ReasonTimeout},
		{name: "ErrEndlessStreamCollected", transform: `[repeat(1)]`,
			code: hub.EUNPROCESSABLE, reason: mappings.ReasonTimeout},
		{name: "ErrHugeArray", transform: `{a: [range(50000)]}`,
			limits: mappings.Limits{Timeout: 5 * time.Second, MaxOutputBytes: 64 << 10},
			code:   hub.EUNPROCESSABLE, reason: mappings.ReasonOutputTooLarge},
		{name: "ErrHugeString", transform: `{a: ("x" * 10000000)}`,
			limits: mappings.Limits{Timeout: 5 * time.Second, MaxOutputBytes: 64 << 10},
			code:   hub.EUNPROCESSABLE, reason: mappings.ReasonOutputTooLarge},
		{name: "ErrTooDeep", transform: `reduce range(100) as $i (.; {a: .})`,
			code: hub.EUNPROCESSABLE, reason: mappings.ReasonOutputTooDeep},
		{name: "ErrOutputSchema", transform: `{name: 42}`, output: stringName,
			code: hub.EUNPROCESSABLE, reason: mappings.ReasonOutputInvalid, field: "/name"},
		{name: "ErrOutputMissingField", transform: `{}`, output: stringName,
			code: hub.EUNPROCESSABLE, reason: mappings.ReasonOutputInvalid, field: "/name"},
		{name: "ErrInputMissingRequired", transform: `.`, input: `{"other": 1}`,
			code: hub.EINVALID, reason: mappings.ReasonInputInvalid, field: "/name"},
		{name: "ErrInputWrongType", transform: `.`, input: `{"name": ["Erika"]}`,
			code: hub.EINVALID, reason: mappings.ReasonInputInvalid, field: "/name"},
		{name: "ErrInputMalformed", transform: `.`, input: `{"name": `,
			code: hub.EINVALID, reason: mappings.ReasonInputMalformed},
		{name: "ErrInputTwoDocuments", transform: `.`, input: `{"name": "a"} {}`,
			code: hub.EINVALID, reason: mappings.ReasonInputMalformed},
		{name: "ErrInputTooLarge", transform: `.`, limits: mappings.Limits{MaxInputBytes: 8},
			code: hub.ETOOLARGE, reason: mappings.ReasonInputTooLarge},
		{name: "ErrRuntime", transform: `.name[]`,
			code: hub.EUNPROCESSABLE, reason: mappings.ReasonProgramFailed},
		{name: "ErrRaisedByAuthor", transform: `error({field: "/name", reason: "unknown name"})`,
			code: hub.EUNPROCESSABLE, reason: mappings.ReasonProgramFailed, field: "/name"},
		{name: "ErrHalt", transform: `halt_error`,
			code: hub.EUNPROCESSABLE, reason: mappings.ReasonProgramFailed},
		{name: "ErrNoResult", transform: `empty`,
			code: hub.EUNPROCESSABLE, reason: mappings.ReasonNotOneResult},
		{name: "ErrTwoResults", transform: `., .`,
			code: hub.EUNPROCESSABLE, reason: mappings.ReasonNotOneResult},
		{name: "ErrNaN", transform: `{a: nan}`,
			code: hub.EUNPROCESSABLE, reason: mappings.ReasonOutputNotJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.output == "" {
				tt.output = probeOutput
			}
			if tt.input == "" {
				tt.input = `{"name": "Geheimnis"}`
			}
			if tt.limits.Timeout == 0 {
				tt.limits.Timeout = timeout
			}
			m, err := mappings.Compile(probe(tt.transform, tt.output), tt.limits)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			start := time.Now()
			_, err = m.Run(context.Background(), []byte(tt.input), mappings.ExampleMeta())
			if elapsed := time.Since(start); elapsed > tt.limits.Timeout+time.Second {
				t.Errorf("took %v, bound is %v", elapsed, tt.limits.Timeout)
			}
			he := hubError(t, err)
			if he.Code != tt.code || he.Message != tt.reason || he.Field != tt.field {
				t.Errorf("got %s/%q/%q, want %s/%q/%q (%v)", he.Code, he.Message, he.Field,
					tt.code, tt.reason, tt.field, err)
			}
			if strings.Contains(err.Error(), "Geheimnis") {
				t.Errorf("error text quotes the input: %v", err)
			}
		})
	}
}

func TestRunContextCanceledIsNotMappingFailure(t *testing.T) {
	m, err := mappings.Compile(probe(`def f: f; f`, probeOutput), mappings.Limits{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = m.Run(ctx, []byte(`{"name": "a"}`), mappings.Meta{})
	if err == nil || ctx.Err() == nil || hub.ErrorKind(err) == mappings.KindMappingFailed {
		t.Fatalf("got %v, want the caller's context error", err)
	}
}

func TestRunNoEnvironment(t *testing.T) {
	t.Setenv("AMTHUB_SECRET", "s3cr3t")
	m, err := mappings.Compile(probe(`{env: ($ENV | length), e2: (env | length)}`, probeOutput), mappings.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Run(context.Background(), []byte(`{"name": "a"}`), mappings.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(strings.Fields(string(res.Body)), ""), `{"e2":0,"env":0}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestCompileBadMappings: mappings that must be refused before they run.
func TestCompileBadMappings(t *testing.T) {
	code := &mappings.Layout{Root: mappings.Element{Name: "a"}}
	tests := []struct {
		name string
		def  *mappings.Definition
		want string
	}{
		{"ErrSyntax", probe("{a: .name,\n b: ", probeOutput), "syntax error at line 2"},
		{"ErrUndefinedFunction", probe(`frobnicate`, probeOutput), "frobnicate"},
		{"ErrImport", probe(`import "x" as x; .`, probeOutput), "transform"},
		{"ErrReadsMoreInput", probe(`input`, probeOutput), "not allowed"},
		{"ErrEmptyProgram", probe(``, probeOutput), "transform"},
		{"ErrOutputSchema", probe(`.`, `{"type": "objekt"}`), "output schema"},
		{"ErrSchemaNotJSON", probe(`.`, `{"type": `), "output schema"},
		{"ErrSchemaLoadsFile", probe(`.`, `{"$ref": "file:///etc/passwd"}`), "only references within"},
		{"ErrFormat", func() *mappings.Definition { d := probe(`.`, probeOutput); d.Format = "csv"; return d }(), "format"},
		{"ErrXMLWithoutLayout", probeXML(`.`, nil), "layout"},
		{"ErrLayoutForJSON", func() *mappings.Definition { d := probe(`.`, probeOutput); d.XML = code; return d }(), "only allowed"},
		{"ErrName", func() *mappings.Definition { d := probe(`.`, probeOutput); d.Name = "Hunde Steuer"; return d }(), "name"},
		{"ErrLayoutPrefix", probeXML(`.`, &mappings.Layout{Root: mappings.Element{Name: "x:a"}}), "not declared"},
		{"ErrLayoutName", probeXML(`.`, &mappings.Layout{Root: mappings.Element{Name: "1a"}}), "not a valid XML name"},
		{"ErrLayoutUnknownType", probeXML(`.`, &mappings.Layout{Root: mappings.Element{Name: "a", Type: "T"}}), "unknown type"},
		{"ErrLayoutTypeCycle", probeXML(`.`, &mappings.Layout{
			Types: map[string]mappings.ElementType{"T": {Children: []mappings.Element{{Name: "b", Type: "T"}}}},
			Root:  mappings.Element{Name: "a", Type: "T"}}), "contains itself"},
		{"ErrLayoutDuplicateField", probeXML(`.`, &mappings.Layout{Root: mappings.Element{Name: "a",
			Children: []mappings.Element{{Name: "b"}, {Name: "c", Field: "b"}}}}), "used twice"},
		{"ErrLayoutAttribute", probeXML(`.`, &mappings.Layout{Root: mappings.Element{Name: "a",
			Attributes: []mappings.Attribute{{Name: "x"}}}}), "exactly one of value and field"},
		{"ErrLayoutFieldAttrOnLeaf", probeXML(`.`, &mappings.Layout{Root: mappings.Element{Name: "a",
			Attributes: []mappings.Attribute{{Name: "x", Field: "x"}}}}), "need an element with children"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mappings.Compile(tt.def, mappings.Limits{})
			if err == nil {
				t.Fatal("Compile: want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

// A single built-in over a huge value runs in Go without checking the
// context (here @base64 over tens of megabytes); Run must still return
// at its deadline.
func TestRunReturnsAtDeadlineDuringLongBuiltin(t *testing.T) {
	const timeout = 50 * time.Millisecond
	m, err := mappings.Compile(probe(`("ab" * 10000000) | @base64 | @base64 | @base64 | length`, probeOutput), mappings.Limits{Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = m.Run(context.Background(), []byte(`{"name": "a"}`), mappings.Meta{})
	if elapsed := time.Since(start); elapsed > timeout+450*time.Millisecond {
		t.Errorf("took %v, bound is %v", elapsed, timeout)
	}
	if he := hubError(t, err); he.Message != mappings.ReasonTimeout {
		t.Errorf("reason = %q, want %q", he.Message, mappings.ReasonTimeout)
	}
}
