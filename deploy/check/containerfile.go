package check

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// wantLabels are the OCI labels the image carries, with the value it must
// have ("" for any).
var wantLabels = map[string]string{
	"org.opencontainers.image.title":    "amthub",
	"org.opencontainers.image.licenses": "EUPL-1.2",
	"org.opencontainers.image.source":   "",
	"org.opencontainers.image.version":  "",
	"org.opencontainers.image.revision": "",
}

// CheckContainerfile parses a Containerfile with BuildKit's own parser and
// linter (no container engine needed) and checks what the image
// promises: a multi-stage build of a static binary, a final stage on
// scratch without a shell, a numeric non-root user, `amthub serve` in
// exec form, CA certificates and zone data, and the OCI labels. Files the
// build copies from the context must exist under context.
func CheckContainerfile(file, context string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	res, err := parser.Parse(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("parse %s: %w", file, err)
	}
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	for _, w := range res.Warnings {
		add("parser warning: %s", w.Short)
	}
	lint := linter.New(&linter.Config{Warn: func(rule, _, _, msg string, _ []parser.Range) { add("lint %s: %s", rule, msg) }})
	stages, metaArgs, err := instructions.Parse(res.AST, lint)
	if err != nil {
		return fmt.Errorf("parse %s: %w", file, err)
	}
	if err := checkGoVersion(metaArgs, context); err != nil {
		add("%v", err)
	}
	if len(stages) < 2 {
		return fmt.Errorf("%s: want a build stage and a final stage, got %d stage(s)", file, len(stages))
	}
	errs = append(errs, checkContextFiles(stages, file, context)...)
	errs = append(errs, checkBuildStages(stages[:len(stages)-1])...)
	errs = append(errs, checkFinalStage(stages[len(stages)-1])...)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

var goModToolchain = regexp.MustCompile(`(?m)^(?:toolchain go|go )(\S+)$`)

// checkGoVersion wants the GO_VERSION argument (the golang image's tag) to
// be the toolchain go.mod pins, else its go version: the golang images
// build with the Go they hold.
func checkGoVersion(args []instructions.ArgCommand, context string) error {
	b, err := os.ReadFile(filepath.Join(context, "go.mod"))
	if err != nil {
		return err
	}
	var want string
	for _, m := range goModToolchain.FindAllStringSubmatch(string(b), -1) {
		if want == "" || strings.HasPrefix(m[0], "toolchain") {
			want = m[1]
		}
	}
	for _, a := range args {
		for _, kv := range a.Args {
			if kv.Key == "GO_VERSION" {
				if kv.Value == nil || *kv.Value != want {
					return fmt.Errorf("ARG GO_VERSION is %v, but go.mod pins Go %s", deref(kv.Value), want)
				}
				return nil
			}
		}
	}
	return fmt.Errorf("no ARG GO_VERSION before the first FROM: the golang image's Go must be go.mod's %s", want)
}

func deref(s *string) string {
	if s == nil {
		return "unset"
	}
	return *s
}

// checkContextFiles wants every file copied from the build context (COPY
// or ADD without --from) to exist, wildcards aside, and not to be left out
// of the context by the Containerfile's .dockerignore.
func checkContextFiles(stages []instructions.Stage, file, context string) []error {
	ignored, err := ignoreMatcher(file + ".dockerignore")
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, s := range stages {
		for _, c := range s.Commands {
			var srcs []string
			switch c := c.(type) {
			case *instructions.CopyCommand:
				if c.From == "" {
					srcs = c.SourcePaths
				}
			case *instructions.AddCommand:
				srcs = c.SourcePaths
			}
			for _, src := range srcs {
				if strings.ContainsAny(src, "*?[") {
					continue
				}
				_, err := os.Stat(filepath.Join(context, src))
				out, _ := ignored.MatchesOrParentMatches(filepath.Clean(src))
				if err != nil || out {
					errs = append(errs, fmt.Errorf("stage %s copies %s, which is not in the build context", s.Name, src))
				}
			}
		}
	}
	return errs
}

// ignoreMatcher reads a .dockerignore file; none ignores nothing.
func ignoreMatcher(path string) (*patternmatcher.PatternMatcher, error) {
	var patterns []string
	if f, err := os.Open(path); err == nil {
		defer f.Close()
		if patterns, err = ignorefile.ReadAll(f); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	}
	return patternmatcher.New(patterns)
}

// CheckBuildContext wants every file `go build ./cmd/amthub` reads from
// the module (Go sources, go.mod, go.sum, embedded files) to be in the
// build context the Containerfile's .dockerignore leaves.
func CheckBuildContext(file, context string) error {
	ignored, err := ignoreMatcher(file + ".dockerignore")
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "list", "-deps", "-f",
		`{{if .Module}}{{if .Module.Main}}{{.Dir}}|{{join .GoFiles ","}},{{join .EmbedFiles ","}}{{end}}{{end}}`, "./cmd/amthub")
	cmd.Dir = context
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go list -deps ./cmd/amthub: %w", err)
	}
	abs, err := filepath.Abs(context)
	if err != nil {
		return err
	}
	files := []string{"go.mod", "go.sum"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		dir, names, _ := strings.Cut(line, "|")
		rel, err := filepath.Rel(abs, dir)
		if err != nil {
			return err
		}
		for _, n := range strings.Split(names, ",") {
			if n != "" {
				files = append(files, filepath.ToSlash(filepath.Join(rel, n)))
			}
		}
	}
	var errs []error
	for _, f := range files {
		if out, _ := ignored.MatchesOrParentMatches(f); out {
			errs = append(errs, fmt.Errorf("the build needs %s, but %s.dockerignore leaves it out", f, filepath.Base(file)))
		}
	}
	if len(files) < 10 {
		errs = append(errs, fmt.Errorf("go list found only %d files: the scan is broken", len(files)))
	}
	return errors.Join(errs...)
}

// checkBuildStages wants one RUN that builds the hub static and trimmed.
func checkBuildStages(stages []instructions.Stage) []error {
	for _, s := range stages {
		for _, c := range s.Commands {
			if r, ok := c.(*instructions.RunCommand); ok {
				line := strings.Join(r.CmdLine, " ")
				if strings.Contains(line, "go build") && strings.Contains(line, "./cmd/amthub") {
					if !strings.Contains(line, "CGO_ENABLED=0") || !strings.Contains(line, "-trimpath") {
						return []error{fmt.Errorf("the go build must set CGO_ENABLED=0 and -trimpath: %s", line)}
					}
					return nil
				}
			}
		}
	}
	return []error{fmt.Errorf("no build stage runs go build ./cmd/amthub")}
}

func checkFinalStage(s instructions.Stage) []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if s.BaseName != "scratch" && !strings.Contains(s.BaseName, "distroless") {
		add("the final stage is FROM %s: want scratch (or distroless)", s.BaseName)
	}
	labels := map[string]string{}
	var user string
	var entrypoint, cmd *instructions.ShellDependantCmdLine
	copied := map[string]bool{}
	for _, c := range s.Commands {
		switch c := c.(type) {
		case *instructions.RunCommand:
			add("the final stage has no shell: RUN %s", strings.Join(c.CmdLine, " "))
		case *instructions.UserCommand:
			user = c.User
		case *instructions.LabelCommand:
			for _, kv := range c.Labels {
				labels[kv.Key] = unquote(kv.Value)
			}
		case *instructions.EntrypointCommand:
			entrypoint = &c.ShellDependantCmdLine
		case *instructions.CmdCommand:
			cmd = &c.ShellDependantCmdLine
		case *instructions.CopyCommand:
			for _, src := range c.SourcePaths {
				copied[src] = true
			}
		}
	}
	if err := checkUser(user); err != nil {
		add("%v", err)
	}
	if err := checkCommand(entrypoint, cmd); err != nil {
		add("%v", err)
	}
	for _, f := range []string{"/etc/ssl/certs/ca-certificates.crt", "/usr/share/zoneinfo", "LICENSE", "THIRD_PARTY_NOTICES.md"} {
		if !copied[f] {
			add("the final stage does not copy %s", f)
		}
	}
	for k, want := range wantLabels {
		if got, ok := labels[k]; !ok || (want != "" && got != want) {
			add("label %s is %q, want %q", k, got, want)
		}
	}
	return errs
}

// checkUser wants uid:gid, both numeric (runAsNonRoot can check only a
// number) and not 0.
func checkUser(user string) error {
	uid, gid, _ := strings.Cut(user, ":")
	u, err1 := strconv.Atoi(uid)
	g, err2 := strconv.Atoi(gid)
	if err1 != nil || err2 != nil || u == 0 || g == 0 {
		return fmt.Errorf("USER is %q: want a numeric, non-root uid:gid", user)
	}
	return nil
}

// checkCommand wants exec form (no shell to run the shell form) and
// ENTRYPOINT plus CMD to run `amthub serve`.
func checkCommand(entrypoint, cmd *instructions.ShellDependantCmdLine) error {
	if entrypoint == nil || entrypoint.PrependShell || (cmd != nil && cmd.PrependShell) {
		return fmt.Errorf("ENTRYPOINT and CMD must be in exec form (JSON arrays): there is no shell")
	}
	args := slices.Clone(entrypoint.CmdLine)
	if cmd != nil {
		args = append(args, cmd.CmdLine...)
	}
	if len(args) < 2 || path.Base(args[0]) != "amthub" || args[1] != "serve" {
		return fmt.Errorf("the image runs %q, want amthub serve", args)
	}
	return nil
}

func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}
