// Package telemetry sets up the hub's traces: an OpenTelemetry tracer
// provider configured by the standard OTEL_* variables, off unless they
// ask for it, and the W3C trace context carried in HTTP and AMQP headers.
//
// Off, the tracer provider is OpenTelemetry's no-op one: every span start
// returns at once without allocating, and the HTTP and SQL wrappers are not
// installed at all (see Telemetry.Enabled).
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Config is what the OTEL_* variables say about traces.
type Config struct {
	// Enabled is true when traces are exported: OTEL_TRACES_EXPORTER=otlp,
	// or an OTLP endpoint set and no exporter named; never with
	// OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none.
	Enabled bool
	// ServiceName (OTEL_SERVICE_NAME) names the process; default "amthub".
	ServiceName string
	// Sampler is built from OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG;
	// default parentbased_always_on.
	Sampler sdktrace.Sampler
}

// Variables are the OTEL_* variables FromEnv reads. The OTLP exporter
// reads its own further ones (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, …)
// from the process environment.
var Variables = []string{
	"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
	"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
	"OTEL_SERVICE_NAME", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
}

// VariableError names the variable at fault.
type VariableError struct{ Name, Msg string }

func (e *VariableError) Error() string { return e.Name + ": " + e.Msg }

// FromEnv reads the trace configuration. It fails on a value the hub
// cannot honour rather than silently not tracing.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{ServiceName: "amthub"}
	if v := getenv("OTEL_SERVICE_NAME"); v != "" {
		c.ServiceName = v
	}
	endpoint := getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
	switch v := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")); v {
	case "":
		c.Enabled = endpoint
	case "otlp":
		c.Enabled = true
	case "none":
	default:
		return c, &VariableError{"OTEL_TRACES_EXPORTER", "want otlp or none"}
	}
	disabled := getenv("OTEL_SDK_DISABLED")
	if disabled != "" && disabled != "true" && disabled != "false" {
		return c, &VariableError{"OTEL_SDK_DISABLED", "want true or false"}
	}
	if disabled == "true" {
		c.Enabled = false
	}
	if p := getenv("OTEL_EXPORTER_OTLP_PROTOCOL"); p != "" && p != "http/protobuf" {
		return c, &VariableError{"OTEL_EXPORTER_OTLP_PROTOCOL", "only http/protobuf is supported"}
	}
	var err error
	c.Sampler, err = parseSampler(getenv("OTEL_TRACES_SAMPLER"), getenv("OTEL_TRACES_SAMPLER_ARG"))
	return c, err
}

// parseSampler builds the sampler the specification names.
func parseSampler(name, arg string) (sdktrace.Sampler, error) {
	ratio := func() (float64, error) {
		if arg == "" {
			return 1, nil
		}
		f, err := strconv.ParseFloat(arg, 64)
		if err != nil || f < 0 || f > 1 {
			return 0, &VariableError{"OTEL_TRACES_SAMPLER_ARG", "want a ratio from 0 to 1"}
		}
		return f, nil
	}
	switch name {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "traceidratio", "parentbased_traceidratio":
		f, err := ratio()
		if err != nil {
			return nil, err
		}
		if name == "traceidratio" {
			return sdktrace.TraceIDRatioBased(f), nil
		}
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(f)), nil
	}
	return nil, &VariableError{"OTEL_TRACES_SAMPLER", "want always_on, always_off, traceidratio or their parentbased_ forms"}
}

// Telemetry is the process's tracing: a tracer provider for every part
// that makes spans, and the shutdown that flushes what is buffered.
type Telemetry struct {
	// Tracer makes the spans; the no-op provider when off.
	Tracer trace.TracerProvider
	// Enabled says whether spans are recorded; parts whose instrumentation
	// costs even when nothing is recorded (HTTP and SQL wrappers) are
	// installed only then.
	Enabled  bool
	shutdown func(context.Context) error
}

// Off is tracing switched off: the no-op provider, nothing to flush.
func Off() *Telemetry {
	return &Telemetry{Tracer: noop.NewTracerProvider(), shutdown: func(context.Context) error { return nil }}
}

// New starts tracing as cfg says: Off when not enabled, else an SDK tracer
// provider exporting in batches over OTLP/HTTP. The exporter reads its
// endpoint, headers and timeouts from the OTEL_EXPORTER_OTLP_* variables.
func New(ctx context.Context, cfg Config) (*Telemetry, error) {
	if !cfg.Enabled {
		return Off(), nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("otlp trace exporter: %w", err)
	}
	if cfg.Sampler == nil {
		cfg.Sampler = sdktrace.ParentBased(sdktrace.AlwaysSample())
	}
	return WithProvider(sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithSampler(cfg.Sampler),
		sdktrace.WithResource(serviceResource(cfg.ServiceName)),
	)), nil
}

// WithProvider is tracing on a tracer provider built elsewhere: tests with
// an in-memory recorder. Shutdown shuts the provider down.
func WithProvider(tp *sdktrace.TracerProvider) *Telemetry {
	return &Telemetry{Tracer: tp, Enabled: true, shutdown: tp.Shutdown}
}

// serviceResource describes this process; OTEL_RESOURCE_ATTRIBUTES adds to it.
func serviceResource(name string) *resource.Resource {
	r, err := resource.Merge(resource.Default(),
		resource.NewSchemaless(attribute.String("service.name", name)))
	if err != nil { // conflicting schema URLs: keep ours alone
		return resource.NewSchemaless(attribute.String("service.name", name))
	}
	if env, err := resource.New(context.Background(), resource.WithFromEnv()); err == nil {
		if merged, err := resource.Merge(r, env); err == nil {
			return merged
		}
	}
	return r
}

// Shutdown flushes buffered spans and stops exporting, within ctx's
// deadline (5 s when it has none).
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
	}
	if err := t.shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("flush traces: %w", err)
	}
	return nil
}
