package pipeline

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/hub/telemetry"
)

// appendEvent adds an event to its case's timeline inside tx, numbering it
// after the case's last event, and queues the vendor's callback.
func (s *Store) appendEvent(ctx context.Context, tx *sqlstore.Tx, e *hub.Event) error {
	return s.appendEvents(ctx, tx, []*hub.Event{e})
}

// appendEvents adds events to their cases' timelines inside tx in three
// statements, whatever their number: number them, insert them, queue their
// callbacks. Events of distinct cases are numbered together; several events
// of one case go one at a time, in order.
func (s *Store) appendEvents(ctx context.Context, tx *sqlstore.Tx, events []*hub.Event) error {
	if len(events) == 0 {
		return nil
	}
	ctx, span := telemetry.Start(ctx, "timeline append")
	defer span.End()
	if span.IsRecording() {
		types := make([]string, len(events))
		for i, e := range events {
			types[i] = e.Type
		}
		span.SetAttributes(attribute.StringSlice("amthub.event.types", types))
	}
	now := s.db.Now()
	byCase := make(map[string]*hub.Event, len(events))
	for i, e := range events {
		if _, dup := byCase[e.CaseID]; dup {
			// A second event of a case: number what came before, then the rest.
			if err := s.appendEvents(ctx, tx, events[:i]); err != nil {
				return err
			}
			return s.appendEvents(ctx, tx, events[i:])
		}
		byCase[e.CaseID] = e
		e.ID, e.CreatedAt = hub.NewID(), now
		if len(e.Data) == 0 {
			e.Data = []byte("{}")
		}
	}
	if err := numberEvents(ctx, tx, byCase); err != nil {
		return err
	}
	const cols = 10
	args := make([]any, 0, cols*len(events))
	for _, e := range events {
		args = append(args, e.ID, e.TenantID, e.CaseID, e.Seq, e.Type, sqlstore.NullString(e.SubmissionID), e.Actor, string(e.Data),
			sqlstore.NullString(e.Token), e.CreatedAt)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO case_events (id, tenant_id, case_id, seq, type, submission_id, actor, data, token, created_at)
		VALUES `+sqlstore.ValueRows(1, len(events), cols), args...); err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	return s.queueCallbacks(ctx, tx, events, now)
}

// numberEvents gives each event (one per case) the next number of its case.
func numberEvents(ctx context.Context, tx *sqlstore.Tx, byCase map[string]*hub.Event) error {
	ids := make([]any, 0, len(byCase))
	for id := range byCase {
		ids = append(ids, id)
	}
	rows, err := tx.QueryContext(ctx, `UPDATE cases SET next_seq = next_seq + 1 WHERE id IN (`+sqlstore.Placeholders(1, len(ids))+`)
		RETURNING id, next_seq - 1`, ids...)
	if err != nil {
		return fmt.Errorf("number events: %w", err)
	}
	defer rows.Close()
	numbered := 0
	for rows.Next() {
		var id string
		var seq int
		if err := rows.Scan(&id, &seq); err != nil {
			return fmt.Errorf("number events: %w", err)
		}
		if e := byCase[id]; e != nil {
			e.Seq = seq
			numbered++
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("number events: %w", err)
	}
	if numbered != len(byCase) {
		return fmt.Errorf("number events: %d of %d cases found", numbered, len(byCase))
	}
	return nil
}

// ListEvents returns up to limit events of a case after seq afterSeq, for
// the client that owns the case. Another client's case is not found.
func (s *Store) ListEvents(ctx context.Context, tenantID, clientID, caseID string, afterSeq, limit int) ([]hub.Event, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM cases WHERE tenant_id = $1 AND client_id = $2 AND id = $3`,
		tenantID, clientID, caseID).Scan(&n); err != nil {
		return nil, fmt.Errorf("find case: %w", err)
	}
	if n == 0 {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "case_not_found", Message: "No such case."}
	}
	return s.listEvents(ctx, tenantID, caseID, afterSeq, limit)
}

// listEvents reads up to limit events of a case after seq afterSeq.
func (s *Store) listEvents(ctx context.Context, tenantID, caseID string, afterSeq, limit int) ([]hub.Event, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, seq, type, submission_id, actor, data, token, created_at FROM case_events
		WHERE case_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, caseID, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var out []hub.Event
	for rows.Next() {
		e := hub.Event{TenantID: tenantID, CaseID: caseID}
		var sub, tok *string
		var data string
		if err := rows.Scan(&e.ID, &e.Seq, &e.Type, &sub, &e.Actor, &data, &tok, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("scan event: %w", err)
		}
		e.SubmissionID, e.Token, e.Data = sqlstore.Deref(sub), sqlstore.Deref(tok), []byte(data)
		out = append(out, e)
	}
	return out, rows.Err()
}

// RecordEvent appends an event that changes no state, in its own
// transaction.
func (s *Store) RecordEvent(ctx context.Context, e *hub.Event) error {
	return s.db.InTx(ctx, func(tx *sqlstore.Tx) error { return s.appendEvent(ctx, tx, e) })
}

// CaseSummary is one line of a citizen's "my applications". The
// destination's name is the catalogue's: callers look it up by DestinationID.
type CaseSummary struct {
	CaseID, CaseNumber, DestinationID string
	LeikaKey, ServiceName             string
	State                             hub.State
	CreatedAt                         time.Time
}

// ListCitizenCases returns the cases a vendor opened on behalf of a
// citizen (by consent), newest first, with their latest submission state.
func (s *Store) ListCitizenCases(ctx context.Context, tenantID, citizenID string) ([]CaseSummary, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT c.id, c.case_number, c.destination_id, c.leika_key, sub.service_name, sub.state, c.created_at
		FROM cases c
		JOIN submissions sub ON sub.case_id = c.id
		WHERE c.tenant_id = $1 AND c.citizen_id = $2
		ORDER BY c.created_at DESC, c.id`, tenantID, citizenID)
	if err != nil {
		return nil, fmt.Errorf("list citizen cases: %w", err)
	}
	defer rows.Close()
	var out []CaseSummary
	for rows.Next() {
		var c CaseSummary
		var state string
		if err := rows.Scan(&c.CaseID, &c.CaseNumber, &c.DestinationID, &c.LeikaKey, &c.ServiceName, &state, &c.CreatedAt); err != nil {
			return nil, fmt.Errorf("list citizen cases: %w", err)
		}
		if c.State, err = hub.ParseState(state); err != nil {
			return nil, fmt.Errorf("list citizen cases: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ListCaseEventsForCitizen returns a case's timeline for the citizen it
// belongs to; another citizen's case is not found.
func (s *Store) ListCaseEventsForCitizen(ctx context.Context, tenantID, citizenID, caseID string) ([]hub.Event, error) {
	var client string
	err := s.db.QueryRowContext(ctx, `SELECT client_id FROM cases WHERE tenant_id = $1 AND citizen_id = $2 AND id = $3`,
		tenantID, citizenID, caseID).Scan(&client)
	if sqlstore.ErrNoRows(err) {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "case_not_found", Message: "No such case."}
	}
	if err != nil {
		return nil, fmt.Errorf("find case: %w", err)
	}
	return s.ListEvents(ctx, tenantID, client, caseID, 0, 1000)
}

// AppendEventTx appends an event to a case's timeline inside the caller's
// transaction: other modules (payments, mailbox) record their state changes
// on the same timeline, atomically with the change. It fills ID, Seq and
// CreatedAt, and queues the vendor's callback.
func (s *Store) AppendEventTx(ctx context.Context, tx *sqlstore.Tx, e *hub.Event) error {
	if e.TenantID == "" || e.CaseID == "" || e.Type == "" || e.Actor == "" {
		return fmt.Errorf("append event: tenant, case, type and actor are required")
	}
	return s.appendEvent(ctx, tx, e)
}
