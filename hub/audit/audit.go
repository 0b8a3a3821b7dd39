// Package audit is the audit log of every change made through the
// AdminCenter, its API and the CLI: who changed what, when, in which
// tenant, and the object before and after, with secrets and citizens'
// personal data removed (Redact). An entry is written in the transaction of
// the change it records (Record), so that no change is ever without its
// entry. The log can be filtered and exported as CSV.
//
// The package owns the table audit_log.
package audit

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Entry is one recorded change.
type Entry struct {
	ID string
	At time.Time
	// TenantID is the tenant whose data changed; empty for a change of the
	// platform (a new tenant).
	TenantID string
	// ActorID and ActorName say who made the change: a staff person, or
	// "cli" for the command line.
	ActorID, ActorName string
	// Action names the change, "<resource kind>.<verb>" (staff.invited).
	Action string
	// ResourceKind and ResourceID name the changed object.
	ResourceKind, ResourceID string
	// Before and After are the object's state around the change (nil when
	// it did not exist), as given to Record: they are redacted there.
	Before, After any
}

// Record writes e in tx, the transaction of the change it records. Its
// Before and After are redacted (see Redact) before they are stored.
func Record(ctx context.Context, tx *sqlstore.Tx, e Entry) error {
	if e.Action == "" || e.ResourceKind == "" || e.ActorID == "" {
		return fmt.Errorf("audit entry: action, resource kind and actor are required")
	}
	if e.ID == "" {
		e.ID = hub.NewID()
	}
	if e.At.IsZero() {
		e.At = tx.DB().Now()
	}
	before, err := stateJSON(e.Before)
	if err != nil {
		return err
	}
	after, err := stateJSON(e.After)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (id, at, tenant_id, actor_id, actor_name, action, resource_kind,
		resource_id, before_state, after_state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.ID, e.At.UTC(), sqlstore.NullString(e.TenantID), e.ActorID, e.ActorName, e.Action, e.ResourceKind, e.ResourceID, before, after)
	if err != nil {
		return fmt.Errorf("record audit entry %s: %w", e.Action, err)
	}
	return nil
}

func stateJSON(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(Redact(v))
	if err != nil {
		return nil, fmt.Errorf("audit entry state: %w", err)
	}
	if string(b) == "null" {
		return nil, nil
	}
	return string(b), nil
}

// Filter selects entries; zero fields select everything.
type Filter struct {
	// Tenants limits the entries to these tenants; nil means every tenant
	// and the platform's own entries (for platform operators only).
	Tenants []string
	// AllTenants must be set for a nil Tenants to mean "every tenant";
	// without it a nil Tenants selects nothing.
	AllTenants               bool
	ActorID                  string
	Action                   string // an exact action, or a prefix ending in "." (staff.)
	ResourceKind, ResourceID string
	From, To                 time.Time // To is exclusive
	Limit                    int       // default 200, at most 10000
}

// Store reads the audit log.
type Store struct{ db *sqlstore.DB }

// NewStore returns a Store on db (migrated).
func NewStore(db *sqlstore.DB) *Store { return &Store{db: db} }

// List returns the entries f selects, newest first.
func (s *Store) List(ctx context.Context, f Filter) ([]Entry, error) {
	if !f.AllTenants && len(f.Tenants) == 0 {
		return nil, nil
	}
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if !f.AllTenants {
		ph := make([]string, len(f.Tenants))
		for i, t := range f.Tenants {
			ph[i] = arg(t)
		}
		where = append(where, "tenant_id IN ("+strings.Join(ph, ", ")+")")
	}
	if f.ActorID != "" {
		where = append(where, "actor_id = "+arg(f.ActorID))
	}
	if strings.HasSuffix(f.Action, ".") {
		where = append(where, "substr(action, 1, "+fmt.Sprint(len(f.Action))+") = "+arg(f.Action))
	} else if f.Action != "" {
		where = append(where, "action = "+arg(f.Action))
	}
	if f.ResourceKind != "" {
		where = append(where, "resource_kind = "+arg(f.ResourceKind))
	}
	if f.ResourceID != "" {
		where = append(where, "resource_id = "+arg(f.ResourceID))
	}
	if !f.From.IsZero() {
		where = append(where, "at >= "+arg(f.From.UTC()))
	}
	if !f.To.IsZero() {
		where = append(where, "at < "+arg(f.To.UTC()))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 200
	}
	limit = min(limit, 10000)
	q := `SELECT id, at, COALESCE(tenant_id, ''), actor_id, actor_name, action, resource_kind, resource_id,
		COALESCE(before_state, 'null'), COALESCE(after_state, 'null') FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY at DESC, id DESC LIMIT %d", limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var before, after string
		if err := rows.Scan(&e.ID, &e.At, &e.TenantID, &e.ActorID, &e.ActorName, &e.Action, &e.ResourceKind,
			&e.ResourceID, &before, &after); err != nil {
			return nil, fmt.Errorf("list audit entries: %w", err)
		}
		e.Before, e.After = json.RawMessage(before), json.RawMessage(after)
		if before == "null" {
			e.Before = nil
		}
		if after == "null" {
			e.After = nil
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CSVHeader names the columns WriteCSV writes.
var CSVHeader = []string{"id", "at", "tenant", "actor_id", "actor", "action", "resource_kind", "resource_id", "before", "after"}

// WriteCSV writes entries as CSV (RFC 4180) with a header row. Cells that
// a spreadsheet would run as a formula are prefixed with a quote.
func WriteCSV(w io.Writer, entries []Entry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, e := range entries {
		if err := cw.Write([]string{e.ID, e.At.UTC().Format(time.RFC3339), e.TenantID, e.ActorID, cell(e.ActorName),
			cell(e.Action), e.ResourceKind, cell(e.ResourceID), cell(rawString(e.Before)), cell(rawString(e.After))}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func rawString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case json.RawMessage:
		return string(v)
	default:
		b, _ := json.Marshal(Redact(v))
		return string(b)
	}
}

// cell defuses spreadsheet formulas (CSV injection).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
