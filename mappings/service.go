package mappings

import (
	"context"
	"errors"
	"fmt"

	"github.com/amthub/amthub/hub"
)

// Service holds the mapping operations a tenant's staff call: list the
// versions, upload a version, try a version on a file. The admin API, the
// AdminCenter's pages and the CLI share it; rights are the caller's to
// check, the tenant is always the acting principal's.
type Service struct {
	store  Store
	engine *Engine
}

// NewService returns the mapping operations on store, checking uploads
// and running tries within engine's limits.
func NewService(store Store, engine *Engine) *Service {
	return &Service{store: store, engine: engine}
}

// Versions returns every version of every mapping of the tenant.
func (s *Service) Versions(ctx context.Context, tenantID string) ([]*Definition, error) {
	return s.store.ListMappings(ctx, tenantID)
}

// Version returns one version of a tenant's mapping.
func (s *Service) Version(ctx context.Context, tenantID, name string, version int) (*Definition, error) {
	return s.store.FindMapping(ctx, tenantID, name, version)
}

// Upload stores a new version from one self-contained mapping file (schemas
// and example inline). It refuses a file that does not parse (EINVALID,
// KindInvalidMapping), a built-in mapping's name (ECONFLICT,
// KindNameReserved), a mapping that fails Check (EUNPROCESSABLE,
// KindCheckFailed; CheckViolations lists why) and an existing version
// (ECONFLICT). Nothing is stored unless it returns the definition.
func (s *Service) Upload(ctx context.Context, tenantID string, file []byte) (*Definition, error) {
	def, err := parseUpload(file)
	if err != nil {
		return nil, err
	}
	if _, err := Builtin(def.Name, 0); err == nil {
		return nil, &hub.Error{Code: hub.ECONFLICT, Kind: KindNameReserved, Field: "name",
			Message: fmt.Sprintf("The name %q belongs to a built-in mapping; choose another.", def.Name)}
	}
	if _, err := Check(ctx, def, s.engine.Limits()); err != nil {
		if ctx.Err() != nil {
			return nil, &hub.Error{Code: hub.EUNAVAILABLE, Message: "The request ended before the check did.", Err: err}
		}
		he := &hub.Error{Code: hub.EUNPROCESSABLE, Kind: KindCheckFailed, Err: err,
			Message: "The mapping does not pass its check: " + checkSummary(err)}
		var cause *hub.Error
		if errors.As(err, &cause) {
			he.Field = cause.Field
		}
		return nil, he
	}
	if err := s.store.CreateMapping(ctx, tenantID, def); err != nil {
		return nil, err
	}
	return def, nil
}

// CheckViolations lists why Upload refused a mapping that failed its
// check, one entry per violation; nil for any other error.
func CheckViolations(err error) []CheckViolation {
	var he *hub.Error
	if !errors.As(err, &he) || he.Kind != KindCheckFailed || he.Err == nil {
		return nil
	}
	return checkViolations(he.Err)
}

// TryResult is what trying a mapping on a file gave: the output, if the
// run got that far, and every problem found on the way. The details may
// quote the file: they are for the person who tried it.
type TryResult struct {
	Output     string           `json:"output,omitempty"`
	Violations []CheckViolation `json:"violations"`
}

// OK reports whether the try found no problem.
func (r *TryResult) OK() bool { return len(r.Violations) == 0 }

// Try runs a version of a tenant's mapping (or a built-in one) on input,
// as a submission would, going on past validation failures so that every
// problem shows, with ExampleMeta as $meta. Nothing is stored.
func (s *Service) Try(ctx context.Context, tenantID, name string, version int, input []byte) (*TryResult, error) {
	m, err := s.engine.Mapping(ctx, Ref{Tenant: tenantID, Name: name, Version: version})
	if err != nil {
		return nil, err
	}
	rep := m.test(ctx, input, ExampleMeta())
	res := &TryResult{Output: string(rep.output), Violations: []CheckViolation{}}
	for _, st := range []struct {
		stage string
		vs    []Violation
	}{{"input", rep.inputVs}, {"output", rep.outputVs}, {"layout", rep.layoutVs}} {
		for _, v := range st.vs {
			res.Violations = append(res.Violations, CheckViolation{Stage: st.stage, Field: v.Field, Keyword: v.Keyword, Detail: v.Detail})
		}
	}
	if rep.failure != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		res.Violations = append(res.Violations, checkViolations(rep.failure)...)
	}
	return res, nil
}
