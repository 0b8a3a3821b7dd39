package mappings

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/httpserver"
)

// CheckViolation is one reason an upload failed Check, as the admin API
// lists it. Unlike the pipeline's errors it carries the validator's and
// jq's own detail: the caller is the mapping's author, and the only data
// it can quote is the example they uploaded.
type CheckViolation struct {
	// Stage is where the check failed: "compile", "input" (the example
	// against the input schema), "program", "run", "output" (the result
	// against the output schema) or "layout" (the XML element layout).
	Stage   string `json:"stage"`
	Field   string `json:"field,omitempty"`
	Keyword string `json:"keyword,omitempty"`
	Detail  string `json:"detail"`
}

// checkProblem is the problem+json of a refused upload: the usual fields
// plus every violation found.
type checkProblem struct {
	httpserver.Problem
	Violations []CheckViolation `json:"violations"`
}

// writeCheckProblem answers 422 for an upload that failed Check: he is
// Upload's error, vs its CheckViolations.
func writeCheckProblem(w http.ResponseWriter, r *http.Request, he *hub.Error, vs []CheckViolation) {
	p := checkProblem{Problem: httpserver.ProblemOf(r, he), Violations: vs}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// checkSummary is the one-line reason: a run's Reason, or that the mapping
// did not compile.
func checkSummary(err error) string {
	var he *hub.Error
	if errors.As(err, &he) {
		return he.Message
	}
	return ReasonNotCompiled
}

// checkViolations lists what an error returned by Check found, one entry
// per schema or layout violation, else one entry for the whole failure.
func checkViolations(err error) []CheckViolation {
	var he *hub.Error
	if !errors.As(err, &he) {
		return []CheckViolation{{Stage: "compile", Detail: err.Error()}}
	}
	var se *SchemaError
	if errors.As(err, &se) {
		stage := map[string]string{ReasonInputInvalid: "input", ReasonOutputInvalid: "output", ReasonLayout: "layout"}[he.Message]
		if stage == "" {
			stage = "run"
		}
		out := make([]CheckViolation, 0, len(se.Violations))
		for _, v := range se.Violations {
			out = append(out, CheckViolation{Stage: stage, Field: v.Field, Keyword: v.Keyword, Detail: v.Detail})
		}
		return out
	}
	var pe *ProgramError
	if errors.As(err, &pe) {
		detail := pe.Detail()
		if pe.Reason != "" {
			detail = pe.Reason
		}
		return []CheckViolation{{Stage: "program", Field: pe.Field, Detail: detail}}
	}
	detail := he.Message
	if he.Err != nil {
		detail += ": " + he.Err.Error()
	}
	return []CheckViolation{{Stage: "run", Field: he.Field, Detail: detail}}
}
