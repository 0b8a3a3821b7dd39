package epaybl

// The XBezahldienste wire format (JSON), as far as the hub uses it.

// Payment states of XBezahldienste.
const (
	StatusInitial  = "INITIAL"
	StatusPayed    = "PAYED"
	StatusFailed   = "FAILED"
	StatusCanceled = "CANCELED"
)

// PaymentRequest asks the provider to create a payment transaction.
// Amounts are in cents; "grosAmount" is spelled as in the standard.
type PaymentRequest struct {
	RequestID        string        `json:"requestId"`
	RequestTimestamp string        `json:"requestTimestamp"`
	Currency         string        `json:"currency"`
	GrosAmount       int64         `json:"grosAmount"`
	Purpose          string        `json:"purpose"`
	Description      string        `json:"description,omitempty"`
	RedirectURL      string        `json:"redirectUrl"`
	Items            []PaymentItem `json:"items"`
}

// PaymentItem is one booking item.
type PaymentItem struct {
	ID              string            `json:"id"`
	Reference       string            `json:"reference"`
	Description     string            `json:"description"`
	Quantity        int               `json:"quantity"`
	SingleNetAmount int64             `json:"singleNetAmount"`
	TotalNetAmount  int64             `json:"totalNetAmount"`
	BookingData     map[string]string `json:"bookingData,omitempty"`
}

// PaymentTransaction is the provider's answer to a creation and to a status
// request.
type PaymentTransaction struct {
	RequestID          string             `json:"requestId,omitempty"`
	GrosAmount         int64              `json:"grosAmount,omitempty"`
	Currency           string             `json:"currency,omitempty"`
	Purpose            string             `json:"purpose,omitempty"`
	PaymentInformation PaymentInformation `json:"paymentInformation"`
}

// PaymentInformation carries the transaction's identity, pay page and
// status.
type PaymentInformation struct {
	TransactionID          string `json:"transactionId"`
	TransactionURL         string `json:"transactionUrl,omitempty"`
	TransactionRedirectURL string `json:"transactionRedirectUrl,omitempty"`
	TransactionReference   string `json:"transactionReference,omitempty"`
	TransactionTimestamp   string `json:"transactionTimestamp,omitempty"`
	PaymentMethod          string `json:"paymentMethod,omitempty"`
	PaymentMethodDetail    string `json:"paymentMethodDetail,omitempty"`
	Status                 string `json:"status"`
	StatusDetail           string `json:"statusDetail,omitempty"`
}

// ErrorResponse is the body of a refused request.
type ErrorResponse struct {
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}
