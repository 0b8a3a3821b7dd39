package registers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/amthub/amthub/hub"
)

// audit is one query's audit entry being assembled.
type audit struct {
	id        string
	principal *hub.Principal
	register  string
	req       QueryRequest
	outcome   string
	start     time.Time
}

// AuditEntry is one line of the audit log. It never holds the answer, nor
// the queried person's data in clear: SubjectHash identifies the person
// (see SubjectHash) so that their queries can be found on request.
type AuditEntry struct {
	ID          string
	ClientID    string
	Subject     string // who acted: the client, or the citizen it acted for
	CitizenID   string // set when the query ran on the citizen's consent
	Register    string
	LegalBasis  string
	Purpose     string
	CaseID      string
	SubjectHash string
	Outcome     string // found, not_found, refused, timeout, unavailable, error
	Duration    time.Duration
	CreatedAt   time.Time
}

// SubjectHash returns the keyed hash that stands for the person or company
// a query was about: the register name and the query parameters,
// normalised (trimmed, lower case, sorted by name).
func (s *Service) SubjectHash(register string, params map[string]string) string {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	slices.Sort(names)
	m := hmac.New(sha256.New, s.cfg.AuditKey)
	m.Write([]byte(register))
	for _, k := range names {
		fmt.Fprintf(m, "\x00%s=%s", k, strings.ToLower(strings.TrimSpace(params[k])))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// writeAudit stores an audit entry. It uses a context that outlives the
// caller's cancellation: a query that reached the register is logged.
func (s *Service) writeAudit(ctx context.Context, a *audit) error {
	p := a.principal
	var citizen, caseID, token any
	if a.req.LegalBasis == LegalBasisConsent && p.Subject != p.ClientID && p.Subject != "" {
		citizen = p.Subject
	}
	if a.req.CaseID != "" {
		caseID = a.req.CaseID
	}
	if p.TokenID != "" {
		token = p.TokenID
	}
	now := s.cfg.Now()
	_, err := s.db.ExecContext(context.WithoutCancel(ctx), `INSERT INTO register_audit (id, tenant_id, client_id, subject, citizen_id,
		register, legal_basis, purpose, case_id, subject_hash, outcome, duration_ms, token_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		a.id, p.TenantID, p.ClientID, p.Subject, citizen, a.register, a.req.LegalBasis, a.req.Purpose, caseID,
		s.SubjectHash(a.register, a.req.Query), a.outcome, now.Sub(a.start).Milliseconds(), token, a.start.UTC())
	if err != nil {
		return fmt.Errorf("write register audit: %w", err)
	}
	return nil
}

// AuditLog returns the newest audit entries of a tenant, up to limit;
// with subjectHash set, only those about that person or company.
func (s *Service) AuditLog(ctx context.Context, tenantID, subjectHash string, limit int) ([]AuditEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, client_id, subject, citizen_id, register, legal_basis, purpose, case_id,
		subject_hash, outcome, duration_ms, created_at FROM register_audit
		WHERE tenant_id = $1 AND ($2 = '' OR subject_hash = $2) ORDER BY created_at DESC, id DESC LIMIT $3`,
		tenantID, subjectHash, limit)
	if err != nil {
		return nil, fmt.Errorf("read register audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var citizen, caseID *string
		var ms int64
		if err := rows.Scan(&e.ID, &e.ClientID, &e.Subject, &citizen, &e.Register, &e.LegalBasis, &e.Purpose, &caseID,
			&e.SubjectHash, &e.Outcome, &ms, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("read register audit: %w", err)
		}
		if citizen != nil {
			e.CitizenID = *citizen
		}
		if caseID != nil {
			e.CaseID = *caseID
		}
		e.Duration = time.Duration(ms) * time.Millisecond
		out = append(out, e)
	}
	return out, rows.Err()
}
