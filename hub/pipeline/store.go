package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Store is the pipeline's own storage: cases, submissions, attachments,
// case timelines, callbacks and their deliveries. Rules stay in the domain
// (hub.Submission); the store loads, locks and persists what they decided.
type Store struct {
	db *sqlstore.DB
}

// NewStore returns the pipeline's store on db.
func NewStore(db *sqlstore.DB) *Store { return &Store{db: db} }

// CreateSubmission stores a new incomplete submission with its case and
// the submission.created event. With an idempotency key already used by the
// same client for the same request, it returns the earlier submission and
// created=false; for a different request, EUNPROCESSABLE.
//
// A first request costs no lookup: the key's unique index refuses a retry,
// and only then is the earlier submission read.
func (s *Store) CreateSubmission(ctx context.Context, sub *hub.Submission, idemKey, requestHash string) (created bool, err error) {
	now := s.db.Now()
	sub.Open(now)
	announced, _ := json.Marshal(sub.AnnouncedAttachments)
	err = s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := insertCase(ctx, tx, sub); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO submissions (id, tenant_id, case_id, client_id, destination_id, leika_key, service_name,
				state, announced, idempotency_key, request_hash, expires_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			sub.ID, sub.TenantID, sub.CaseID, sub.ClientID, sub.DestinationID, sub.ServiceType.Identifier,
			sub.ServiceType.Name, sub.State.String(), string(announced), sqlstore.NullString(idemKey), requestHash, sub.ExpiresAt, now); err != nil {
			return fmt.Errorf("insert submission: %w", err)
		}
		return s.appendEvents(ctx, tx, sub.Pending().Events)
	})
	if hub.IsCode(err, hub.ECONFLICT) && idemKey != "" {
		// A retry, or a concurrent request with the same key that won.
		prev, ferr := s.findByIdempotencyKey(ctx, sub.TenantID, sub.ClientID, idemKey, requestHash)
		switch {
		case ferr != nil:
			return false, ferr
		case prev != nil:
			*sub = *prev
			return false, nil
		}
		return false, err // a conflict of something else
	}
	return err == nil, err
}

func (s *Store) findByIdempotencyKey(ctx context.Context, tenantID, clientID, key, hash string) (*hub.Submission, error) {
	id, err := s.db.FindIdempotent(ctx, "submissions", tenantID, clientID, key, hash)
	if err != nil || id == "" {
		return nil, err
	}
	return s.FindSubmission(ctx, tenantID, clientID, id)
}

// caseNumberAlphabet is Crockford's base32: no I, L, O, U to misread.
const caseNumberAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newCaseNumber returns a short, human-readable case number such as
// "2026-7KQ4-M9XD": the year and 40 random bits, so numbers reveal nothing
// about volume and need no counter.
func newCaseNumber(now time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	out := make([]byte, 0, 14)
	out = fmt.Appendf(out, "%d-", now.Year())
	for i := 0; i < 8; i++ {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, caseNumberAlphabet[b[i]&31])
	}
	return string(out)
}

func insertCase(ctx context.Context, tx *sqlstore.Tx, sub *hub.Submission) error {
	for attempt := 0; ; attempt++ {
		sub.CaseNumber = newCaseNumber(sub.CreatedAt)
		// A (very unlikely) duplicate number inserts nothing and is retried
		// with another; no savepoint, no aborted transaction.
		var id string
		err := tx.QueryRowContext(ctx, `
			INSERT INTO cases (id, tenant_id, case_number, client_id, citizen_id, destination_id, leika_key, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (tenant_id, case_number) DO NOTHING RETURNING id`,
			sub.CaseID, sub.TenantID, sub.CaseNumber, sub.ClientID, sqlstore.NullString(sub.CitizenID), sub.DestinationID,
			sub.ServiceType.Identifier, sub.CreatedAt).Scan(&id)
		if err == nil {
			return nil
		}
		if !sqlstore.ErrNoRows(err) {
			return fmt.Errorf("insert case: %w", err)
		}
		if attempt == 4 {
			return fmt.Errorf("insert case: no free case number after %d attempts", attempt+1)
		}
	}
}

// FindSubmission returns a submission owned by clientID. Another client's
// or tenant's submission is not found (404, never 403).
func (s *Store) FindSubmission(ctx context.Context, tenantID, clientID, id string) (*hub.Submission, error) {
	return findSubmission(ctx, s.db, tenantID, clientID, id, false)
}

// findSubmission reads a submission of clientID with its attachments'
// metadata; see loadSubmission.
func findSubmission(ctx context.Context, q sqlstore.Querier, tenantID, clientID, id string, lock bool) (*hub.Submission, error) {
	sub, err := loadSubmission(ctx, q, id, lock)
	if err != nil {
		return nil, err
	}
	if err := sub.CheckOwner(tenantID, clientID); err != nil {
		return nil, err
	}
	return sub, nil
}

// loadSubmission reads a submission with its attachments' metadata (not
// its data). With lock, inside a transaction, it also locks the
// submission's row for the rest of the transaction (PostgreSQL; SQLite's
// write transactions are already exclusive), so that its state is read and
// changed by one transaction at a time.
func loadSubmission(ctx context.Context, q sqlstore.Querier, id string, lock bool) (*hub.Submission, error) {
	sub := &hub.Submission{ID: id}
	var announced, state string
	var contentType, dataHash, status, metadata *string
	var submittedAt, forwardedAt, decidedAt, contentDeletedAt, statusTime sqlstore.NullTime
	// By primary key alone, owner checked by the caller: with the owner in
	// the WHERE clause PostgreSQL's generic plan for the prepared statement
	// chose the (tenant, client, idempotency key) index and filtered the
	// vendor's every submission by id — a lookup growing with the table.
	err := q.QueryRowContext(ctx, `
		SELECT s.tenant_id, s.client_id, s.case_id, c.case_number, s.destination_id, s.leika_key, s.service_name, s.state,
			s.announced, s.content_type, s.data_hash, s.expires_at, s.created_at, s.submitted_at, s.forwarded_at, s.decided_at,
			s.deliveries, s.content_deleted_at, s.status, s.status_sequence, s.status_time, s.held_statuses,
			s.encrypted_metadata, s.pickup
		FROM submissions s JOIN cases c ON c.id = s.case_id
		WHERE s.id = $1`+lockClause(q, lock), id).Scan(
		&sub.TenantID, &sub.ClientID, &sub.CaseID, &sub.CaseNumber, &sub.DestinationID, &sub.ServiceType.Identifier, &sub.ServiceType.Name,
		&state, &announced, &contentType, &dataHash, &sub.ExpiresAt, &sub.CreatedAt, &submittedAt, &forwardedAt, &decidedAt,
		&sub.Deliveries, &contentDeletedAt, &status, &sub.StatusSequence, &statusTime, &sub.Held,
		&metadata, &sub.Pickup)
	if sqlstore.ErrNoRows(err) {
		return nil, hub.ErrSubmissionNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("find submission: %w", err)
	}
	if sub.State, err = hub.ParseState(state); err != nil {
		return nil, fmt.Errorf("find submission %s: %w", id, err)
	}
	if err := json.Unmarshal([]byte(announced), &sub.AnnouncedAttachments); err != nil {
		return nil, fmt.Errorf("find submission %s: announced attachments: %w", id, err)
	}
	sub.ContentType, sub.DataHash = sqlstore.Deref(contentType), sqlstore.Deref(dataHash)
	sub.EncryptedMetadata = sqlstore.Deref(metadata)
	sub.SubmittedAt, sub.ForwardedAt, sub.DecidedAt = submittedAt.Ptr(), forwardedAt.Ptr(), decidedAt.Ptr()
	sub.ContentDeletedAt = contentDeletedAt.Ptr()
	sub.Status, sub.StatusTime = sqlstore.Deref(status), statusTime.Ptr()
	if len(sub.AnnouncedAttachments) == 0 {
		return sub, nil // only announced attachments can be uploaded
	}
	rows, err := q.QueryContext(ctx, `
		SELECT attachment_id, filename, mime_type, size, sha256, created_at FROM attachments
		WHERE submission_id = $1 ORDER BY attachment_id`, id)
	if err != nil {
		return nil, fmt.Errorf("find attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a hub.Attachment
		var filename *string
		if err := rows.Scan(&a.ID, &filename, &a.MimeType, &a.Size, &a.SHA256, &a.CreatedAt); err != nil {
			return nil, fmt.Errorf("scan attachment: %w", err)
		}
		a.Filename = sqlstore.Deref(filename)
		sub.Attachments = append(sub.Attachments, a)
	}
	return sub, rows.Err()
}

// lockClause locks the submission's row of a read inside a transaction on
// PostgreSQL.
func lockClause(q sqlstore.Querier, lock bool) string {
	if tx, ok := q.(*sqlstore.Tx); ok && lock && tx.DB().Dialect == sqlstore.Postgres {
		return " FOR UPDATE OF s"
	}
	return ""
}
