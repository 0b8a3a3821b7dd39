package main

import (
	"context"
	"testing"
	"time"
)

// TestRetentionTiny runs the retention mode at a tiny size against a real
// `amthub serve`: the job deletes every seeded submission while vendors
// submit, and both ingest figures are measured. The full-size run (10 000
// submissions) is the command in the note.
func TestRetentionTiny(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := run(ctx, options{only: "retention", workers: 2, duration: 2 * time.Second, noDev: true, expired: 300, retentionBatch: 100})
	if err != nil {
		t.Fatal(err)
	}
	x := res.retention
	t.Logf("\n%s", x.markdown())
	if x.deleted != 300 || x.jobTime <= 0 || x.ingest <= 0 || x.ingestJob <= 0 {
		t.Fatalf("deleted %d of 300 in %s; ingest %.0f/s without, %.0f/s with the job", x.deleted, x.jobTime, x.ingest, x.ingestJob)
	}
}
