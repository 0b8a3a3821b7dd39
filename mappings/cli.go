package mappings

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/amthub/amthub/hub"
)

// RunTest maps the JSON document in inputPath with a mapping and writes the
// output and every validation problem to w: `amthub mapping test`. The
// mapping is a mapping file on disk or a built-in one by name ("hundesteuer",
// "hundesteuer@v1"). Unlike the pipeline it does not stop at the first
// problem: input violations, output violations and layout violations are
// all listed, and details that may quote the data are shown, since the
// person running it supplied the data. $meta is ExampleMeta. It returns an
// error if there was any problem.
func RunTest(ctx context.Context, w io.Writer, mapping, inputPath string) error {
	def, err := resolveMapping(mapping)
	if err != nil {
		return err
	}
	m, err := Compile(def, Limits{})
	if err != nil {
		return err
	}
	input, err := os.ReadFile(inputPath)
	if err != nil {
		return fmt.Errorf("mapping test: %w", err)
	}
	rep := m.test(ctx, input, ExampleMeta())
	if len(rep.output) > 0 {
		if _, err := w.Write(rep.output); err != nil {
			return fmt.Errorf("mapping test: write output: %w", err)
		}
	}
	fmt.Fprint(w, formatViolations("input ", rep.inputVs))
	fmt.Fprint(w, formatViolations("output", rep.outputVs))
	fmt.Fprint(w, formatViolations("layout", rep.layoutVs))
	problems := len(rep.inputVs) + len(rep.outputVs) + len(rep.layoutVs)
	if rep.failure != nil {
		fmt.Fprintf(w, "error  %s\n", describe(rep.failure))
		problems++
	}
	if problems > 0 {
		return fmt.Errorf("mapping test %s@v%d: %d problem(s)", def.Name, def.Version, problems)
	}
	return nil
}

// resolveMapping reads a mapping file, or else finds a built-in mapping.
func resolveMapping(ref string) (*Definition, error) {
	if st, err := os.Stat(ref); err == nil && !st.IsDir() {
		abs, err := filepath.Abs(ref)
		if err != nil {
			return nil, fmt.Errorf("mapping %s: %w", ref, err)
		}
		return ParseFile(os.DirFS(filepath.Dir(abs)), filepath.Base(abs))
	}
	name, ver, hasVer := strings.Cut(ref, "@")
	version := 0
	if hasVer {
		v, err := strconv.Atoi(strings.TrimPrefix(ver, "v"))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("mapping %q: version must be a number like v1", ref)
		}
		version = v
	}
	def, err := Builtin(name, version)
	if err != nil {
		return nil, fmt.Errorf("mapping %q is neither a file nor a built-in mapping: %w", ref, err)
	}
	return def, nil
}

// testReport collects every problem of one run.
type testReport struct {
	output   []byte
	inputVs  []Violation
	outputVs []Violation // output schema
	layoutVs []Violation
	failure  error
}

// test runs the stages of Run, going on past validation failures.
func (m *Mapping) test(ctx context.Context, input []byte, meta Meta) testReport {
	var rep testReport
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, m.limits.Timeout)
	defer cancel()
	v, err := m.decodeInput(input)
	if err != nil {
		rep.failure = err
		return rep
	}
	if se := validate(m.input, v); se != nil {
		rep.inputVs = se.Violations
	}
	out, err := m.transform(ctx, v, meta)
	if err != nil {
		rep.failure = m.transformFailure(parent, err)
		return rep
	}
	body, norm, err := m.encode(out)
	if err != nil {
		rep.failure = encodeFailure(err)
		return rep
	}
	rep.output = body
	if se := validate(m.output, norm); se != nil {
		rep.outputVs = se.Violations
	}
	if m.layout == nil {
		return rep
	}
	xmlBody, err := m.layout.render(norm, m.limits.MaxOutputBytes)
	var le *layoutError
	switch {
	case errors.As(err, &le):
		rep.layoutVs = append(rep.layoutVs, le.violation())
		return rep
	case err != nil:
		rep.failure = encodeFailure(err)
		return rep
	}
	rep.output = xmlBody
	vs, err := m.layout.checkXML(xmlBody)
	if err != nil {
		rep.failure = fmt.Errorf("check XML: %w", err)
	}
	rep.layoutVs = append(rep.layoutVs, vs...)
	return rep
}

// describe renders an error with every detail, for the person running a
// CLI command: reason, field, violations and gojq's own message.
func describe(err error) string {
	var sb strings.Builder
	var he *hub.Error
	if errors.As(err, &he) {
		sb.WriteString(errorSummary(he))
	} else {
		sb.WriteString(err.Error())
	}
	var pe *ProgramError
	if errors.As(err, &pe) {
		if pe.Reason != "" {
			sb.WriteString(": " + pe.Reason)
		}
		sb.WriteString(": " + pe.Detail())
	}
	var se *SchemaError
	if errors.As(err, &se) {
		for _, v := range se.Violations {
			fmt.Fprintf(&sb, "\n        %s: %s [%s]", v.Field, v.Detail, v.Keyword)
		}
	}
	if he != nil && pe == nil && se == nil && he.Err != nil {
		sb.WriteString(": " + he.Err.Error())
	}
	return sb.String()
}
