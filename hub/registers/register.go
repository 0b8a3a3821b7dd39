// Package registers is the hub's side of register queries: a vendor (or a
// Fachverfahren) asks a register — the population register, the trade
// register — a synchronous question. The package checks who may ask what
// on which legal basis (a query about a citizen needs that citizen's
// consent or a scope granted for a named legal basis), guards each
// register with a timeout and a circuit breaker, and writes an audit entry
// for every query — who asked about whom, when, why — never the answer.
package registers

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/amthub/amthub/hub"
)

// Register names.
const (
	Population = "population" // Melderegister: name + date of birth → address
	Trade      = "trade"      // Handels-/Gewerberegister: company → registration
)

// Legal bases a query may name. LegalBasisConsent means the citizen the
// query is about consented (the caller acts for them).
const (
	LegalBasisConsent = "consent"
	LegalBasisBMG34   = "bmg-34" // § 34 BMG: transfer to public bodies
	LegalBasisBMG44   = "bmg-44" // § 44 BMG: simple register information
	LegalBasisHGB9    = "hgb-9"  // § 9 HGB: the commercial register is public
)

// ScopeLegalBasisPrefix + a legal basis is the scope that lets a client
// query personal data on that basis without a citizen's consent.
const ScopeLegalBasisPrefix = "registers:basis:"

// Request is a query as a register receives it.
type Request struct {
	QueryID    string
	LegalBasis string
	Purpose    string
	Requester  string // the asking client, for the register's own log
	Params     map[string]string
}

// Result is a register's answer. Record is empty when nothing was found.
type Result struct {
	Found  bool
	Record map[string]any
}

// Register answers queries. Errors meaning the register is down are
// *hub.Error with code EUNAVAILABLE; a context deadline means too slow.
type Register interface {
	Query(ctx context.Context, r Request) (*Result, error)
}

// param describes one query parameter.
type param struct {
	name     string
	required bool
	maxLen   int
	pattern  *regexp.Regexp
}

// kind describes what a register accepts.
type kind struct {
	personal   bool // about a natural person: consent or a granted basis
	legalBases []string
	params     []param
	// oneOf, if set, requires at least one of these parameters.
	oneOf []string
}

var (
	datePattern   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	regNumPattern = regexp.MustCompile(`^(HRA|HRB|GnR|PR|VR) \d{1,6}( [A-Z]{1,2})?$`)
)

var kinds = map[string]kind{
	Population: {personal: true, legalBases: []string{LegalBasisConsent, LegalBasisBMG34, LegalBasisBMG44},
		params: []param{{name: "familyName", required: true, maxLen: 100}, {name: "givenName", required: true, maxLen: 100},
			{name: "dateOfBirth", required: true, maxLen: 10, pattern: datePattern}}},
	Trade: {legalBases: []string{LegalBasisHGB9},
		params: []param{{name: "companyName", maxLen: 200}, {name: "registerNumber", maxLen: 20, pattern: regNumPattern},
			{name: "registerCourt", maxLen: 100}},
		oneOf: []string{"companyName", "registerNumber"}},
}

// Known reports whether name is a register the hub knows.
func Known(name string) bool { _, ok := kinds[name]; return ok }

// checkParams validates the query parameters for register k.
func (k kind) checkParams(params map[string]string) error {
	allowed := map[string]param{}
	for _, p := range k.params {
		allowed[p.name] = p
	}
	for name := range params {
		if _, ok := allowed[name]; !ok {
			return &hub.Error{Code: hub.EINVALID, Kind: "query_invalid", Field: "query/" + name, Message: "Unknown query parameter."}
		}
	}
	for _, p := range k.params {
		v, ok := params[p.name]
		if !ok || v == "" {
			if p.required {
				return &hub.Error{Code: hub.EINVALID, Kind: "query_invalid", Field: "query/" + p.name, Message: "This parameter is required."}
			}
			continue
		}
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > p.maxLen || strings.IndexFunc(v, unicode.IsControl) >= 0 ||
			p.pattern != nil && !p.pattern.MatchString(v) {
			return &hub.Error{Code: hub.EINVALID, Kind: "query_invalid", Field: "query/" + p.name, Message: "The value has the wrong form."}
		}
		if p.pattern == datePattern {
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				return &hub.Error{Code: hub.EINVALID, Kind: "query_invalid", Field: "query/" + p.name, Message: "Not a date (YYYY-MM-DD)."}
			}
		}
	}
	if len(k.oneOf) > 0 {
		for _, name := range k.oneOf {
			if params[name] != "" {
				return nil
			}
		}
		return &hub.Error{Code: hub.EINVALID, Kind: "query_invalid", Field: "query",
			Message: fmt.Sprintf("Give at least one of: %s.", strings.Join(k.oneOf, ", "))}
	}
	return nil
}
