package check

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// hubSources returns the hub's Go source files under root (not tests, not
// test/, not deploy/), keyed by path relative to root.
func hubSources(root string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if e.IsDir() {
			switch rel {
			case ".git", "deploy", "test":
				return filepath.SkipDir
			}
			if e.Name() == "testdata" || e.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read hub sources: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no Go sources under %s", root)
	}
	return out, nil
}

var variableName = regexp.MustCompile(`"(AMTHUB_[A-Z0-9_]+)"`)

// HubVariables returns every AMTHUB_ variable named as a string in the
// hub's sources, leaving out the test helpers' (hubtest, AMTHUB_TEST_*).
func HubVariables(root string) (map[string]bool, error) {
	src, err := hubSources(root)
	if err != nil {
		return nil, err
	}
	vars := map[string]bool{}
	for path, text := range src {
		if strings.Contains("/"+path, "/hubtest/") {
			continue
		}
		for _, m := range variableName.FindAllStringSubmatch(text, -1) {
			if !strings.HasPrefix(m[1], "AMTHUB_TEST_") {
				vars[m[1]] = true
			}
		}
	}
	if len(vars) == 0 {
		return nil, fmt.Errorf("no AMTHUB_ variables found under %s", root)
	}
	return vars, nil
}

// metricDef finds a metric the hub defines: its kind and its name.
var metricDef = regexp.MustCompile(`(?s)prometheus\.New(Counter|Gauge|Histogram|Summary)(?:Vec)?\(\s*prometheus\.(?:Counter|Gauge|Histogram|Summary)Opts\{\s*Name:\s*"([a-z_:][a-z0-9_:]*)"`)

// HubMetrics returns the series names the hub exports: its own metrics
// (a histogram as its _bucket, _sum and _count series, a summary as its
// _sum and _count and itself) and, for each client_golang collector the
// hub registers, the names that collector's source defines.
func HubMetrics(root string) (map[string]bool, error) {
	src, err := hubSources(root)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	all := strings.Join(mapValues(src), "\n")
	for _, m := range metricDef.FindAllStringSubmatch(all, -1) {
		switch m[1] {
		case "Histogram":
			names[m[2]+"_bucket"], names[m[2]+"_sum"], names[m[2]+"_count"] = true, true, true
		case "Summary":
			names[m[2]], names[m[2]+"_sum"], names[m[2]+"_count"] = true, true, true
		default:
			names[m[2]] = true
		}
	}
	lib, err := collectorMetrics(root, all)
	if err != nil {
		return nil, err
	}
	for n := range lib {
		names[n] = true
	}
	return names, nil
}

// collectorMetrics reads the names the registered client_golang
// collectors define from the library's source in the module cache, at the
// version the hub's go.mod requires.
func collectorMetrics(root, hubSource string) (map[string]bool, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/prometheus/client_golang")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("locate client_golang (go list -m): %w", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "prometheus")
	names := map[string]bool{}
	for _, c := range []struct {
		call, file string
		name       *regexp.Regexp
		prefix     string
	}{
		{"collectors.NewDBStatsCollector(", "collectors/dbstats_collector.go", regexp.MustCompile(`fqName\("([a-z0-9_]+)"\)`), "go_sql_"},
		{"collectors.NewProcessCollector(", "process_collector.go", regexp.MustCompile(`"(process_[a-z0-9_]+)"`), ""},
		{"collectors.NewGoCollector(", "go_collector.go", regexp.MustCompile(`"(go_[a-z0-9_]+)"`), ""},
	} {
		if !strings.Contains(hubSource, c.call) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			return nil, fmt.Errorf("read client_golang source: %w", err)
		}
		for _, m := range c.name.FindAllStringSubmatch(string(b), -1) {
			names[c.prefix+m[1]] = true
		}
	}
	return names, nil
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
