package check

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// External are series the dashboard and the alerts may use although the
// hub does not export them, with who does.
var External = map[string]string{
	"up": "Prometheus itself: 1 when the last scrape of the target succeeded",
}

// grafanaVars are Grafana's interval variables, replaced by a duration so
// that the expression parses as PromQL.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "${__rate_interval}", "5m", "$__interval", "1m", "$__range", "1h")

// ExprMetrics parses one PromQL expression and returns the series names
// it selects.
func ExprMetrics(expr string) ([]string, error) {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(grafanaVars.Replace(expr))
	if err != nil {
		return nil, fmt.Errorf("parse %q: %w", expr, err)
	}
	var names []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			names = append(names, vs.Name)
		}
		return nil
	})
	if len(names) == 0 {
		return nil, fmt.Errorf("%q selects no series", expr)
	}
	return names, nil
}

// AlertMetrics reads a rule file as Prometheus does (rulefmt: unknown
// fields, PromQL and the annotation templates are checked), wants every
// rule to be an alert with a severity and a summary, and returns the series
// each expression selects, keyed by alert name.
func AlertMetrics(path string) (map[string][]string, error) {
	p := parser.NewParser(parser.Options{})
	groups, errs := rulefmt.ParseFile(path, false, model.UTF8Validation, p, slog.New(slog.DiscardHandler))
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	out := map[string][]string{}
	for _, g := range groups.Groups {
		for _, rule := range g.Rules {
			if rule.Alert == "" || rule.Labels["severity"] == "" || rule.Annotations["summary"] == "" {
				return nil, fmt.Errorf("%s: rule %q needs alert, labels.severity and annotations.summary", path, rule.Alert)
			}
			names, err := ExprMetrics(rule.Expr)
			if err != nil {
				return nil, fmt.Errorf("%s: alert %s: %w", path, rule.Alert, err)
			}
			out[rule.Alert] = names
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no alerting rules", path)
	}
	return out, nil
}

var labelValues = regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,`)

// DashboardMetrics returns the series every query of a Grafana dashboard
// selects (panel targets and templating queries), keyed by where they
// appear.
func DashboardMetrics(path string) (map[string][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d struct {
		Title  string `json:"title"`
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string][]string{}
	for _, p := range d.Panels {
		for i, t := range p.Targets {
			names, err := ExprMetrics(t.Expr)
			if err != nil {
				return nil, fmt.Errorf("%s: panel %q: %w", path, p.Title, err)
			}
			out[fmt.Sprintf("panel %q target %d", p.Title, i)] = names
		}
	}
	for _, v := range d.Templating.List {
		if q, ok := v.Query.(string); ok && v.Type == "query" {
			m := labelValues.FindStringSubmatch(q)
			if m == nil {
				return nil, fmt.Errorf("%s: variable %s: want label_values(metric, label), got %q", path, v.Name, q)
			}
			out["variable "+v.Name] = []string{m[1]}
		}
	}
	if d.Title == "" || d.UID == "" || len(d.Panels) == 0 {
		return nil, fmt.Errorf("%s: want a title, a uid and panels", path)
	}
	return out, nil
}

// Unknown returns, sorted, "where: name" for every referenced name that is
// neither in known nor External.
func Unknown(refs map[string][]string, known map[string]bool) []string {
	var out []string
	for where, names := range refs {
		for _, n := range names {
			if !known[n] && External[n] == "" {
				out = append(out, where+": "+n)
			}
		}
	}
	sort.Strings(out)
	return out
}
