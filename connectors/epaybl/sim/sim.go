// Package sim is a simulated XBezahldienste payment provider: the REST API
// (create a transaction, read its status) and a minimal pay page with pay,
// fail and cancel buttons, with configurable latency and failures. It runs
// in `amthub dev` and is what the hub's tests and vendors' tests talk to.
// Transactions live in memory.
package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/amthub/amthub/connectors/epaybl"
	"github.com/amthub/amthub/hub"
)

// Config configures the simulator. The zero value works.
type Config struct {
	// PublicURL is the simulator's base URL as browsers reach it, for the
	// pay page links. Default: taken from each request's Host.
	PublicURL string
	// Username and Password, when set, are required as HTTP basic auth on
	// the API.
	Username, Password string
	// Latency delays every API answer.
	Latency time.Duration
	// FailEvery makes every n-th API call answer 503 (0: never).
	FailEvery int
	// AutoSettle, when set (PAYED, FAILED or CANCELED), settles every
	// transaction by itself AutoSettleAfter after its creation, as if the
	// citizen had used the pay page and never come back.
	AutoSettle      string
	AutoSettleAfter time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Validate reports whether the configuration can work.
func (c Config) Validate() error {
	var errs []error
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || u.Host == "" {
			errs = append(errs, fmt.Errorf("public URL %q: want an absolute URL", c.PublicURL))
		}
	}
	if c.Latency < 0 || c.FailEvery < 0 || c.AutoSettleAfter < 0 {
		errs = append(errs, errors.New("latency, fail-every and auto-settle delay must not be negative"))
	}
	switch c.AutoSettle {
	case "", epaybl.StatusPayed, epaybl.StatusFailed, epaybl.StatusCanceled:
	default:
		errs = append(errs, fmt.Errorf("auto-settle %q: want PAYED, FAILED or CANCELED", c.AutoSettle))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("epaybl simulator config: %w", err)
	}
	return nil
}

type transaction struct {
	endpoint  string // originatorId/endPointId
	request   epaybl.PaymentRequest
	info      epaybl.PaymentInformation
	createdAt time.Time
}

// Sim is the simulated provider. It is safe for concurrent use.
type Sim struct {
	cfg Config
	mux *http.ServeMux

	mu        sync.Mutex
	txs       map[string]*transaction
	byRequest map[string]string // endpoint + requestId → transaction id
	calls     int
	down      bool
	latency   time.Duration
}

// New returns a simulator.
func New(cfg Config) (*Sim, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Sim{cfg: cfg, txs: map[string]*transaction{}, byRequest: map[string]string{}, latency: cfg.Latency}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /paymenttransaction/{originatorId}/{endPointId}", s.api(s.create))
	s.mux.HandleFunc("GET /paymenttransaction/{originatorId}/{endPointId}/{transactionId}", s.api(s.get))
	s.mux.HandleFunc("GET /pay/{transactionId}", s.payPage)
	s.mux.HandleFunc("POST /pay/{transactionId}", s.payAction)
	return s, nil
}

// ServeHTTP serves the API and the pay page.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// SetDown makes every API call answer 503 (true) or work again (false).
func (s *Sim) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// SetLatency changes the delay of API answers.
func (s *Sim) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Settle moves an INITIAL transaction to status, as the pay page does.
func (s *Sim) Settle(transactionID, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txs[transactionID]
	if !ok {
		return fmt.Errorf("transaction %s: not found", transactionID)
	}
	s.settle(t, status)
	return nil
}

func (s *Sim) settle(t *transaction, status string) {
	if t.info.Status != epaybl.StatusInitial {
		return
	}
	t.info.Status = status
	t.info.TransactionTimestamp = s.cfg.Now().UTC().Format(time.RFC3339)
	switch status {
	case epaybl.StatusPayed:
		t.info.PaymentMethod, t.info.PaymentMethodDetail = "CREDITCARD", "VISA"
	case epaybl.StatusFailed:
		t.info.StatusDetail = "declined by the card issuer"
	case epaybl.StatusCanceled:
		t.info.StatusDetail = "canceled by the payer"
	}
}

// api wraps an API handler with basic auth, latency and failures.
func (s *Sim) api(h func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls++
		fail := s.down || s.cfg.FailEvery > 0 && s.calls%s.cfg.FailEvery == 0
		latency := s.latency
		s.mu.Unlock()
		if latency > 0 {
			select {
			case <-time.After(latency):
			case <-r.Context().Done():
				return
			}
		}
		if s.cfg.Username != "" {
			if u, p, ok := r.BasicAuth(); !ok || u != s.cfg.Username || p != s.cfg.Password {
				writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "bad credentials")
				return
			}
		}
		if fail {
			writeError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "simulated outage")
			return
		}
		h(w, r)
	}
}

func (s *Sim) create(w http.ResponseWriter, r *http.Request) {
	var req epaybl.PaymentRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST", "body is not a payment request")
		return
	}
	if msg := checkRequest(&req); msg != "" {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST", msg)
		return
	}
	endpoint := r.PathValue("originatorId") + "/" + r.PathValue("endPointId")
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.byRequest[endpoint+"/"+req.RequestID]; ok {
		writeJSON(w, http.StatusCreated, s.view(s.txs[id]))
		return
	}
	id := hub.NewID()
	base := s.cfg.PublicURL
	if base == "" {
		base = "http://" + r.Host
	}
	base = strings.TrimRight(base, "/")
	t := &transaction{endpoint: endpoint, request: req, createdAt: s.cfg.Now(), info: epaybl.PaymentInformation{
		TransactionID: id, Status: epaybl.StatusInitial,
		TransactionURL:         base + "/paymenttransaction/" + endpoint + "/" + id,
		TransactionRedirectURL: base + "/pay/" + id,
		TransactionReference:   "SIM-" + strings.ToUpper(id[len(id)-8:]),
		TransactionTimestamp:   s.cfg.Now().UTC().Format(time.RFC3339),
	}}
	s.txs[id] = t
	s.byRequest[endpoint+"/"+req.RequestID] = id
	writeJSON(w, http.StatusCreated, s.view(t))
}

// checkRequest applies the standard's rules and returns what is wrong.
func checkRequest(req *epaybl.PaymentRequest) string {
	var sum int64
	for _, it := range req.Items {
		sum += it.TotalNetAmount
	}
	u, err := url.Parse(req.RedirectURL)
	switch {
	case req.RequestID == "":
		return "requestId is required"
	case req.Currency != "EUR":
		return "currency must be EUR"
	case req.GrosAmount <= 0:
		return "grosAmount must be positive"
	case req.Purpose == "" || utf8.RuneCountInString(req.Purpose) > 27:
		return "purpose must have 1 to 27 characters"
	case len(req.Items) < 1 || len(req.Items) > 99:
		return "a payment has 1 to 99 items"
	case sum != req.GrosAmount:
		return "grosAmount is not the sum of the items"
	case err != nil || u.Host == "":
		return "redirectUrl must be an absolute URL"
	}
	return ""
}

func (s *Sim) get(w http.ResponseWriter, r *http.Request) {
	endpoint := r.PathValue("originatorId") + "/" + r.PathValue("endPointId")
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txs[r.PathValue("transactionId")]
	if !ok || t.endpoint != endpoint {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no such transaction")
		return
	}
	writeJSON(w, http.StatusOK, s.view(t))
}

// view returns the wire form of t, settling it first when auto-settle is
// due. The caller holds the lock.
func (s *Sim) view(t *transaction) epaybl.PaymentTransaction {
	if s.cfg.AutoSettle != "" && !s.cfg.Now().Before(t.createdAt.Add(s.cfg.AutoSettleAfter)) {
		s.settle(t, s.cfg.AutoSettle)
	}
	return epaybl.PaymentTransaction{RequestID: t.request.RequestID, GrosAmount: t.request.GrosAmount,
		Currency: t.request.Currency, Purpose: t.request.Purpose, PaymentInformation: t.info}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, epaybl.ErrorResponse{ErrorCode: code, ErrorMessage: msg})
}
