package main

import (
	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/retention"
)

// retentionTargets names, per data kind, the module store method that
// deletes what is due.
func (a *App) retentionTargets() []retention.Target {
	return []retention.Target{
		{Kind: privacy.SubmissionContent, Purger: retention.Funcs{PurgeFunc: a.Cases.PurgeContent, DueFunc: a.Cases.DueContent}},
		{Kind: privacy.Drafts, Purger: retention.Funcs{PurgeFunc: a.Cases.PurgeDrafts, DueFunc: a.Cases.DueDrafts}},
	}
}

// startRetention runs the deletion job among the workers, on serve and dev.
func (a *App) startRetention() {
	periods := retention.NewPeriods(a.DB, privacy.Defaults(privacyDeclarations()))
	job := retention.NewJob(a.DB, periods, a.retentionTargets(), a.Logger, a.Registry,
		retention.Config{Interval: a.Config.RetentionInterval, BatchSize: a.Config.RetentionBatch})
	a.workers = append(a.workers, job.Run)
}
