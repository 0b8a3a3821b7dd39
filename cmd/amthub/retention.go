package main

import (
	"context"

	"github.com/amthub/amthub/hub/audit"
	"github.com/amthub/amthub/hub/payments"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/registers"
	"github.com/amthub/amthub/hub/retention"
	"github.com/amthub/amthub/portal"
)

// retentionTargets names, per data kind, the module store that deletes
// what is due.
func (a *App) retentionTargets() []retention.Target {
	pay := payments.NewStore(a.DB, a.Cases)
	registerAudit := registers.NewAuditLog(a.DB)
	docs := portal.NewDocumentStore(a.DB, portal.DocumentConfig{})
	targets := []retention.Target{
		{Kind: privacy.SubmissionContent, Purger: retention.Funcs{PurgeFunc: a.Cases.PurgeContent, DueFunc: a.Cases.DueContent}},
		{Kind: privacy.Drafts, Purger: retention.Funcs{PurgeFunc: a.Cases.PurgeDrafts, DueFunc: a.Cases.DueDrafts}},
		{Kind: privacy.Payments, Purger: pay},
		{Kind: privacy.RegisterAudit, Purger: registerAudit},
		{Kind: privacy.Documents, Purger: docs},
		{Kind: privacy.StaffAudit, Purger: audit.NewStore(a.DB)},
		{Kind: privacy.Timeline, Purger: a.Cases.TimelinePurger(pay, a.Mailbox)},
	}
	if a.Mailbox != nil {
		targets = append(targets, retention.Target{Kind: privacy.MailboxMessages,
			Purger: retention.Funcs{PurgeFunc: a.Mailbox.PurgeMessages, DueFunc: a.Mailbox.DueMessages}})
	}
	return targets
}

// startRetention runs the deletion job and the sweep of dead letters whose
// content it deleted among the workers, on serve and dev, and serves operators the record of processing activities.
func (a *App) startRetention() {
	decls := privacyDeclarations()
	periods := retention.NewPeriods(a.DB, privacy.Defaults(decls))
	retention.RecordRoutes(a.Router, periods, decls, a.OAuth.Verifier.Require)
	job := retention.NewJob(a.DB, periods, a.retentionTargets(), a.Logger, a.Registry,
		retention.Config{Interval: a.Config.RetentionInterval, BatchSize: a.Config.RetentionBatch})
	a.workers = append(a.workers, job.Run)
	// Dead letters hold a copy of a submission's content: once the job
	// deleted the content, they go too.
	sweep := pipeline.NewDeadLetterSweep(a.DB, a.Bus, a.Catalogue, a.Logger, a.Registry)
	a.workers = append(a.workers, func(ctx context.Context) { sweep.Run(ctx, a.Config.RetentionInterval) })
}
