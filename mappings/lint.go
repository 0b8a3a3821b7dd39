package mappings

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/amthub/amthub/hub"
)

// Check compiles a definition and, if it has an example, maps the example
// with ExampleMeta, which must succeed. The admin API calls it before a
// tenant's upload is accepted; Lint calls it for every file.
func Check(ctx context.Context, def *Definition, limits Limits) (*Mapping, error) {
	m, err := Compile(def, limits)
	if err != nil {
		return nil, err
	}
	if len(def.Example) > 0 {
		if _, err := m.Run(ctx, def.Example, ExampleMeta()); err != nil {
			return nil, fmt.Errorf("check mapping %s: example: %w", def.Name, err)
		}
	}
	return m, nil
}

// Golden cases of a mapping file <name>/v<N>.yaml live in
// <name>/testdata/v<N>/: each <case>.input.json has an expected
// <case>.output.json or .xml, or <case>.error.txt for an input the mapping
// must refuse (its first line is the expected reason and field).
type goldenCase struct {
	name      string
	input     string // path of the input file
	output    string // path of the expected output file
	errorFile string // path of the expected error file
}

func goldenCases(fsys fs.FS, mappingPath string, def *Definition) ([]goldenCase, error) {
	dir := path.Join(path.Dir(mappingPath), "testdata", fmt.Sprintf("v%d", def.Version))
	inputs, err := fs.Glob(fsys, dir+"/*.input.json")
	if err != nil {
		return nil, fmt.Errorf("list golden cases: %w", err)
	}
	cases := make([]goldenCase, 0, len(inputs))
	for _, in := range inputs {
		name := strings.TrimSuffix(path.Base(in), ".input.json")
		cases = append(cases, goldenCase{
			name:      name,
			input:     in,
			output:    path.Join(dir, name+".output."+string(def.Format)),
			errorFile: path.Join(dir, name+".error.txt"),
		})
	}
	return cases, nil
}

// goldenResult runs one golden case and returns what its expected file
// holds: the document, or the error summary of a refused input.
func goldenResult(ctx context.Context, m *Mapping, input []byte) (content []byte, failed bool, err error) {
	res, err := m.Run(ctx, input, ExampleMeta())
	if err == nil {
		return res.Body, false, nil
	}
	var he *hub.Error
	if !errors.As(err, &he) {
		return nil, false, err
	}
	return []byte(errorSummary(he) + "\n"), true, nil
}

// errorSummary is the stable part of a failure: reason and field.
func errorSummary(he *hub.Error) string {
	if he.Field == "" {
		return he.Message
	}
	return he.Message + " (" + he.Field + ")"
}

// Lint checks every mapping file (<name>/v<N>.yaml) under dir: that it
// parses, its schemas and program compile, its layout is sound, its example
// maps cleanly, and that it has golden cases whose expected files match
// what it produces now. It writes one line per mapping to w and returns an
// error if any mapping has a problem.
func Lint(ctx context.Context, w io.Writer, dir string) error {
	return lintFS(ctx, w, os.DirFS(dir), dir, true)
}

// LintBuiltins checks the mappings embedded in the binary as Lint checks a
// folder, except for golden cases: they are not embedded, and `go test`
// runs them. It is what `amthub mapping lint` does without a folder.
func LintBuiltins(ctx context.Context, w io.Writer) error {
	return lintFS(ctx, w, BuiltinFS(), "built-in mappings", false)
}

// lintFS lints every mapping file in fsys; label names fsys in errors.
func lintFS(ctx context.Context, w io.Writer, fsys fs.FS, label string, golden bool) error {
	var paths []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return fs.SkipDir
		}
		if !d.IsDir() && fileNamePattern.MatchString(d.Name()) {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("lint %s: %w", label, err)
	}
	if len(paths) == 0 {
		return fmt.Errorf("lint %s: no mapping files (<name>/v<N>.yaml)", label)
	}
	failed := 0
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("lint %s: %w", label, err)
		}
		summary, problems := lintFile(ctx, fsys, p, golden)
		if len(problems) == 0 {
			fmt.Fprintf(w, "ok    %s  %s\n", p, summary)
			continue
		}
		failed++
		fmt.Fprintf(w, "FAIL  %s\n", p)
		for _, pr := range problems {
			fmt.Fprintf(w, "      %s\n", pr)
		}
	}
	if failed > 0 {
		return fmt.Errorf("lint %s: %d of %d mapping file(s) failed", label, failed, len(paths))
	}
	return nil
}

func lintFile(ctx context.Context, fsys fs.FS, p string, golden bool) (string, []string) {
	def, err := ParseFile(fsys, p)
	if err != nil {
		return "", []string{err.Error()}
	}
	var problems []string
	if len(def.Example) == 0 {
		problems = append(problems, "input.example: missing (needed for the demo and for Check)")
	}
	m, err := Check(ctx, def, Limits{})
	if err != nil {
		return "", append(problems, describe(err))
	}
	if !golden {
		return fmt.Sprintf("%s@v%d, %s, example checked", def.Name, def.Version, def.Format), problems
	}
	cases, err := goldenCases(fsys, p, def)
	if err != nil {
		return "", append(problems, err.Error())
	}
	if len(cases) == 0 {
		problems = append(problems, fmt.Sprintf("no golden cases in %s/testdata/v%d", path.Dir(p), def.Version))
	}
	for _, c := range cases {
		if pr := lintCase(ctx, fsys, m, c); pr != "" {
			problems = append(problems, pr)
		}
	}
	return fmt.Sprintf("%s@v%d, %s, %d golden case(s)", def.Name, def.Version, def.Format, len(cases)), problems
}

func lintCase(ctx context.Context, fsys fs.FS, m *Mapping, c goldenCase) string {
	input, err := fs.ReadFile(fsys, c.input)
	if err != nil {
		return err.Error()
	}
	got, failed, err := goldenResult(ctx, m, input)
	if err != nil {
		return fmt.Sprintf("golden case %s: %v", c.name, err)
	}
	want := c.output
	if failed {
		want = c.errorFile
	}
	expected, err := fs.ReadFile(fsys, want)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("golden case %s: %s is missing (got %s)", c.name, want, firstLine(got))
	}
	if err != nil {
		return err.Error()
	}
	if !bytes.Equal(expected, got) {
		return fmt.Sprintf("golden case %s: output differs from %s (regenerate: go test ./mappings -run TestGolden -update)", c.name, want)
	}
	return ""
}

func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	if len(line) > 120 {
		line = line[:120]
	}
	return string(line)
}
