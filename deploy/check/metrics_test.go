package check_test

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amthub/amthub/deploy/check"
	"sigs.k8s.io/yaml"
)

// refs collects every series the dashboard, the alerts, the metrics
// adapter rule and the autoscaler name.
func refs(t *testing.T, dashboard, alerts string) (map[string][]string, error) {
	t.Helper()
	out := map[string][]string{}
	d, err := check.DashboardMetrics(dashboard)
	if err != nil {
		return nil, err
	}
	a, err := check.AlertMetrics(alerts)
	if err != nil {
		return nil, err
	}
	maps.Copy(out, d)
	for k, v := range a {
		out["alert "+k] = v
	}
	return out, nil
}

func TestMetricsExist(t *testing.T) {
	known, err := check.HubMetrics(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"amthub_http_requests_total", "amthub_http_request_duration_seconds_bucket",
		"amthub_outbox_publish_failures_total", "go_sql_wait_count_total", "process_resident_memory_bytes", "go_goroutines"} {
		if !known[n] {
			t.Fatalf("the source scan misses %s (found %d names): the scan is broken", n, len(known))
		}
	}
	got, err := refs(t, "../grafana/amthub.json", "../prometheus/alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got["adapter rule"] = adapterSeries(t)
	_, objs, err := check.LoadBase(manifests)
	if err != nil {
		t.Fatal(err)
	}
	s, err := check.NewSet(objs)
	if err != nil {
		t.Fatal(err)
	}
	got["HorizontalPodAutoscaler"] = s.PodsMetrics()
	if len(got) < 10 {
		t.Fatalf("only %d references found: the scan is broken", len(got))
	}
	for _, u := range check.Unknown(got, known) {
		t.Errorf("%s is not a metric the hub exports", u)
	}
}

// adapterSeries returns the series the prometheus-adapter rules select
// and the names they serve.
func adapterSeries(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../prometheus/adapter.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Rules []struct {
			SeriesQuery string `json:"seriesQuery"`
			Resources   any    `json:"resources"`
			Name        struct {
				Matches string `json:"matches"`
				As      string `json:"as"`
			} `json:"name"`
			MetricsQuery string `json:"metricsQuery"`
		} `json:"rules"`
	}
	if err := yaml.UnmarshalStrict(b, &cfg); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range cfg.Rules {
		names, err := check.ExprMetrics(r.SeriesQuery)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, append(names, r.Name.As)...)
	}
	if len(out) == 0 {
		t.Fatal("no adapter rules")
	}
	return out
}

// TestBrokenMetrics proves the metrics check fails: each case replaces the
// dashboard or the alerts with a broken copy from testdata/metrics.
func TestBrokenMetrics(t *testing.T) {
	known, err := check.HubMetrics(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, file, want string }{
		{"UnknownInAlert", "unknown-metric.alerts.yaml", "alert AmthubOutboxPublishFailures: amthub_outbox_backlog"},
		{"UnknownInDashboard", "unknown-metric.dashboard.json", "amthub_replies_applied_total"},
		{"BadPromQL", "bad-promql.alerts.yaml", `"AmthubOutboxPublishFailures": could not parse expression: 1:55: parse error: unclosed left parenthesis`},
		{"BadTemplate", "bad-template.alerts.yaml", `function "humanizePercentag" not defined`},
		{"UnknownField", "unknown-field.alerts.yaml", "field severity not found"},
		{"NoSeverity", "no-severity.alerts.yaml", `rule "AmthubDown" needs alert, labels.severity and annotations.summary`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dashboard, alerts := "../grafana/amthub.json", "../prometheus/alerts.yaml"
			path := filepath.Join("testdata", "metrics", tc.file)
			if strings.HasSuffix(tc.file, ".json") {
				dashboard = path
			} else {
				alerts = path
			}
			got, err := refs(t, dashboard, alerts)
			msg := ""
			if err != nil {
				msg = err.Error()
			} else {
				msg = strings.Join(check.Unknown(got, known), "\n")
			}
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("got %q, want it to contain %q", msg, tc.want)
			}
			t.Logf("fails as it should: %s", msg)
		})
	}
}

func TestHubVariables(t *testing.T) {
	vars, err := check.HubVariables(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		want bool
	}{{"AMTHUB_DATABASE_URL", true}, {"AMTHUB_SHUTDOWN_TIMEOUT", true}, {"AMTHUB_HTTP_PORT", false}, {"AMTHUB_TEST_DATABASE_URL", false}} {
		if got := vars[tc.name]; got != tc.want {
			t.Errorf("%s read by the hub: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
