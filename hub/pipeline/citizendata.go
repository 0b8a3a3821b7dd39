package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/sqlstore"
)

// The citizen's archive (docs/citizen-archive.md): the cases a vendor
// made for the citizen, their submissions with data and attachments, and
// their timelines.

type caseItem struct {
	ID            string    `json:"id"`
	CaseNumber    string    `json:"caseNumber"`
	ClientID      string    `json:"clientId"`
	DestinationID string    `json:"destinationId"`
	LeikaKey      string    `json:"leikaKey"`
	CreatedAt     time.Time `json:"createdAt"`
}

type submissionItem struct {
	ID          string          `json:"id"`
	CaseID      string          `json:"caseId"`
	ClientID    string          `json:"clientId"`
	LeikaKey    string          `json:"leikaKey"`
	ServiceName string          `json:"serviceName"`
	State       string          `json:"state"`
	ContentType string          `json:"contentType,omitempty"`
	Data        json.RawMessage `json:"data,omitempty"`     // the data when it is JSON
	DataFile    string          `json:"dataFile,omitempty"` // else the file that holds it
	CreatedAt   time.Time       `json:"createdAt"`
	SubmittedAt *time.Time      `json:"submittedAt,omitempty"`
	ForwardedAt *time.Time      `json:"forwardedAt,omitempty"`
	DecidedAt   *time.Time      `json:"decidedAt,omitempty"`
	ExpiresAt   time.Time       `json:"expiresAt"`
}

type attachmentItem struct {
	SubmissionID string    `json:"submissionId"`
	AttachmentID string    `json:"attachmentId"`
	Filename     string    `json:"filename,omitempty"`
	MimeType     string    `json:"mimeType"`
	Size         int64     `json:"size"`
	SHA256       string    `json:"sha256"`
	File         string    `json:"file,omitempty"` // empty when the content is deleted
	CreatedAt    time.Time `json:"createdAt"`
}

type eventItem struct {
	ID           string          `json:"id"`
	CaseID       string          `json:"caseId"`
	Seq          int             `json:"seq"`
	Type         string          `json:"type"`
	SubmissionID string          `json:"submissionId,omitempty"`
	Actor        string          `json:"actor"`
	Data         json.RawMessage `json:"data"`
	CreatedAt    time.Time       `json:"createdAt"`
}

// citizenCases selects the ids of a citizen's cases ($1 tenant, $2 citizen).
const citizenCases = `SELECT id FROM cases WHERE tenant_id = $1 AND citizen_id = $2`

// ExportCitizen writes the sections "cases", "submissions",
// "submissionAttachments" (with their files) and "caseEvents".
func (s *Store) ExportCitizen(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := privacy.Steps(ctx, tenantID, citizenID, a, s.exportCases, s.exportSubmissions, s.exportAttachments, s.exportEvents); err != nil {
		return fmt.Errorf("export cases: %w", err)
	}
	return nil
}

func (s *Store) exportCases(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := a.Section("cases"); err != nil {
		return err
	}
	return sqlstore.EachRow(ctx, s.db, func(rows *sql.Rows) error {
		var c caseItem
		if err := rows.Scan(&c.ID, &c.CaseNumber, &c.ClientID, &c.DestinationID, &c.LeikaKey, &c.CreatedAt); err != nil {
			return err
		}
		return a.Add(c)
	}, `SELECT id, case_number, client_id, destination_id, leika_key, created_at FROM cases
		WHERE tenant_id = $1 AND citizen_id = $2 ORDER BY created_at, id`, tenantID, citizenID)
}

func (s *Store) exportSubmissions(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := a.Section("submissions"); err != nil {
		return err
	}
	return sqlstore.EachRow(ctx, s.db, func(rows *sql.Rows) error {
		var it submissionItem
		var data []byte
		var ctype sql.NullString
		var submitted, forwarded, decided sql.NullTime
		if err := rows.Scan(&it.ID, &it.CaseID, &it.ClientID, &it.LeikaKey, &it.ServiceName, &it.State, &data, &ctype,
			&it.CreatedAt, &submitted, &forwarded, &decided, &it.ExpiresAt); err != nil {
			return err
		}
		it.ContentType = ctype.String
		it.SubmittedAt, it.ForwardedAt, it.DecidedAt = timePtr(submitted), timePtr(forwarded), timePtr(decided)
		switch {
		case data == nil:
		case strings.Contains(it.ContentType, "json") && json.Valid(data):
			it.Data = data
		default:
			id := it.ID // read again when the file is written: memory stays bounded
			it.DataFile = a.File("antraege/"+id, "daten"+extension(it.ContentType), func(ctx context.Context) ([]byte, error) {
				var b []byte
				err := s.db.QueryRowContext(ctx, `SELECT data FROM submissions WHERE tenant_id = $1 AND id = $2`, tenantID, id).Scan(&b)
				return b, err
			})
		}
		return a.Add(it)
	}, `SELECT id, case_id, client_id, leika_key, service_name, state, data, content_type, created_at, submitted_at,
		forwarded_at, decided_at, expires_at FROM submissions
		WHERE tenant_id = $1 AND case_id IN (`+citizenCases+`) ORDER BY created_at, id`, tenantID, citizenID)
}

func (s *Store) exportAttachments(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := a.Section("submissionAttachments"); err != nil {
		return err
	}
	return sqlstore.EachRow(ctx, s.db, func(rows *sql.Rows) error {
		var it attachmentItem
		var name sql.NullString
		var stored bool
		if err := rows.Scan(&it.SubmissionID, &it.AttachmentID, &name, &it.MimeType, &it.Size, &it.SHA256, &stored, &it.CreatedAt); err != nil {
			return err
		}
		it.Filename = name.String
		if stored {
			file := it.Filename
			if file == "" {
				file = it.AttachmentID + extension(it.MimeType)
			}
			sub, att := it.SubmissionID, it.AttachmentID
			it.File = a.File("antraege/"+sub+"/anlagen", file, func(ctx context.Context) ([]byte, error) {
				return s.attachmentContent(ctx, tenantID, sub, att)
			})
		}
		return a.Add(it)
	}, `SELECT submission_id, attachment_id, filename, mime_type, size, sha256, content IS NOT NULL, created_at FROM attachments
		WHERE tenant_id = $1 AND submission_id IN (SELECT id FROM submissions WHERE case_id IN (`+citizenCases+`))
		ORDER BY submission_id, created_at, attachment_id`, tenantID, citizenID)
}

// attachmentContent reads one attachment's content for the archive.
func (s *Store) attachmentContent(ctx context.Context, tenantID, submissionID, attachmentID string) ([]byte, error) {
	var b []byte
	err := s.db.QueryRowContext(ctx, `SELECT content FROM attachments WHERE tenant_id = $1 AND submission_id = $2 AND attachment_id = $3`,
		tenantID, submissionID, attachmentID).Scan(&b)
	if err != nil {
		return nil, fmt.Errorf("read attachment %s: %w", attachmentID, err)
	}
	return b, nil
}

func (s *Store) exportEvents(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := a.Section("caseEvents"); err != nil {
		return err
	}
	return sqlstore.EachRow(ctx, s.db, func(rows *sql.Rows) error {
		var it eventItem
		var sub sql.NullString
		var data string
		if err := rows.Scan(&it.ID, &it.CaseID, &it.Seq, &it.Type, &sub, &it.Actor, &data, &it.CreatedAt); err != nil {
			return err
		}
		it.SubmissionID, it.Data = sub.String, json.RawMessage(data)
		return a.Add(it)
	}, `SELECT id, case_id, seq, type, submission_id, actor, data, created_at FROM case_events
		WHERE tenant_id = $1 AND case_id IN (`+citizenCases+`) ORDER BY case_id, seq`, tenantID, citizenID)
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

// extension names a file's ending by its media type, for content stored
// without a name.
func extension(mimeType string) string {
	switch {
	case strings.Contains(mimeType, "json"):
		return ".json"
	case strings.Contains(mimeType, "xml"):
		return ".xml"
	case mimeType == "application/pdf":
		return ".pdf"
	case mimeType == "image/png":
		return ".png"
	case mimeType == "image/jpeg":
		return ".jpg"
	case strings.HasPrefix(mimeType, "text/"):
		return ".txt"
	}
	return ".bin"
}
