package epaybl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/payments"
)

// Client talks to one XBezahldienste endpoint. It implements
// payments.Provider.
type Client struct {
	cfg  Config
	http *http.Client
}

var _ payments.Provider = (*Client)(nil)

// NewClient returns a client; httpClient may be nil.
func NewClient(cfg Config, httpClient *http.Client) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	return &Client{cfg: cfg.withDefaults(), http: httpClient}, nil
}

// base returns the URL of the endpoint's transactions collection.
func (c *Client) base() string {
	return strings.TrimRight(c.cfg.BaseURL, "/") + "/paymenttransaction/" +
		url.PathEscape(c.cfg.OriginatorID) + "/" + url.PathEscape(c.cfg.EndPointID)
}

// Create asks the provider for a new transaction. A repeated RequestID
// returns the transaction created the first time.
func (c *Client) Create(ctx context.Context, req PaymentRequest) (*PaymentTransaction, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode payment request: %w", err)
	}
	var out PaymentTransaction
	if err := c.do(ctx, http.MethodPost, c.base(), body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get reads a transaction.
func (c *Client) Get(ctx context.Context, transactionID string) (*PaymentTransaction, error) {
	var out PaymentTransaction
	if err := c.do(ctx, http.MethodGet, c.base()+"/"+url.PathEscape(transactionID), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// do runs one request with the timeout and decodes a 2xx JSON answer.
// Transport errors and 5xx are EUNAVAILABLE; 4xx are EUNPROCESSABLE
// (the provider refused what the hub asked), 404 ENOTFOUND.
func (c *Client) do(ctx context.Context, method, u string, body []byte, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("epaybl: build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.cfg.Username != "" {
		req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return unavailable(fmt.Errorf("epaybl: %s: %w", method, err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return unavailable(fmt.Errorf("epaybl: read answer: %w", err))
	}
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return unavailable(fmt.Errorf("epaybl: %s: status %d", method, resp.StatusCode))
	case resp.StatusCode == http.StatusNotFound:
		return &hub.Error{Code: hub.ENOTFOUND, Kind: "payment_transaction_not_found",
			Message: "The payment provider does not know the transaction."}
	case resp.StatusCode >= 400:
		var e ErrorResponse
		_ = json.Unmarshal(raw, &e)
		return &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "payment_refused_by_provider",
			Message: "The payment provider refused the payment.", Err: fmt.Errorf("status %d: %s %s", resp.StatusCode, e.ErrorCode, e.ErrorMessage)}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return unavailable(fmt.Errorf("epaybl: decode answer: %w", err))
	}
	return nil
}

func unavailable(err error) error {
	return &hub.Error{Code: hub.EUNAVAILABLE, Kind: "payment_provider_unavailable",
		Message: "The payment provider is not available; try again later.", Err: err}
}

// CreateTransaction implements payments.Provider.
func (c *Client) CreateTransaction(ctx context.Context, r payments.TransactionRequest) (*payments.Transaction, error) {
	req := PaymentRequest{RequestID: r.RequestID, RequestTimestamp: time.Now().UTC().Format(time.RFC3339),
		Currency: r.Currency, GrosAmount: r.Amount, Purpose: r.Purpose, Description: r.Description, RedirectURL: r.RedirectURL}
	for i, it := range r.Items {
		req.Items = append(req.Items, PaymentItem{ID: fmt.Sprint(i + 1), Reference: it.Reference, Description: it.Description,
			Quantity: it.Quantity, SingleNetAmount: it.UnitAmount, TotalNetAmount: int64(it.Quantity) * it.UnitAmount,
			BookingData: it.BookingData})
	}
	t, err := c.Create(ctx, req)
	if err != nil {
		return nil, err
	}
	return toTransaction(t)
}

// Transaction implements payments.Provider.
func (c *Client) Transaction(ctx context.Context, id string) (*payments.Transaction, error) {
	t, err := c.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return toTransaction(t)
}

func toTransaction(t *PaymentTransaction) (*payments.Transaction, error) {
	pi := t.PaymentInformation
	switch pi.Status {
	case StatusInitial, StatusPayed, StatusFailed, StatusCanceled:
	default:
		return nil, unavailable(errors.New("epaybl: unknown status " + pi.Status))
	}
	return &payments.Transaction{ID: pi.TransactionID, RedirectURL: pi.TransactionRedirectURL, Status: pi.Status,
		StatusDetail: pi.StatusDetail, PaymentMethod: pi.PaymentMethod}, nil
}
