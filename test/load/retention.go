package main

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/retention"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/test/load/hubproc"
)

// retentionResults is the deletion job under load (-only retention).
type retentionResults struct {
	expired           int
	deleted           int
	jobTime           time.Duration
	ingest, ingestJob float64 // submissions/s without and while the job runs
	failed, failedJob int
}

// serveRetention seeds o.expired submissions whose content is past its
// retention (accepted 30 days ago, data and a 4 KiB attachment), measures
// ingest for o.duration, then measures it again while the deletion job
// deletes them in batches of o.retentionBatch, as `serve` runs it (the
// same code, in this process, on the hub's database).
func (r *results) serveRetention(ctx context.Context, o options, h *hubproc.Hub, v *hubproc.Vendor, db *hubproc.Database) error {
	dests := h.Demo.Destinations
	hubIngest(ctx, v, dests, o.workers, 2*time.Second) // warm-up; leaves submitted submissions to copy
	pool, err := pgxpool.New(ctx, db.URL)
	if err != nil {
		return err
	}
	defer pool.Close()
	target, err := loadRawTarget(ctx, pool, h.Demo.Tenant.ID, h.Demo.Vendor.ClientID)
	if err != nil {
		return err
	}
	log.Printf("retention: seeding %d submissions past their retention", o.expired)
	if err := seedExpired(ctx, pool, target, o.expired); err != nil {
		return err
	}
	res := &retentionResults{expired: o.expired}
	r.retention = res
	log.Printf("retention: ingest without the job, %d vendors, %s", o.workers, o.duration)
	res.ingest, res.failed = hubIngest(ctx, v, dests, o.workers, o.duration)

	sdb, err := sqlstore.Open(ctx, db.URL, sqlstore.Options{MaxOpenConns: 4})
	if err != nil {
		return err
	}
	defer sdb.Close()
	st := pipeline.NewStore(sdb)
	job := retention.NewJob(sdb, retention.NewPeriods(sdb, privacy.Defaults(pipeline.Privacy())), []retention.Target{
		{Kind: privacy.SubmissionContent, Purger: retention.Funcs{PurgeFunc: st.PurgeContent, DueFunc: st.DueContent}},
	}, slog.New(slog.DiscardHandler), nil, retention.Config{BatchSize: o.retentionBatch})
	log.Printf("retention: ingest while the job deletes in batches of %d", o.retentionBatch)
	var wg sync.WaitGroup
	var jobErr error
	wg.Go(func() {
		start := time.Now()
		for ctx.Err() == nil {
			out, err := job.RunOnceResult(ctx)
			if err != nil {
				jobErr = err
				return
			}
			res.deleted += out.Deleted[privacy.SubmissionContent]
			if !out.More {
				break
			}
		}
		res.jobTime = time.Since(start)
	})
	res.ingestJob, res.failedJob = hubIngest(ctx, v, dests, o.workers, o.duration)
	wg.Wait()
	if jobErr != nil {
		return fmt.Errorf("retention job: %w", jobErr)
	}
	if res.deleted < o.expired {
		return fmt.Errorf("retention job deleted %d of %d", res.deleted, o.expired)
	}
	return nil
}

// seedExpired writes n accepted submissions, decided 30 days ago, each in
// its own case with its data and one attachment, in transactions of 500.
func seedExpired(ctx context.Context, pool *pgxpool.Pool, t rawTarget, n int) error {
	content := []byte(strings.Repeat("%PDF-1.7 Anlage ", 256))
	decided := time.Now().UTC().Add(-30 * privacy.Day)
	for done := 0; done < n; {
		k := min(500, n-done)
		batch := &pgx.Batch{}
		for i := range k {
			d := t.dests[(done+i)%len(t.dests)]
			caseID, subID := newID(), newID()
			batch.Queue(`INSERT INTO cases (id, tenant_id, case_number, client_id, destination_id, leika_key, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, caseID, t.tenantID, "R-"+subID, t.clientID, d.id, d.leika, decided)
			batch.Queue(`INSERT INTO submissions (id, tenant_id, case_id, client_id, destination_id, leika_key, service_name, state,
				announced, request_hash, data, content_type, data_hash, expires_at, created_at, submitted_at, forwarded_at, decided_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '[]', $9, $10, $11, $9, $12, $12, $12, $12, $12)`,
				subID, t.tenantID, caseID, t.clientID, d.id, d.leika, d.service, hub.StateAccepted.String(), hash64(), d.data, d.contentType, decided)
			batch.Queue(`INSERT INTO attachments (tenant_id, submission_id, attachment_id, filename, mime_type, size, sha256, content, created_at)
				VALUES ($1, $2, $3, 'anlage.pdf', 'application/pdf', $4, $5, $6, $7)`, t.tenantID, subID, newID(), len(content), hash64(), content, decided)
		}
		if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return tx.SendBatch(ctx, batch).Close() }); err != nil {
			return fmt.Errorf("seed expired submissions: %w", err)
		}
		done += k
	}
	return nil
}

func (x *retentionResults) markdown() string {
	rate := 0.0
	if x.jobTime > 0 {
		rate = float64(x.deleted) / x.jobTime.Seconds()
	}
	return fmt.Sprintf("| deletion job under load | |\n|---|---|\n"+
		"| submissions past retention | %d |\n| deleted | %d in %s (%.0f submissions/s) |\n"+
		"| ingest without the job | %.0f submissions/s (%d failed) |\n| ingest while the job runs | %.0f submissions/s (%d failed) |\n",
		x.expired, x.deleted, x.jobTime.Round(time.Millisecond), rate, x.ingest, x.failed, x.ingestJob, x.failedJob)
}
