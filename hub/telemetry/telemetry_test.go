package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/amthub/amthub/hub/telemetry"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		enabled bool
		sampler string // the sampler's Description, when enabled
		badVar  string
	}{
		{name: "OffByDefault", env: nil},
		{name: "EndpointTurnsOn", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, enabled: true,
			sampler: "ParentBased{root:AlwaysOnSampler,remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}"},
		{name: "TracesEndpointTurnsOn", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, enabled: true},
		{name: "ExporterOTLP", env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, enabled: true},
		{name: "ExporterNoneWinsOverEndpoint", env: map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}},
		{name: "SDKDisabledWins", env: map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}},
		{name: "Ratio", env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"},
			enabled: true, sampler: "TraceIDRatioBased{0.25}"},
		{name: "AlwaysOff", env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER": "always_off"}, enabled: true, sampler: "AlwaysOffSampler"},
		{name: "ErrExporter", env: map[string]string{"OTEL_TRACES_EXPORTER": "jaeger"}, badVar: "OTEL_TRACES_EXPORTER"},
		{name: "ErrProtocol", env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, badVar: "OTEL_EXPORTER_OTLP_PROTOCOL"},
		{name: "ErrSampler", env: map[string]string{"OTEL_TRACES_SAMPLER": "sometimes"}, badVar: "OTEL_TRACES_SAMPLER"},
		{name: "ErrRatio", env: map[string]string{"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"}, badVar: "OTEL_TRACES_SAMPLER_ARG"},
		{name: "ErrDisabled", env: map[string]string{"OTEL_SDK_DISABLED": "yes"}, badVar: "OTEL_SDK_DISABLED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := telemetry.FromEnv(env(tt.env))
			if tt.badVar != "" {
				ve, ok := err.(*telemetry.VariableError)
				if !ok || ve.Name != tt.badVar {
					t.Fatalf("error %v, want one naming %s", err, tt.badVar)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Enabled != tt.enabled {
				t.Fatalf("enabled = %v, want %v", cfg.Enabled, tt.enabled)
			}
			if tt.sampler != "" && cfg.Sampler.Description() != tt.sampler {
				t.Errorf("sampler %s, want %s", cfg.Sampler.Description(), tt.sampler)
			}
		})
	}
}

func FuzzFromEnv(f *testing.F) {
	f.Add("otlp", "parentbased_traceidratio", "0.5", "http/protobuf")
	f.Add("", "", "", "")
	f.Add("none", "always_on", "x", "grpc")
	f.Fuzz(func(t *testing.T, exporter, sampler, arg, protocol string) {
		cfg, err := telemetry.FromEnv(env(map[string]string{"OTEL_TRACES_EXPORTER": exporter,
			"OTEL_TRACES_SAMPLER": sampler, "OTEL_TRACES_SAMPLER_ARG": arg, "OTEL_EXPORTER_OTLP_PROTOCOL": protocol}))
		if err == nil && cfg.Sampler == nil {
			t.Fatal("no error and no sampler")
		}
		if err != nil {
			if _, ok := err.(*telemetry.VariableError); !ok {
				t.Fatalf("error %T does not name a variable", err)
			}
		}
	})
}

// TestOffIsNoop: with tracing off, spans are not recorded, nothing is
// written into message headers, and shutdown has nothing to do.
func TestOffIsNoop(t *testing.T) {
	tel, err := telemetry.New(context.Background(), telemetry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if tel.Enabled {
		t.Fatal("enabled without configuration")
	}
	ctx, span := telemetry.StartProcess(context.Background(), tel.Tracer, "q", "m", map[string]string{})
	if span.IsRecording() {
		t.Fatal("span recorded with tracing off")
	}
	headers := map[string]string{}
	_, pub := telemetry.StartPublish(ctx, tel.Tracer, "ex/key", "m", headers)
	pub.End()
	span.End()
	if len(headers) != 0 {
		t.Fatalf("headers %v written with tracing off", headers)
	}
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestMessageCarriesTrace: a publish span's context travels in the headers
// and the consumer's span is its child, in the same trace.
func TestMessageCarriesTrace(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	ctx, root := tp.Tracer("test").Start(context.Background(), "request")
	headers := map[string]string{}
	_, pub := telemetry.StartPublish(ctx, tp, "amthub.submissions/d", "m1", headers)
	pub.End()
	root.End()
	if !strings.HasPrefix(headers["traceparent"], "00-"+root.SpanContext().TraceID().String()+"-"+pub.SpanContext().SpanID().String()) {
		t.Fatalf("traceparent %q does not name the publish span", headers["traceparent"])
	}
	_, proc := telemetry.StartProcess(context.Background(), tp, "fv.d", "m1", headers)
	proc.End()
	ended := rec.Ended()
	got := ended[len(ended)-1]
	if got.Parent().SpanID() != pub.SpanContext().SpanID() || got.SpanContext().TraceID() != root.SpanContext().TraceID() {
		t.Fatalf("consumer span's parent %s, want the publish span %s", got.Parent().SpanID(), pub.SpanContext().SpanID())
	}
	if got.SpanKind() != trace.SpanKindConsumer {
		t.Fatalf("kind %s", got.SpanKind())
	}
}

// TestChildrenOnly: spans start only under a span in the context.
func TestChildrenOnly(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	only := telemetry.ChildrenOnly(tp).Tracer("sql")
	_, orphan := only.Start(context.Background(), "poll")
	orphan.End()
	ctx, parent := tp.Tracer("test").Start(context.Background(), "request")
	_, child := only.Start(ctx, "query")
	child.End()
	parent.End()
	var names []string
	for _, s := range rec.Ended() {
		names = append(names, s.Name())
	}
	if strings.Join(names, ",") != "query,request" {
		t.Fatalf("ended spans %v, want query and request only", names)
	}
}

// TestLogHandler: a line logged with a traced context names the trace.
func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(telemetry.LogHandler(slog.NewJSONHandler(&buf, nil))).With("component", "x")
	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("test").Start(context.Background(), "request")
	logger.InfoContext(ctx, "traced")
	logger.Info("untraced")
	span.End()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var traced, untraced map[string]any
	_ = json.Unmarshal([]byte(lines[0]), &traced)
	_ = json.Unmarshal([]byte(lines[1]), &untraced)
	if traced["trace_id"] != span.SpanContext().TraceID().String() || traced["span_id"] != span.SpanContext().SpanID().String() {
		t.Fatalf("traced line %s", lines[0])
	}
	if _, ok := untraced["trace_id"]; ok {
		t.Fatalf("untraced line %s has a trace id", lines[1])
	}
}

// TestExportsOverOTLP: with an endpoint set, spans reach an OTLP/HTTP
// collector when the hub shuts down (batched spans are flushed).
func TestExportsOverOTLP(t *testing.T) {
	var posts atomic.Int32
	bodies := make(chan []byte, 10)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/traces" && r.Header.Get("Content-Type") == "application/x-protobuf" {
			b, _ := io.ReadAll(r.Body)
			bodies <- b
			posts.Add(1)
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	cfg, err := telemetry.FromEnv(env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL, "OTEL_SERVICE_NAME": "amthub-test"}))
	if err != nil {
		t.Fatal(err)
	}
	tel, err := telemetry.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tel.Tracer.Tracer("test").Start(context.Background(), "request")
	span.End()
	if posts.Load() != 0 {
		t.Fatal("exported before the batch was flushed")
	}
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if posts.Load() != 1 {
		t.Fatalf("collector got %d posts, want 1 on shutdown", posts.Load())
	}
	if b := <-bodies; !bytes.Contains(b, []byte("amthub-test")) || !bytes.Contains(b, []byte("request")) {
		t.Fatalf("export lacks the service name or the span: %q", b)
	}
}
