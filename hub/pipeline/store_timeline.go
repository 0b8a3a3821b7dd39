package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// CaseReferrer is a module whose rows belong to cases (payments, mailbox
// messages): a case's timeline stays while the module still holds one.
type CaseReferrer interface {
	// CaseReferenceSQL is a condition on cases.id that holds while a row
	// of the module refers to the case.
	CaseReferenceSQL() string
}

// TimelinePurger deletes whole cases whose timeline's retention ended.
type TimelinePurger struct {
	store     *Store
	referrers []CaseReferrer
}

// TimelinePurger returns the purger of cases, which waits for referrers'
// rows of a case to go first.
func (s *Store) TimelinePurger(referrers ...CaseReferrer) *TimelinePurger {
	return &TimelinePurger{store: s, referrers: referrers}
}

// due selects tenantID's ($1) cases whose last event came before the
// cutoff ($2), whose submissions are all finished ($3–$5), and that
// nothing else refers to.
func (p *TimelinePurger) due() string {
	var b strings.Builder
	b.WriteString(`cases.tenant_id = $1
		AND NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = cases.id AND e.created_at >= $2)
		AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.case_id = cases.id AND s.state NOT IN ($3, $4, $5))`)
	for _, r := range p.referrers {
		b.WriteString(" AND NOT " + r.CaseReferenceSQL())
	}
	return b.String()
}

func timelineArgs(tenantID string, cutoff time.Time) []any {
	return []any{tenantID, cutoff, hub.StateAccepted.String(), hub.StateRejected.String(), hub.StateExpired.String()}
}

// Purge deletes, inside tx, up to limit cases of tenantID that are due,
// with everything of the pipeline's that belongs to them: events, their
// callback deliveries, submissions, attachments, outbox messages.
func (p *TimelinePurger) Purge(ctx context.Context, tx *sqlstore.Tx, tenantID string, cutoff time.Time, limit int) (int, error) {
	ids, err := sqlstore.DueIDs(ctx, tx, `SELECT id FROM cases WHERE `+p.due()+` ORDER BY created_at, id LIMIT $6`,
		append(timelineArgs(tenantID, cutoff), limit)...)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	list, in := sqlstore.InList(1, ids)
	subs, err := sqlstore.Strings(ctx, tx, `SELECT id FROM submissions WHERE case_id IN (`+list+`)`, in...)
	if err != nil {
		return 0, err
	}
	if _, err := sqlstore.DeleteOutboxByHeader(ctx, tx, tenantID, hub.HeaderSubmission, subs); err != nil {
		return 0, err
	}
	for _, stmt := range []string{
		`DELETE FROM callback_deliveries WHERE event_id IN (SELECT id FROM case_events WHERE case_id IN (` + list + `))`,
		`DELETE FROM case_events WHERE case_id IN (` + list + `)`,
		`DELETE FROM attachments WHERE submission_id IN (SELECT id FROM submissions WHERE case_id IN (` + list + `))`,
		`DELETE FROM submissions WHERE case_id IN (` + list + `)`,
		`DELETE FROM cases WHERE id IN (` + list + `)`,
	} {
		if _, err := tx.ExecContext(ctx, stmt, in...); err != nil {
			return 0, fmt.Errorf("purge cases: %w", err)
		}
	}
	return len(ids), nil
}

// Due counts the cases Purge would delete.
func (p *TimelinePurger) Due(ctx context.Context, tenantID string, cutoff time.Time) (int, error) {
	return sqlstore.CountRows(ctx, p.store.db, `SELECT count(*) FROM cases WHERE `+p.due(), timelineArgs(tenantID, cutoff)...)
}
