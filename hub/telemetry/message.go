package telemetry

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Propagator is the W3C trace context (traceparent, tracestate): in HTTP
// headers and in message headers alike, where it is the CloudEvents
// distributed-tracing extension.
func Propagator() propagation.TextMapPropagator { return propagation.TraceContext{} }

// ScopeName names the hub's own instrumentation.
const ScopeName = "github.com/amthub/amthub"

// Inject writes the trace context of ctx into message headers. Without a
// span in ctx it writes nothing.
func Inject(ctx context.Context, headers map[string]string) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return
	}
	Propagator().Inject(ctx, propagation.MapCarrier(headers))
}

// Extract returns ctx with the remote trace context of message headers, if
// they carry a valid one.
func Extract(ctx context.Context, headers map[string]string) context.Context {
	if headers["traceparent"] == "" {
		return ctx
	}
	return Propagator().Extract(ctx, propagation.MapCarrier(headers))
}

// InjectHTTP writes the trace context of ctx into an outgoing request's
// headers.
func InjectHTTP(ctx context.Context, h http.Header) {
	if trace.SpanContextFromContext(ctx).IsValid() {
		Propagator().Inject(ctx, propagation.HeaderCarrier(h))
	}
}

// Messaging span attributes (OpenTelemetry's messaging conventions).
func messagingAttrs(operation, destination, messageID string) []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String("messaging.system", "rabbitmq"),
		attribute.String("messaging.operation.type", operation),
		attribute.String("messaging.destination.name", destination),
		attribute.String("messaging.message.id", messageID),
	}
}

// StartPublish starts the span of publishing one message to destination
// (an exchange and routing key) and writes its context into the message's
// headers, so that the consumer's span becomes its child. End the span once
// the broker confirmed. With tracing off it allocates nothing and passes an
// incoming trace context on unchanged.
func StartPublish(ctx context.Context, tp trace.TracerProvider, destination, messageID string, headers map[string]string, links ...trace.Link) (context.Context, trace.Span) {
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindProducer)}
	if len(links) > 0 {
		opts = append(opts, trace.WithLinks(links...))
	}
	ctx, span := tp.Tracer(ScopeName).Start(ctx, "publish", opts...)
	if span.IsRecording() { // named here: no string built when off
		span.SetName("publish " + destination)
		span.SetAttributes(messagingAttrs("send", destination, messageID)...)
	}
	Inject(ctx, headers)
	return ctx, span
}

// StartProcess starts the span of processing one consumed message from
// queue, as a child of the trace context its headers carry.
func StartProcess(ctx context.Context, tp trace.TracerProvider, queue, messageID string, headers map[string]string) (context.Context, trace.Span) {
	ctx, span := tp.Tracer(ScopeName).Start(Extract(ctx, headers), "process", trace.WithSpanKind(trace.SpanKindConsumer))
	if span.IsRecording() {
		span.SetName("process " + queue)
		span.SetAttributes(messagingAttrs("process", queue, messageID)...)
	}
	return ctx, span
}

// Start starts an internal span under ctx's span, on the tracer provider
// that made that span: code deep in a call needs no provider of its own.
// Without a recording span in ctx it costs next to nothing.
func Start(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return ctx, parent
	}
	return parent.TracerProvider().Tracer(ScopeName).Start(ctx, name, trace.WithAttributes(attrs...))
}

// RecordError marks span as failed with err.
func RecordError(span trace.Span, err error) {
	if err != nil && span.IsRecording() {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
}
