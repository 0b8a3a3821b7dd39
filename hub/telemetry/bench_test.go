package telemetry_test

import (
	"context"
	"testing"

	"github.com/amthub/amthub/hub/telemetry"
)

// BenchmarkOff is what tracing does, switched off, for one submission on
// the hub's side: the outbox's check for a trace to store, two timeline
// spans, the relay's extract and publish span, the reply consumer's span.
// The HTTP and SQL wrappers are not installed when off, so this is all of
// it.
func BenchmarkOff(b *testing.B) {
	tp := telemetry.Off().Tracer
	ctx := context.Background()
	headers := map[string]string{"cloudEvents:id": "x"}
	b.ReportAllocs()
	for range b.N {
		telemetry.Inject(ctx, headers)
		for range 2 {
			_, s := telemetry.Start(ctx, "timeline append")
			s.End()
		}
		pctx := telemetry.Extract(ctx, headers)
		_, p := telemetry.StartPublish(pctx, tp, "amthub.submissions/d", "id", headers)
		p.End()
		_, c := telemetry.StartProcess(ctx, tp, "amthub.replies.hub", "id", headers)
		c.End()
	}
}
