package registers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Config configures the register service.
type Config struct {
	// Registers are the connected registers by name (Population, Trade).
	Registers map[string]Register
	// AuditKey keys the hash that names the person a query was about in
	// the audit log (at least 32 bytes). Required.
	AuditKey []byte
	// Timeout bounds one query. Default 3 s.
	Timeout time.Duration
	// BreakerThreshold is how many failures in a row open a register's
	// circuit breaker. Default 5.
	BreakerThreshold int
	// BreakerCooldown is how long an open breaker refuses queries before it
	// tries again. Default 15 s.
	BreakerCooldown time.Duration
	// Now is the clock. Default time.Now.
	Now hub.Clock
}

// Validate reports whether the configuration can work.
func (c Config) Validate() error {
	var errs []error
	for name, r := range c.Registers {
		if !Known(name) {
			errs = append(errs, fmt.Errorf("register %q: unknown", name))
		}
		if r == nil {
			errs = append(errs, fmt.Errorf("register %q: no connector", name))
		}
	}
	if len(c.AuditKey) < 32 {
		errs = append(errs, errors.New("audit key: need at least 32 bytes"))
	}
	if c.Timeout < 0 || c.BreakerThreshold < 0 || c.BreakerCooldown < 0 {
		errs = append(errs, errors.New("timeout and breaker settings must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("registers config: %w", err)
	}
	return nil
}

// Service answers register queries for vendors.
type Service struct {
	db       *sqlstore.DB
	cases    Cases
	cfg      Config
	breakers map[string]*breaker
}

// Cases is what register queries need of the pipeline's cases: whether a
// case is the caller's.
type Cases interface {
	FindOwnedCase(ctx context.Context, q sqlstore.Querier, tenantID, clientID, id, field string) (*hub.Case, error)
}

// NewService returns the register service; queries name a case of the
// caller, looked up in cases.
func NewService(db *sqlstore.DB, cases Cases, cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 3 * time.Second
	}
	if cfg.BreakerThreshold == 0 {
		cfg.BreakerThreshold = 5
	}
	if cfg.BreakerCooldown == 0 {
		cfg.BreakerCooldown = 15 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{db: db, cases: cases, cfg: cfg, breakers: map[string]*breaker{}}
	for name := range cfg.Registers {
		s.breakers[name] = &breaker{threshold: cfg.BreakerThreshold, cooldown: cfg.BreakerCooldown}
	}
	return s, nil
}

// QueryRequest is what a vendor asks.
type QueryRequest struct {
	// LegalBasis names why the caller may see the data; default consent.
	LegalBasis string            `json:"legalBasis"`
	Purpose    string            `json:"purpose"`
	CaseID     string            `json:"caseId"`
	Query      map[string]string `json:"query"`
}

// Answer is the result of a query.
type Answer struct {
	QueryID    string
	Register   string
	LegalBasis string
	Found      bool
	Record     map[string]any
	AnsweredAt time.Time
}

// Query asks register on behalf of p. The query is audited whatever its
// outcome, and an answer is only given once its audit entry is stored.
func (s *Service) Query(ctx context.Context, p *hub.Principal, register string, req QueryRequest) (*Answer, error) {
	if p == nil || !p.HasScope(hub.ScopeRegistersQuery) {
		return nil, &hub.Error{Code: hub.EFORBIDDEN, Kind: "insufficient_scope", Message: "The token lacks the scope registers:query."}
	}
	k, known := kinds[register]
	conn := s.cfg.Registers[register]
	if !known || conn == nil {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "register_unknown", Field: "register", Message: "No such register is connected."}
	}
	if req.LegalBasis == "" {
		req.LegalBasis = k.legalBases[0]
	}
	if !slices.Contains(k.legalBases, req.LegalBasis) {
		return nil, &hub.Error{Code: hub.EINVALID, Kind: "legal_basis_unknown", Field: "legalBasis",
			Message: fmt.Sprintf("This register accepts the legal bases %v.", k.legalBases)}
	}
	if utf8Len(req.Purpose) < 3 || utf8Len(req.Purpose) > 200 {
		return nil, &hub.Error{Code: hub.EINVALID, Kind: "purpose_invalid", Field: "purpose", Message: "Say why you ask, in 3 to 200 characters."}
	}
	if err := k.checkParams(req.Query); err != nil {
		return nil, err
	}
	if req.CaseID != "" {
		if err := s.checkCase(ctx, p, req.CaseID); err != nil {
			return nil, err
		}
	}
	a := &audit{id: hub.NewID(), principal: p, register: register, req: req, start: s.cfg.Now()}
	if err := authorize(k, p, req.LegalBasis); err != nil {
		a.outcome = "refused"
		if aerr := s.writeAudit(ctx, a); aerr != nil {
			return nil, aerr
		}
		return nil, err
	}
	res, err := s.ask(ctx, register, conn, Request{QueryID: a.id, LegalBasis: req.LegalBasis, Purpose: req.Purpose,
		Requester: p.ClientID, Params: req.Query}, a)
	if aerr := s.writeAudit(ctx, a); aerr != nil {
		return nil, aerr
	}
	if err != nil {
		return nil, err
	}
	return &Answer{QueryID: a.id, Register: register, LegalBasis: req.LegalBasis, Found: res.Found, Record: res.Record,
		AnsweredAt: s.cfg.Now().UTC()}, nil
}

// authorize decides whether p may ask a register of kind k on basis.
func authorize(k kind, p *hub.Principal, basis string) error {
	if !k.personal {
		return nil
	}
	if basis == LegalBasisConsent {
		if p.Subject != "" && p.Subject != p.ClientID {
			return nil // the caller acts for the citizen, who consented
		}
	} else if p.HasScope(ScopeLegalBasisPrefix + basis) {
		return nil
	}
	return &hub.Error{Code: hub.EFORBIDDEN, Kind: "consent_required", Field: "legalBasis",
		Message: "A query about a person needs that person's consent or a scope granted for the named legal basis."}
}

// ask runs the query through the register's breaker with the timeout and
// notes the outcome in a.
func (s *Service) ask(ctx context.Context, name string, conn Register, r Request, a *audit) (*Result, error) {
	b := s.breakers[name]
	if !b.allow(s.cfg.Now()) {
		a.outcome = "unavailable"
		return nil, &hub.Error{Code: hub.EUNAVAILABLE, Kind: "register_unavailable",
			Message: "The register is not available (circuit open after repeated failures); try again later."}
	}
	qctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	res, err := conn.Query(qctx, r)
	switch {
	case err == nil:
		b.success()
		a.outcome = "not_found"
		if res.Found {
			a.outcome = "found"
		}
		return res, nil
	case ctx.Err() != nil:
		b.success() // the caller gave up; the register is not to blame
		a.outcome = "error"
		return nil, fmt.Errorf("query %s: %w", name, ctx.Err())
	case errors.Is(err, context.DeadlineExceeded) || qctx.Err() != nil:
		b.failure(s.cfg.Now())
		a.outcome = "timeout"
		return nil, &hub.Error{Code: hub.EUNAVAILABLE, Kind: "register_timeout",
			Message: fmt.Sprintf("The register did not answer within %s; try again later.", s.cfg.Timeout), Err: err}
	case hub.ErrorCode(err) == hub.EUNAVAILABLE || hub.ErrorCode(err) == hub.EINTERNAL:
		b.failure(s.cfg.Now())
		a.outcome = "unavailable"
		return nil, &hub.Error{Code: hub.EUNAVAILABLE, Kind: "register_unavailable",
			Message: "The register is not available; try again later.", Err: err}
	default:
		b.success()
		a.outcome = "error"
		return nil, err
	}
}

// checkCase makes sure a query's case belongs to the caller.
func (s *Service) checkCase(ctx context.Context, p *hub.Principal, caseID string) error {
	_, err := s.cases.FindOwnedCase(ctx, s.db, p.TenantID, p.ClientID, caseID, "caseId")
	return err
}

func utf8Len(s string) int { return len([]rune(s)) }
