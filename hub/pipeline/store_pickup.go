package pipeline

import (
	"context"
	"fmt"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// The methods here serve the FIT-Connect surface, whose subscribers are
// not the vendor that owns a case but the destination it was sent to: they
// find submissions by destination, and the caller checks that the
// principal may act for that destination (subscribe:destination:<id>).

// PickupItem is a submission waiting for its destination's subscriber.
type PickupItem struct {
	SubmissionID, CaseID, DestinationID string
}

// ListForPickup returns the submissions of the destinations that wait for
// pickup (submitted, not yet fetched), oldest first, and how many there
// are in all.
func (s *Store) ListForPickup(ctx context.Context, tenantID string, destinationIDs []string, limit, offset int) ([]PickupItem, int, error) {
	if len(destinationIDs) == 0 {
		return []PickupItem{}, 0, nil
	}
	args := []any{tenantID, hub.StateSubmitted.String()}
	for _, d := range destinationIDs {
		args = append(args, d)
	}
	where := `tenant_id = $1 AND state = $2 AND pickup AND destination_id IN (` + sqlstore.Placeholders(3, len(destinationIDs)) + `)`
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM submissions WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count submissions for pickup: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, case_id, destination_id FROM submissions WHERE `+where+
		fmt.Sprintf(` ORDER BY submitted_at, id LIMIT %d OFFSET %d`, limit, offset), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list submissions for pickup: %w", err)
	}
	defer rows.Close()
	out := []PickupItem{}
	for rows.Next() {
		var it PickupItem
		if err := rows.Scan(&it.SubmissionID, &it.CaseID, &it.DestinationID); err != nil {
			return nil, 0, fmt.Errorf("list submissions for pickup: %w", err)
		}
		out = append(out, it)
	}
	return out, total, rows.Err()
}

// FindTenantSubmission returns a submission of the tenant, whoever owns it;
// the caller checks the principal's right to it. Another tenant's is not
// found.
func (s *Store) FindTenantSubmission(ctx context.Context, tenantID, id string) (*hub.Submission, error) {
	if !hub.ValidID(id) {
		return nil, hub.ErrSubmissionNotFound()
	}
	sub, err := loadSubmission(ctx, s.db, id, false)
	if err != nil {
		return nil, err
	}
	if sub.TenantID != tenantID {
		return nil, hub.ErrSubmissionNotFound()
	}
	return sub, nil
}

// SubmissionData returns the data a submission's destination receives:
// the mapped data, or the JWE of a sealed one.
func (s *Store) SubmissionData(ctx context.Context, id string) ([]byte, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT data FROM submissions WHERE id = $1`, id).Scan(&data)
	if sqlstore.ErrNoRows(err) {
		return nil, hub.ErrSubmissionNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("read data of submission %s: %w", id, err)
	}
	return data, nil
}

// AttachmentContent returns an uploaded attachment's content. An attachment
// whose content was dropped (an expired submission) is not found.
func (s *Store) AttachmentContent(ctx context.Context, submissionID, attachmentID string) ([]byte, error) {
	var content []byte
	err := s.db.QueryRowContext(ctx, `SELECT content FROM attachments WHERE submission_id = $1 AND attachment_id = $2`,
		submissionID, attachmentID).Scan(&content)
	if sqlstore.ErrNoRows(err) || err == nil && content == nil {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "attachment_not_found", Message: "No such attachment."}
	}
	if err != nil {
		return nil, fmt.Errorf("read attachment %s: %w", attachmentID, err)
	}
	return content, nil
}

// CaseEvents returns up to limit events of a case of the tenant, whoever
// owns it; the caller checks the principal's right to the case.
func (s *Store) CaseEvents(ctx context.Context, tenantID, caseID string, limit int) (*hub.Case, []hub.Event, error) {
	if !hub.ValidID(caseID) {
		return nil, nil, hub.ErrCaseNotFound("caseId")
	}
	c, err := s.FindCase(ctx, s.db, caseID)
	if err == nil && c.TenantID != tenantID {
		err = hub.ErrCaseNotFound("caseId")
	}
	if err != nil {
		return nil, nil, err
	}
	events, err := s.listEvents(ctx, tenantID, caseID, 0, limit)
	return c, events, err
}
