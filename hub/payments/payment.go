// Package payments is the hub's side of paying for an application: it
// creates a payment for a case with an XBezahldienste provider (ePayBL),
// keeps the payment's status in the database, and — because the provider
// never pushes — reconciles it by polling until a final state or expiry.
// Every status change goes onto the case timeline (and so to the vendor's
// callback) and, through the outbox, to the case's Fachverfahren.
package payments

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/amthub/amthub/hub"
)

// Payment states. INITIAL, PAYED, FAILED and CANCELED are the provider's
// (XBezahldienste); PENDING is the hub's own while the provider has not
// answered the creation yet.
const (
	StatusPending  = "PENDING"
	StatusInitial  = "INITIAL"
	StatusPayed    = "PAYED"
	StatusFailed   = "FAILED"
	StatusCanceled = "CANCELED"
)

// Case event types of payments (see docs/ARCHITECTURE.md).
const (
	EventCreated  = "payment.created"
	EventPayed    = "payment.payed"
	EventFailed   = "payment.failed"
	EventCanceled = "payment.canceled"
)

// EventTypePayment is the CloudEvents type of the message a Fachverfahren
// receives on its queue when a payment of one of its cases changes.
const EventTypePayment = "de.amthub.payment.v1"

// HeaderPayment is the AMQP header naming the payment of a message.
const HeaderPayment = "amthub:payment"

// Final reports whether status can no longer change.
func Final(status string) bool {
	return status == StatusPayed || status == StatusFailed || status == StatusCanceled
}

// eventType returns the timeline event for reaching status.
func eventType(status string) string {
	switch status {
	case StatusPayed:
		return EventPayed
	case StatusFailed:
		return EventFailed
	case StatusCanceled:
		return EventCanceled
	}
	return EventCreated
}

// Item is one booking item (Buchungsposition) of a payment.
type Item struct {
	Reference   string            `json:"reference"`
	Description string            `json:"description"`
	Quantity    int               `json:"quantity"`
	UnitAmount  int64             `json:"unitAmount"` // cents
	BookingData map[string]string `json:"bookingData,omitempty"`
}

// Payment is a payment for a case.
type Payment struct {
	ID            string
	TenantID      string
	ClientID      string
	CaseID        string
	Status        string
	StatusDetail  string
	Amount        int64 // cents
	Currency      string
	Purpose       string
	Description   string
	Items         []Item
	ReturnURL     string // where the citizen's browser goes after the pay page
	TransactionID string // the provider's
	RedirectURL   string // the provider's pay page
	PaymentMethod string
	Checks        int
	ExpiresAt     time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// CreateRequest is what a vendor sends to create a payment.
type CreateRequest struct {
	CaseID      string `json:"caseId"`
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	Purpose     string `json:"purpose"`
	Description string `json:"description"`
	Items       []Item `json:"items"`
	ReturnURL   string `json:"returnUrl"`
}

// Limits of a payment request (XBezahldienste: purpose ≤ 27, 1–99 items).
const (
	MaxPurpose     = 27
	MaxItems       = 99
	MaxDescription = 500
)

// check validates a request against the standard's limits and max, the
// largest amount in cents this hub accepts.
func (r *CreateRequest) check(max int64, insecureURLs bool) error {
	if !hub.ValidID(r.CaseID) {
		return hub.FieldError("caseId", "must be a case id (UUID)")
	}
	if r.Currency == "" {
		r.Currency = "EUR"
	}
	switch {
	case r.Currency != "EUR":
		return &hub.Error{Code: hub.EINVALID, Kind: "currency_unsupported", Field: "currency", Message: "Only EUR is supported."}
	case r.Amount <= 0:
		return &hub.Error{Code: hub.EINVALID, Kind: "amount_invalid", Field: "amount", Message: "The amount must be a positive number of cents."}
	case r.Amount > max:
		return &hub.Error{Code: hub.EINVALID, Kind: "amount_too_large", Field: "amount",
			Message: fmt.Sprintf("The amount may be at most %d cents.", max)}
	}
	if err := checkText("purpose", r.Purpose, 1, MaxPurpose, "purpose_invalid"); err != nil {
		return err
	}
	if err := checkText("description", r.Description, 0, MaxDescription, "description_invalid"); err != nil {
		return err
	}
	if len(r.Items) < 1 || len(r.Items) > MaxItems {
		return &hub.Error{Code: hub.EINVALID, Kind: "items_invalid", Field: "items",
			Message: fmt.Sprintf("A payment has 1 to %d booking items.", MaxItems)}
	}
	var sum int64
	for i, it := range r.Items {
		f := fmt.Sprintf("items/%d/", i)
		if it.Quantity < 1 || it.Quantity > 10000 || it.UnitAmount <= 0 || it.UnitAmount > max {
			return &hub.Error{Code: hub.EINVALID, Kind: "items_invalid", Field: f + "unitAmount",
				Message: "Each item has a quantity of 1 to 10000 and a positive unit amount."}
		}
		if err := checkText(f+"reference", it.Reference, 1, 64, "items_invalid"); err != nil {
			return err
		}
		if err := checkText(f+"description", it.Description, 1, 200, "items_invalid"); err != nil {
			return err
		}
		sum += int64(it.Quantity) * it.UnitAmount
	}
	if sum != r.Amount {
		return &hub.Error{Code: hub.EINVALID, Kind: "amount_mismatch", Field: "amount",
			Message: fmt.Sprintf("The amount (%d) is not the sum of the items (%d).", r.Amount, sum)}
	}
	return checkReturnURL(r.ReturnURL, insecureURLs)
}

// checkText bounds a text by runes and refuses control characters.
func checkText(field, s string, minLen, maxLen int, kind string) error {
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n < minLen || n > maxLen || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return &hub.Error{Code: hub.EINVALID, Kind: kind, Field: field,
			Message: fmt.Sprintf("Must be %d to %d characters without control characters.", minLen, maxLen)}
	}
	return nil
}

// checkReturnURL accepts an absolute https URL (http too when insecure).
func checkReturnURL(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	ok := err == nil && u.Host != "" && u.User == nil && len(raw) <= 2000 &&
		(u.Scheme == "https" || insecure && u.Scheme == "http")
	if !ok {
		return &hub.Error{Code: hub.EINVALID, Kind: "return_url_invalid", Field: "returnUrl",
			Message: "Must be an absolute https URL without credentials."}
	}
	return nil
}

// TransactionRequest is what the hub asks a provider to create.
type TransactionRequest struct {
	RequestID   string // the payment id: a repeated request creates nothing new
	Amount      int64
	Currency    string
	Purpose     string
	Description string
	RedirectURL string // where the provider sends the citizen back
	Items       []Item
}

// Transaction is a provider's view of a payment.
type Transaction struct {
	ID            string
	RedirectURL   string
	Status        string // INITIAL, PAYED, FAILED, CANCELED
	StatusDetail  string
	PaymentMethod string
}

// Provider is an XBezahldienste payment provider. Errors that mean the
// provider is down or slow are *hub.Error with code EUNAVAILABLE.
type Provider interface {
	CreateTransaction(ctx context.Context, req TransactionRequest) (*Transaction, error)
	Transaction(ctx context.Context, transactionID string) (*Transaction, error)
}
