package fitconnect

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub/sqlstore"
)

// The states of a row: where forwarding one submission stands.
const (
	stateReceived  = "received"  // taken from the queue, not yet at FIT-Connect
	stateCreated   = "created"   // created at FIT-Connect, not yet submitted
	stateSubmitted = "submitted" // submitted; its event log is mirrored
	stateAccepted  = "accepted"  // final
	stateRejected  = "rejected"  // final
)

// item is one submission the connector took over.
type item struct {
	SubmissionID, TenantID, DestinationID, CaseID, TraceParent string
	Message                                                    []byte
	State                                                      string
	FITSubmissionID, FITCaseID                                 string
	EventsMirrored, Attempts                                   int
}

// store keeps the connector's table.
type store struct{ db *sqlstore.DB }

// take records a submission once; it reports false when it was there
// already (a redelivery, or the hub sending it again).
func (s *store) take(ctx context.Context, it item, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `
		INSERT INTO fitconnect_outbound (submission_id, tenant_id, destination_id, case_id, trace_parent, message, state,
			events_mirrored, attempts, last_error, next_attempt_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, '', $8, $8, $8)
		ON CONFLICT (submission_id) DO NOTHING`,
		it.SubmissionID, it.TenantID, it.DestinationID, it.CaseID, it.TraceParent, it.Message, stateReceived, now.UTC())
	if err != nil {
		return false, fmt.Errorf("take submission %s: %w", it.SubmissionID, sqlstore.Translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("take submission %s: %w", it.SubmissionID, err)
	}
	return n == 1, nil
}

// claimDue returns up to limit unfinished submissions of the destination
// whose next attempt is due, each leased to this caller until lease: the
// lease moves next_attempt_at, so that another process skips them.
func (s *store) claimDue(ctx context.Context, destinationID string, now, lease time.Time, limit int) ([]item, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT submission_id FROM fitconnect_outbound
		WHERE destination_id = $1 AND state IN ($2, $3, $4) AND next_attempt_at <= $5
		ORDER BY next_attempt_at LIMIT $6`,
		destinationID, stateReceived, stateCreated, stateSubmitted, now.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("find due submissions: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find due submissions: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find due submissions: %w", err)
	}
	var out []item
	for _, id := range ids {
		res, err := s.db.ExecContext(ctx, `UPDATE fitconnect_outbound SET next_attempt_at = $2
			WHERE submission_id = $1 AND next_attempt_at <= $3`, id, lease.UTC(), now.UTC())
		if err != nil {
			return out, fmt.Errorf("lease submission %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			continue // another process took it
		}
		it, err := s.load(ctx, id)
		if err != nil {
			return out, err
		}
		out = append(out, it)
	}
	return out, nil
}

func (s *store) load(ctx context.Context, id string) (item, error) {
	var it item
	var fitSub, fitCase sql.NullString
	err := s.db.QueryRowContext(ctx, `
		SELECT submission_id, tenant_id, destination_id, case_id, trace_parent, message, state,
			fit_submission_id, fit_case_id, events_mirrored, attempts
		FROM fitconnect_outbound WHERE submission_id = $1`, id).Scan(&it.SubmissionID, &it.TenantID, &it.DestinationID,
		&it.CaseID, &it.TraceParent, &it.Message, &it.State, &fitSub, &fitCase, &it.EventsMirrored, &it.Attempts)
	if err != nil {
		return it, fmt.Errorf("load submission %s: %w", id, err)
	}
	it.FITSubmissionID, it.FITCaseID = fitSub.String, fitCase.String
	return it, nil
}

// advance stores the outcome of a successful step: the new state, FIT-
// Connect's ids, how much of the event log was handled, and when to look
// again. Once submitted, the message (personal data) is dropped.
func (s *store) advance(ctx context.Context, it item, next, now time.Time) error {
	var fitSub, fitCase any
	if it.FITSubmissionID != "" {
		fitSub, fitCase = it.FITSubmissionID, it.FITCaseID
	}
	_, err := s.db.ExecContext(ctx, `
		UPDATE fitconnect_outbound SET state = $2, fit_submission_id = $3, fit_case_id = $4, events_mirrored = $5,
			message = CASE WHEN $2 = 'received' OR $2 = 'created' THEN message END,
			attempts = 0, last_error = '', next_attempt_at = $6, updated_at = $7
		WHERE submission_id = $1`,
		it.SubmissionID, it.State, fitSub, fitCase, it.EventsMirrored, next.UTC(), now.UTC())
	if err != nil {
		return fmt.Errorf("store progress of submission %s: %w", it.SubmissionID, err)
	}
	return nil
}

// failed records a failed attempt and when to try again.
func (s *store) failed(ctx context.Context, id string, attempts int, reason string, next, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE fitconnect_outbound SET attempts = $2, last_error = $3, next_attempt_at = $4,
		updated_at = $5 WHERE submission_id = $1`, id, attempts, reason, next.UTC(), now.UTC())
	if err != nil {
		return fmt.Errorf("store failure of submission %s: %w", id, err)
	}
	return nil
}
