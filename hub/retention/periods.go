// Package retention deletes personal data once its retention period ends:
// each tenant's periods per data kind (with the defaults the modules
// declare), the deletion job that asks each module to purge what is due,
// and the log of what it deleted (counts, never content).
package retention

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Kinds returns the data kinds that have a retention period, in the order
// the job deletes them: content first, the case timeline last (a case goes
// only when nothing refers to it any more).
func Kinds() []privacy.Kind {
	return []privacy.Kind{privacy.SubmissionContent, privacy.Drafts, privacy.MailboxMessages, privacy.Documents,
		privacy.Payments, privacy.RegisterAudit, privacy.StaffAudit, privacy.Timeline}
}

// Period is a kind's retention in one tenant.
type Period struct {
	Kind privacy.Kind
	// Duration after which the data is deleted; see Keep.
	Duration time.Duration
	// Keep is true when the data is never deleted by period.
	Keep bool
	// Default is true when the tenant has not set its own.
	Default bool
}

// String renders the period for people: "7d", "36h", "behalten".
func (p Period) String() string {
	switch {
	case p.Keep:
		return "keep"
	case p.Duration%privacy.Day == 0:
		return fmt.Sprintf("%dd", p.Duration/privacy.Day)
	}
	return p.Duration.String()
}

// Periods stores tenants' retention periods.
type Periods struct {
	db       *sqlstore.DB
	defaults map[privacy.Kind]time.Duration
}

// NewPeriods returns the tenants' periods on db, with the declared
// defaults (privacy.Defaults); a kind without a default is kept.
func NewPeriods(db *sqlstore.DB, defaults map[privacy.Kind]time.Duration) *Periods {
	return &Periods{db: db, defaults: defaults}
}

// checkKind refuses a kind that has no retention period.
func checkKind(kind privacy.Kind) error {
	if !slices.Contains(Kinds(), kind) {
		return hub.FieldError("kind", "%q has no retention period; one of %v", kind, Kinds())
	}
	return nil
}

// Set gives kind in tenantID its own period: d, or never deleted by
// period when keep is true.
func (p *Periods) Set(ctx context.Context, tenantID string, kind privacy.Kind, d time.Duration, keep bool) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	if d < 0 {
		return hub.FieldError("period", "must not be negative")
	}
	var secs *int64
	if !keep {
		s := int64(d / time.Second)
		secs = &s
	}
	if _, err := p.db.ExecContext(ctx, `
		INSERT INTO retention_periods (tenant_id, kind, period_seconds, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id, kind) DO UPDATE SET period_seconds = excluded.period_seconds, updated_at = excluded.updated_at`,
		tenantID, string(kind), secs, p.db.Now()); err != nil {
		return fmt.Errorf("set retention of %s: %w", kind, sqlstore.Translate(err))
	}
	return nil
}

// Reset returns kind in tenantID to the default period.
func (p *Periods) Reset(ctx context.Context, tenantID string, kind privacy.Kind) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	if _, err := p.db.ExecContext(ctx, `DELETE FROM retention_periods WHERE tenant_id = $1 AND kind = $2`, tenantID, string(kind)); err != nil {
		return fmt.Errorf("reset retention of %s: %w", kind, err)
	}
	return nil
}

// List returns every kind's period in tenantID, in the order of Kinds.
func (p *Periods) List(ctx context.Context, tenantID string) ([]Period, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT kind, period_seconds FROM retention_periods WHERE tenant_id = $1`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list retention periods: %w", err)
	}
	defer rows.Close()
	own := map[privacy.Kind]*int64{}
	for rows.Next() {
		var kind string
		var secs *int64
		if err := rows.Scan(&kind, &secs); err != nil {
			return nil, fmt.Errorf("list retention periods: %w", err)
		}
		own[privacy.Kind(kind)] = secs
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list retention periods: %w", err)
	}
	out := make([]Period, 0, len(Kinds()))
	for _, k := range Kinds() {
		secs, set := own[k]
		switch {
		case set && secs == nil:
			out = append(out, Period{Kind: k, Keep: true})
		case set:
			out = append(out, Period{Kind: k, Duration: time.Duration(*secs) * time.Second})
		default:
			d, ok := p.defaults[k]
			out = append(out, Period{Kind: k, Duration: d, Keep: !ok, Default: true})
		}
	}
	return out, nil
}

// LogEntry is one batch the job deleted: counts, never content.
type LogEntry struct {
	Kind    privacy.Kind
	Deleted int
	Cutoff  time.Time
	At      time.Time
}

// Log returns tenantID's last limit log entries, newest first.
func (p *Periods) Log(ctx context.Context, tenantID string, limit int) ([]LogEntry, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT kind, deleted, cutoff, created_at FROM retention_log
		WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, tenantID, limit)
	if err != nil {
		return nil, fmt.Errorf("read retention log: %w", err)
	}
	defer rows.Close()
	var out []LogEntry
	for rows.Next() {
		var e LogEntry
		var kind string
		if err := rows.Scan(&kind, &e.Deleted, &e.Cutoff, &e.At); err != nil {
			return nil, fmt.Errorf("read retention log: %w", err)
		}
		e.Kind = privacy.Kind(kind)
		out = append(out, e)
	}
	return out, rows.Err()
}
