package portal_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/mailbox"
	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/retention"
	"github.com/amthub/amthub/portal"
)

// TestDocumentRetention sets a period for the document safe: the deletion
// job deletes the documents stored before it and frees their bytes, and
// keeps the newer ones, the folders and other citizens' documents.
func TestDocumentRetention(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			db := d.Open(t)
			clock := hubtest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
			db.Now = clock.Now
			tenant := hubtest.MustTenant(t, db)
			docs := portal.NewDocumentStore(db, portal.DocumentConfig{Keys: mailbox.Keyring{Active: "k", Keys: map[string][]byte{"k": make([]byte, 32)}}})
			periods := retention.NewPeriods(db, privacy.Defaults(portal.Privacy()))
			job := retention.NewJob(db, periods, []retention.Target{{Kind: privacy.Documents, Purger: docs}}, slog.New(slog.DiscardHandler), nil, retention.Config{})
			folder, err := docs.CreateFolder(ctx, tenant, "erika", "Nachweise")
			if err != nil {
				t.Fatal(err)
			}
			put := func(citizen, folderID string) {
				t.Helper()
				if _, err := docs.Put(ctx, tenant, citizen, folderID, "zeugnis.pdf", testPDF); err != nil {
					t.Fatal(err)
				}
			}
			put("erika", folder.ID)
			put("erika", "")
			clock.Add(48 * time.Hour)
			put("erika", folder.ID)
			put("max", "")
			run := func() int {
				t.Helper()
				res, err := job.RunOnceResult(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return res.Deleted[privacy.Documents]
			}
			if n := run(); n != 0 {
				t.Fatalf("documents are kept by default, but %d were deleted", n)
			}
			if err := periods.Set(ctx, tenant, privacy.Documents, 24*time.Hour, false); err != nil {
				t.Fatal(err)
			}
			if n := run(); n != 2 {
				t.Fatalf("deleted %d documents, want the 2 older than a day", n)
			}
			for citizen, want := range map[string]int{"erika": 1, "max": 1} {
				list, err := docs.List(ctx, tenant, citizen, "")
				used, uerr := docs.Usage(ctx, tenant, citizen)
				if err != nil || uerr != nil || len(list) != want || used != int64(want*len(testPDF)) {
					t.Fatalf("%s: %d documents, %d bytes used (%v, %v); want %d", citizen, len(list), used, err, uerr, want)
				}
			}
			if folders, err := docs.Folders(ctx, tenant, "erika"); err != nil || len(folders) != 1 {
				t.Fatalf("folders %v %v", folders, err)
			}
		})
	}
}
