package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Status reports that cannot be applied in the Fachverfahren's order yet
// (hub.Submission.ReportStatus) wait in held_statuses; the submission
// counts them, so that a submission without held reports costs no read.

// releaseHeld offers sub's held status reports to the rules once it is
// decided (hub.Submission.ReleaseHeld) and returns how many they let go
// of; skipGaps gives up waiting for a missing sequence number.
func (s *Store) releaseHeld(ctx context.Context, tx *sqlstore.Tx, sub *hub.Submission, skipGaps bool) (int, error) {
	if sub.Held <= 0 || sub.State != hub.StateAccepted && sub.State != hub.StateRejected {
		return 0, nil
	}
	held, err := loadHeld(ctx, tx, sub.ID)
	if err != nil {
		return 0, err
	}
	return len(sub.ReleaseHeld(held, skipGaps)), nil
}

func loadHeld(ctx context.Context, tx *sqlstore.Tx, submissionID string) ([]hub.StatusReport, error) {
	rows, err := tx.QueryContext(ctx, `SELECT message_id, status, message, sequence, status_time, received_at
		FROM held_statuses WHERE submission_id = $1`, submissionID)
	if err != nil {
		return nil, fmt.Errorf("load held statuses of %s: %w", submissionID, err)
	}
	defer rows.Close()
	var out []hub.StatusReport
	for rows.Next() {
		var r hub.StatusReport
		if err := rows.Scan(&r.MessageID, &r.Status, &r.Message, &r.Sequence, &r.Time, &r.ReceivedAt); err != nil {
			return nil, fmt.Errorf("load held statuses of %s: %w", submissionID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// persistHeld writes the reports the rules held and deletes the ones they
// released. A report held and released in the same change touches no row.
func (s *Store) persistHeld(ctx context.Context, tx *sqlstore.Tx, sub *hub.Submission, ch hub.Changes) error {
	released := make(map[string]bool, len(ch.Released))
	for _, r := range ch.Released {
		released[r.MessageID] = true
	}
	now := s.db.Now()
	for _, r := range ch.Hold {
		if released[r.MessageID] {
			delete(released, r.MessageID)
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO held_statuses
			(submission_id, message_id, tenant_id, status, message, sequence, status_time, received_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			sub.ID, r.MessageID, sub.TenantID, r.Status, r.Message, r.Sequence, r.Time, now); err != nil {
			return fmt.Errorf("hold status of %s: %w", sub.ID, err)
		}
	}
	if len(released) == 0 {
		return nil
	}
	args := []any{sub.ID}
	for id := range released {
		args = append(args, id)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM held_statuses WHERE submission_id = $1 AND message_id IN (`+
		sqlstore.Placeholders(2, len(released))+`)`, args...); err != nil {
		return fmt.Errorf("release held statuses of %s: %w", sub.ID, err)
	}
	return nil
}

// ReleaseOverdue stops waiting for missing status numbers: for up to limit
// decided submissions with a status report held since before cutoff, it
// applies their held reports in order across the gaps. It returns how many
// submissions it released.
func (s *Store) ReleaseOverdue(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	n := 0
	err := s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		n = 0
		ids, err := overdueHeld(ctx, tx, cutoff, limit)
		if err != nil {
			return err
		}
		for _, id := range ids {
			sub, err := loadSubmission(ctx, tx, id, true)
			if hub.IsCode(err, hub.ENOTFOUND) {
				// Gone (deleted by retention): its held reports go with it.
				if _, err := tx.ExecContext(ctx, `DELETE FROM held_statuses WHERE submission_id = $1`, id); err != nil {
					return fmt.Errorf("drop held statuses of %s: %w", id, err)
				}
				continue
			}
			if err != nil {
				return err
			}
			released, err := s.releaseHeld(ctx, tx, sub, true)
			if err != nil {
				return err
			}
			if released > 0 {
				n++
			}
			if err := s.persist(ctx, tx, sub); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// overdueHeld finds submissions with a report held since before cutoff
// that may be released (decided), or that no longer exist.
func overdueHeld(ctx context.Context, tx *sqlstore.Tx, cutoff time.Time, limit int) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT h.submission_id FROM held_statuses h
		LEFT JOIN submissions s ON s.id = h.submission_id
		WHERE h.received_at <= $1 AND (s.id IS NULL OR s.state IN ($2, $3))
		ORDER BY h.submission_id LIMIT `+fmt.Sprint(limit), cutoff, hub.StateAccepted.String(), hub.StateRejected.String())
	if err != nil {
		return nil, fmt.Errorf("find overdue held statuses: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find overdue held statuses: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
