package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/telemetry"
)

// TestOneTracePerSubmission runs the hub in process with an in-memory span
// recorder, submits once, and follows the submit request's trace through
// SQL, the outbox, the publish, the simulated Fachverfahren's handling and
// replies, the hub's reply handling and the timeline: on the in-process bus
// with SQLite, and on RabbitMQ with PostgreSQL.
func TestOneTracePerSubmission(t *testing.T) {
	for _, mode := range []string{"dev", "serve"} {
		t.Run(mode, func(t *testing.T) {
			rec := tracetest.NewSpanRecorder()
			tel := telemetry.WithProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
			base, demo := startTraced(t, mode, tel)
			dest := demo.Destinations[0]
			token := vendorToken(t, base, demo)
			hooks := registerCallback(t, base, token)
			submitID := submitOnce(t, base, token, dest)

			var tr *traceTree
			deadline := time.Now().Add(30 * time.Second)
			for {
				tr = findTrace(rec.Ended(), submitID)
				missing := tr.missing(dest.DestinationID)
				if len(missing) == 0 {
					break
				}
				if time.Now().After(deadline) {
					if tr != nil {
						t.Log("\n" + tr.render())
					}
					t.Fatalf("the submit's trace lacks: %s", strings.Join(missing, "; "))
				}
				time.Sleep(100 * time.Millisecond)
			}
			t.Logf("one submission, one trace (%d spans):\n%s", len(tr.spans), tr.render())
			checkCallbackTraced(t, rec, hooks)
		})
	}
}

// startTraced runs `dev` or `serve` with its simulators in process on tel
// and returns the API base and the demo data once it serves.
func startTraced(t testing.TB, mode string, tel *telemetry.Telemetry) (string, *Demo) {
	t.Helper()
	env := map[string]string{"AMTHUB_LOG_LEVEL": "warn", "AMTHUB_HTTP_ADDR": "127.0.0.1:0"}
	if mode == "serve" {
		env["AMTHUB_DATABASE_URL"] = hubtest.NewPostgresURL(t)
		env["AMTHUB_AMQP_URL"] = hubtest.AMQPURL(t)
		env["AMTHUB_REDIS_URL"] = hubtest.RedisURL(t)
		env["AMTHUB_KEY_ENCRYPTION_KEY"] = testKEK
	}
	cfg, err := loadConfig(envFrom(env), mode == "dev")
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir, cfg.InsecureCallbacks, cfg.Simulators = t.TempDir(), true, true
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *Demo, 1)
	done := make(chan error, 1)
	var queues []string
	if mode == "serve" { // runs after the hub stopped: cleanups run last first
		t.Cleanup(func() { hubtest.DeleteQueues(t, cfg.AMQPURL, queues...) })
	}
	go func() {
		done <- serveWith(ctx, cfg, tel, func(app *App) error {
			demo, err := seedDemo(ctx, app)
			if err != nil {
				return err
			}
			if err := startSimulators(ctx, app, demo, ""); err != nil {
				return err
			}
			ready <- demo
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%s: %v", mode, err)
		}
	})
	select {
	case demo := <-ready:
		for _, d := range demo.Destinations {
			queues = append(queues, bus.DestinationQueue(d.DestinationID))
		}
		return strings.TrimSuffix(demo.URLs["api"], "/"), demo
	case err := <-done:
		t.Fatalf("%s stopped before serving: %v", mode, err)
	case <-time.After(90 * time.Second):
		t.Fatalf("%s did not serve within 90 s", mode)
	}
	return "", nil
}

// registerCallback registers a callback URL for the vendor and returns
// the traceparent headers its deliveries arrive with.
func registerCallback(t *testing.T, base, token string) <-chan string {
	hooks := make(chan string, 64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case hooks <- r.Header.Get("traceparent"):
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	req, _ := http.NewRequest(http.MethodPut, base+"/v1/callback", strings.NewReader(`{"url":"`+srv.URL+`/hook"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	call(t, req, http.StatusOK, nil)
	return hooks
}

// checkCallbackTraced: a callback delivery is a span whose POST carries its
// trace context to the vendor.
func checkCallbackTraced(t *testing.T, rec *tracetest.SpanRecorder, hooks <-chan string) {
	var header string
	select {
	case header = <-hooks:
	case <-time.After(20 * time.Second):
		t.Fatal("no callback arrived")
	}
	parts := strings.Split(header, "-")
	if len(parts) != 4 {
		t.Fatalf("callback arrived with traceparent %q", header)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, s := range rec.Ended() {
			if s.Name() == "callback deliver" && s.SpanContext().TraceID().String() == parts[1] {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no callback deliver span in trace %s", parts[1])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// traceTree is one trace's ended spans, and the spans of other traces
// that link into it (the outbox relay's batch).
type traceTree struct {
	root   sdktrace.ReadOnlySpan
	spans  []sdktrace.ReadOnlySpan
	linked []sdktrace.ReadOnlySpan
}

// findTrace returns the trace whose root is the HTTP request that
// submitted submissionID, or nil.
func findTrace(spans []sdktrace.ReadOnlySpan, submissionID string) *traceTree {
	var tr traceTree
	for _, s := range spans {
		if s.SpanKind() == trace.SpanKindServer && strings.HasSuffix(s.Name(), "/submit") && hasAttr(s, "url.path", "/v1/submissions/"+submissionID+"/submit") {
			tr.root = s
		}
	}
	if tr.root == nil {
		return nil
	}
	id := tr.root.SpanContext().TraceID()
	for _, s := range spans {
		if s.SpanContext().TraceID() == id {
			tr.spans = append(tr.spans, s)
			continue
		}
		for _, l := range s.Links() {
			if l.SpanContext.TraceID() == id {
				tr.linked = append(tr.linked, s)
				break
			}
		}
	}
	slices.SortFunc(tr.spans, func(a, b sdktrace.ReadOnlySpan) int { return a.StartTime().Compare(b.StartTime()) })
	return &tr
}

func hasAttr(s sdktrace.ReadOnlySpan, key, value string) bool {
	for _, a := range s.Attributes() {
		if string(a.Key) == key && a.Value.Emit() == value {
			return true
		}
	}
	return false
}

// missing lists what the trace lacks of one submission's path, each step
// a descendant of the step before.
func (tr *traceTree) missing(destinationID string) []string {
	if tr == nil {
		return []string{"the submit request's server span"}
	}
	isSQL := func(s sdktrace.ReadOnlySpan) bool {
		return slices.ContainsFunc(s.Attributes(), func(a attribute.KeyValue) bool { return strings.HasPrefix(string(a.Key), "db.") })
	}
	named := func(name string) func(sdktrace.ReadOnlySpan) bool {
		return func(s sdktrace.ReadOnlySpan) bool { return s.Name() == name }
	}
	timeline := func(typ string) func(sdktrace.ReadOnlySpan) bool {
		return func(s sdktrace.ReadOnlySpan) bool {
			return s.Name() == "timeline append" && slices.ContainsFunc(s.Attributes(), func(a attribute.KeyValue) bool {
				return a.Key == "amthub.event.types" && slices.Contains(a.Value.AsStringSlice(), typ)
			})
		}
	}
	var out []string
	if tr.find(tr.root, isSQL) == nil {
		out = append(out, "SQL under the request")
	}
	if tr.find(tr.root, timeline(hub.EventSubmissionSubmitted)) == nil {
		out = append(out, "the timeline event submission.submitted under the request")
	}
	steps := []struct {
		what  string
		match func(sdktrace.ReadOnlySpan) bool
	}{
		{"the publish of the outbox message", named("publish " + bus.Topic(bus.SubmissionsExchange, destinationID))},
		{"the simulator's processing", named("process " + bus.DestinationQueue(destinationID))},
		{"the simulator's accept", named("publish " + bus.Topic(bus.RepliesExchange, destinationID+"."+hub.ReplyAccept))},
		{"the hub's processing of the accept", named("process " + bus.RepliesQueue)},
		{"SQL of the accept", isSQL},
	}
	at := tr.root
	for i, st := range steps {
		next := tr.find(at, st.match)
		if next == nil {
			return append(out, st.what+" under "+at.Name())
		}
		if i < len(steps)-1 {
			at = next
		}
	}
	if tr.find(at, timeline(hub.EventSubmissionAccepted)) == nil {
		out = append(out, "the timeline event submission.accepted under the accept's processing")
	}
	if tr.find(tr.root, timeline(hub.EventStatusPrefix+"completed")) == nil {
		out = append(out, "the timeline event status.completed")
	}
	if !slices.ContainsFunc(tr.linked, named("outbox relay")) {
		out = append(out, "an outbox relay batch linked to the trace")
	}
	return out
}

// find returns the first descendant of under, in start order, that
// matches.
func (tr *traceTree) find(under sdktrace.ReadOnlySpan, match func(sdktrace.ReadOnlySpan) bool) sdktrace.ReadOnlySpan {
	for _, s := range tr.children(under) {
		if match(s) {
			return s
		}
		if d := tr.find(s, match); d != nil {
			return d
		}
	}
	return nil
}

func (tr *traceTree) children(of sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range tr.spans {
		if s.Parent().SpanID() == of.SpanContext().SpanID() {
			out = append(out, s)
		}
	}
	return out
}

// render draws the trace as an indented tree: name, kind, offset from the
// root's start and duration; then the spans of other traces that link in.
func (tr *traceTree) render() string {
	var b strings.Builder
	start := tr.root.StartTime()
	var walk func(s sdktrace.ReadOnlySpan, depth int)
	walk = func(s sdktrace.ReadOnlySpan, depth int) {
		name := s.Name()
		for _, a := range s.Attributes() {
			if a.Key == "amthub.event.types" {
				name += " " + strings.Join(a.Value.AsStringSlice(), ",")
			}
		}
		fmt.Fprintf(&b, "%s%s [%s] +%s %s\n", strings.Repeat("  ", depth), name, s.SpanKind(),
			s.StartTime().Sub(start).Round(10*time.Microsecond), s.EndTime().Sub(s.StartTime()).Round(10*time.Microsecond))
		for _, c := range tr.children(s) {
			walk(c, depth+1)
		}
	}
	fmt.Fprintf(&b, "trace %s\n", tr.root.SpanContext().TraceID())
	walk(tr.root, 0)
	for _, l := range tr.linked {
		fmt.Fprintf(&b, "linked from trace %s: %s [%s] +%s %s, %d links\n", l.SpanContext().TraceID(), l.Name(), l.SpanKind(),
			l.StartTime().Sub(start).Round(10*time.Microsecond), l.EndTime().Sub(l.StartTime()).Round(10*time.Microsecond), len(l.Links()))
	}
	return b.String()
}

// BenchmarkIngestTraced is BenchmarkIngest (create and submit over HTTP on
// `dev`) with tracing on: every span recorded, batched to an exporter that
// drops them.
func BenchmarkIngestTraced(b *testing.B) {
	tel := telemetry.WithProvider(sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter())))
	base, demo := startTraced(b, "dev", tel)
	benchIngest(b, base, demo)
}
