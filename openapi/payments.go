package openapi

import (
	"context"
	"net/http"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/httpserver"
	"github.com/amthub/amthub/hub/payments"
)

// Payments is what the handlers need of the payment service
// (*payments.Service).
type Payments interface {
	Create(ctx context.Context, p *hub.Principal, req payments.CreateRequest, idemKey string) (*payments.Payment, bool, error)
	Get(ctx context.Context, p *hub.Principal, id string) (*payments.Payment, error)
}

// WithPayments enables the payment endpoints; without it they answer 501.
func (a *API) WithPayments(p Payments) *API {
	a.payments = p
	return a
}

// notImplemented is the answer of an endpoint whose module is not wired.
func notImplemented(w http.ResponseWriter, r *http.Request, what string) {
	httpserver.WriteError(w, r, &hub.Error{Code: hub.ENOTIMPLEMENTED, Kind: "not_implemented",
		Message: what + " are not enabled on this hub."})
}

// CreatePayment implements ServerInterface.
func (a *API) CreatePayment(w http.ResponseWriter, r *http.Request, params CreatePaymentParams) {
	if a.payments == nil {
		notImplemented(w, r, "Payments")
		return
	}
	var req payments.CreateRequest
	if !decode(w, r, &req) {
		return
	}
	p, created, err := a.payments.Create(r.Context(), principal(r), req, params.IdempotencyKey)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	if !created {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/v1/payments/"+p.ID)
	writeJSON(w, http.StatusCreated, toPayment(p))
}

// GetPayment implements ServerInterface.
func (a *API) GetPayment(w http.ResponseWriter, r *http.Request, id openapi_types.UUID) {
	if a.payments == nil {
		notImplemented(w, r, "Payments")
		return
	}
	p, err := a.payments.Get(r.Context(), principal(r), id.String())
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toPayment(p))
}

func toPayment(p *payments.Payment) Payment {
	out := Payment{PaymentId: id(p.ID), CaseId: id(p.CaseID), Status: PaymentStatus(p.Status), Amount: p.Amount,
		Currency: p.Currency, Purpose: p.Purpose, Description: optional(p.Description), Items: make([]PaymentItem, 0, len(p.Items)),
		PayUrl: optional(p.RedirectURL), TransactionId: optional(p.TransactionID), PaymentMethod: optional(p.PaymentMethod),
		StatusDetail: optional(p.StatusDetail), ReturnUrl: optional(p.ReturnURL),
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(), ExpiresAt: p.ExpiresAt.UTC()}
	for _, it := range p.Items {
		item := PaymentItem{Reference: it.Reference, Description: it.Description, Quantity: it.Quantity, UnitAmount: it.UnitAmount}
		if len(it.BookingData) > 0 {
			bd := it.BookingData
			item.BookingData = &bd
		}
		out.Items = append(out.Items, item)
	}
	return out
}
