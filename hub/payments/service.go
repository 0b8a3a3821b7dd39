package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/amthub/amthub/hub"
)

// ReturnPath is where the provider sends the citizen back, followed by the
// payment id; the lead mounts Service.ReturnHandler there.
const ReturnPath = "/payments/return/"

// Config configures the payment service.
type Config struct {
	// PublicURL is the hub's external base URL; the provider sends the
	// citizen back to PublicURL + ReturnPath + payment id. Required.
	PublicURL string
	// MaxAmount is the largest amount in cents. Default 1 000 000 00 (1 M€).
	MaxAmount int64
	// TTL is how long a payment may stay INITIAL before the hub gives up
	// on it and records it as canceled. Default 24 h.
	TTL time.Duration
	// Backoff is the schedule of status checks after creation; the last
	// step repeats until the payment is final or expired. Default 1 min,
	// 2 min, 5 min, 10 min, 30 min, 1 h.
	Backoff []time.Duration
	// Lease is how long a reconciler owns a due payment. Default 1 min.
	Lease time.Duration
	// Interval between reconciliation rounds. Default 5 s.
	Interval time.Duration
	// InsecureURLs accepts http:// return URLs; for `amthub dev` and tests.
	InsecureURLs bool
}

// Validate reports whether the configuration can work.
func (c Config) Validate() error {
	u, err := url.Parse(c.PublicURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("payments config: public URL %q must be an absolute http(s) URL", c.PublicURL)
	}
	if c.MaxAmount < 0 || c.TTL < 0 || c.Lease < 0 || c.Interval < 0 {
		return errors.New("payments config: limits and durations must not be negative")
	}
	for _, d := range c.Backoff {
		if d <= 0 {
			return errors.New("payments config: backoff steps must be positive")
		}
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.MaxAmount == 0 {
		c.MaxAmount = 100_000_000
	}
	if c.TTL == 0 {
		c.TTL = 24 * time.Hour
	}
	if len(c.Backoff) == 0 {
		c.Backoff = []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour}
	}
	if c.Lease == 0 {
		c.Lease = time.Minute
	}
	if c.Interval == 0 {
		c.Interval = 5 * time.Second
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	return c
}

// Service creates payments and reconciles them with the provider.
type Service struct {
	store    *Store
	provider Provider
	cfg      Config
	logger   *slog.Logger
}

// NewService returns the payment service.
func NewService(store *Store, provider Provider, logger *slog.Logger, cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{store: store, provider: provider, cfg: cfg.withDefaults(), logger: logger}, nil
}

// Create creates a payment for a case of the calling vendor and the
// provider's transaction for it, and returns it with the pay page URL.
// idemKey makes retries safe; created is false when an earlier identical
// request is answered again. When the provider fails, nothing is stored.
func (s *Service) Create(ctx context.Context, pr *hub.Principal, req CreateRequest, idemKey string) (p *Payment, created bool, err error) {
	if pr == nil || !pr.HasScope(hub.ScopePaymentsWrite) {
		return nil, false, &hub.Error{Code: hub.EFORBIDDEN, Kind: "insufficient_scope", Message: "The token lacks the scope payments:write."}
	}
	if err := req.check(s.cfg.MaxAmount, s.cfg.InsecureURLs); err != nil {
		return nil, false, err
	}
	raw, _ := json.Marshal(req)
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	if idemKey != "" {
		prev, err := s.store.findByKey(ctx, pr.TenantID, pr.ClientID, idemKey, hash)
		if err != nil {
			return nil, false, err
		}
		if prev != nil {
			if prev.Status == StatusPending {
				err = s.finishCreate(ctx, prev)
			}
			return prev, false, err
		}
	}
	now := s.store.db.Now()
	p = &Payment{ID: hub.NewIDAt(now), TenantID: pr.TenantID, ClientID: pr.ClientID, CaseID: req.CaseID,
		Amount: req.Amount, Currency: req.Currency, Purpose: req.Purpose, Description: req.Description, Items: req.Items,
		ReturnURL: req.ReturnURL, ExpiresAt: now.Add(s.cfg.TTL)}
	if err := s.store.insertPending(ctx, p, idemKey, hash); err != nil {
		if hub.IsCode(err, hub.ECONFLICT) && idemKey != "" {
			// A concurrent request with the same key won the race.
			prev, ferr := s.store.findByKey(ctx, pr.TenantID, pr.ClientID, idemKey, hash)
			if ferr == nil && prev != nil {
				return prev, false, nil
			}
		}
		return nil, false, err
	}
	if err := s.finishCreate(ctx, p); err != nil {
		if derr := s.store.deletePending(context.WithoutCancel(ctx), p.ID); derr != nil {
			s.logger.Warn("could not remove a payment the provider refused; the reconciler retries it", "payment", p.ID, "error", derr)
		}
		return nil, false, err
	}
	return p, true, nil
}

// finishCreate asks the provider for the transaction of a PENDING payment
// (the payment id is the request id, so asking twice creates one) and
// records it.
func (s *Service) finishCreate(ctx context.Context, p *Payment) error {
	t, err := s.provider.CreateTransaction(ctx, TransactionRequest{RequestID: p.ID, Amount: p.Amount, Currency: p.Currency,
		Purpose: p.Purpose, Description: p.Description, RedirectURL: s.cfg.PublicURL + ReturnPath + p.ID, Items: p.Items})
	if err != nil {
		return fmt.Errorf("create transaction for payment %s: %w", p.ID, err)
	}
	if t.ID == "" || t.RedirectURL == "" {
		return &hub.Error{Code: hub.EUNAVAILABLE, Kind: "payment_provider_unavailable",
			Message: "The payment provider gave no transaction.", Err: errors.New("empty transaction")}
	}
	return s.store.markCreated(ctx, p, t, s.store.db.Now().Add(s.cfg.Backoff[0]))
}

// Get returns a payment of the calling vendor.
func (s *Service) Get(ctx context.Context, pr *hub.Principal, id string) (*Payment, error) {
	if pr == nil || !pr.HasScope(hub.ScopePaymentsWrite) {
		return nil, &hub.Error{Code: hub.EFORBIDDEN, Kind: "insufficient_scope", Message: "The token lacks the scope payments:write."}
	}
	if !hub.ValidID(id) {
		return nil, errNotFound
	}
	return s.store.Find(ctx, pr.TenantID, pr.ClientID, id)
}

// ReturnHandler serves ReturnPath + "{paymentId}": the citizen's browser
// arrives here from the pay page. It checks the payment's status at once
// (briefly; the reconciler catches up otherwise) and sends the browser on
// to the vendor's return URL with the payment id and status.
func (s *Service) ReturnHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		if !hub.ValidID(id) {
			http.NotFound(w, r)
			return
		}
		p, err := s.store.findByID(r.Context(), id)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if p.Status == StatusInitial {
			ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
			if err := s.Check(ctx, p); err != nil {
				s.logger.Info("status check after return failed; reconciling later", "payment", p.ID, "error", err)
				_ = s.store.checkNow(context.WithoutCancel(ctx), p.ID)
			}
			cancel()
		}
		u, err := url.Parse(p.ReturnURL)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		q := u.Query()
		q.Set("paymentId", p.ID)
		q.Set("status", p.Status)
		u.RawQuery = q.Encode()
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, u.String(), http.StatusSeeOther)
	})
}
