package openapi

import (
	"context"
	"net/http"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/httpserver"
	"github.com/amthub/amthub/hub/registers"
)

// Registers is what the handlers need of the register query service
// (*registers.Service).
type Registers interface {
	Query(ctx context.Context, p *hub.Principal, register string, req registers.QueryRequest) (*registers.Answer, error)
}

// WithRegisters enables the register query endpoint; without it it answers
// 501.
func (a *API) WithRegisters(r Registers) *API {
	a.registers = r
	return a
}

// QueryRegister implements ServerInterface.
func (a *API) QueryRegister(w http.ResponseWriter, r *http.Request, register string, _ QueryRegisterParams) {
	if a.registers == nil {
		notImplemented(w, r, "Register queries")
		return
	}
	var req registers.QueryRequest
	if !decode(w, r, &req) {
		return
	}
	ans, err := a.registers.Query(r.Context(), principal(r), register, req)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	out := RegisterAnswer{QueryId: id(ans.QueryID), Register: ans.Register, LegalBasis: ans.LegalBasis, Found: ans.Found,
		AnsweredAt: ans.AnsweredAt}
	if ans.Record != nil {
		rec := ans.Record
		out.Record = &rec
	}
	writeJSON(w, http.StatusOK, out)
}
