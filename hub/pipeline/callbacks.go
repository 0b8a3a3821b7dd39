package pipeline

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/poll"
	"github.com/amthub/amthub/hub/telemetry"
)

// RegisteredCallback is a callback as its owner sees it; Secret is set
// only in the answer to a registration.
type RegisteredCallback struct {
	URL       string
	Secret    string
	CreatedAt time.Time
}

// PutCallback registers (or replaces) the caller's callback URL and
// returns a new secret, shown only now.
func (s *Service) PutCallback(ctx context.Context, p *hub.Principal, rawURL string) (*RegisteredCallback, error) {
	if err := s.checkCallbackURL(rawURL); err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	secret := base64.RawURLEncoding.EncodeToString(key)
	cb := &Callback{TenantID: p.TenantID, ClientID: p.ClientID, URL: rawURL,
		SealedSecret: s.sealer.seal([]byte(secret), callbackAAD(p.TenantID, p.ClientID))}
	if err := s.store.PutCallback(ctx, cb); err != nil {
		return nil, err
	}
	return &RegisteredCallback{URL: cb.URL, Secret: secret, CreatedAt: cb.CreatedAt}, nil
}

// GetCallback returns the caller's callback, without its secret.
func (s *Service) GetCallback(ctx context.Context, p *hub.Principal) (*RegisteredCallback, error) {
	cb, err := s.store.FindCallback(ctx, p.TenantID, p.ClientID)
	if err != nil {
		return nil, err
	}
	return &RegisteredCallback{URL: cb.URL, CreatedAt: cb.CreatedAt}, nil
}

// DeleteCallback stops the caller's callbacks.
func (s *Service) DeleteCallback(ctx context.Context, p *hub.Principal) error {
	return s.store.DeleteCallback(ctx, p.TenantID, p.ClientID)
}

func callbackAAD(tenantID, clientID string) []byte {
	return []byte("callback/" + tenantID + "/" + clientID)
}

func (s *Service) checkCallbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || len(raw) > 2000 {
		return hub.FieldError("url", "must be an absolute URL without credentials or fragment")
	}
	if u.Scheme != "https" && !(s.cfg.InsecureCallbacks && u.Scheme == "http") {
		return hub.FieldError("url", "must be an https URL")
	}
	return nil
}

// Dispatcher delivers queued events to vendors' callback URLs, retrying
// with exponential backoff; it never blocks the pipeline: deliveries are
// leased in short transactions and sent outside any.
type Dispatcher struct {
	svc      *Service
	client   *http.Client
	logger   *slog.Logger
	parallel int
	sent     *prometheus.CounterVec
	tracer   trace.TracerProvider
}

// Delivery limits.
const (
	callbackLease   = time.Minute
	callbackTimeout = 10 * time.Second
	callbackMaxAge  = 24 * time.Hour
)

// NewDispatcher returns a dispatcher for the service's callbacks. reg may be nil.
func NewDispatcher(svc *Service, logger *slog.Logger, reg prometheus.Registerer) *Dispatcher {
	d := &Dispatcher{svc: svc, logger: logger, parallel: 8,
		client: &http.Client{Timeout: callbackTimeout, Transport: guardedTransport(svc.cfg.InsecureCallbacks),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "amthub_callbacks_total",
			Help: "Callback deliveries by outcome (delivered, retried, abandoned)."}, []string{"outcome"})}
	if reg != nil {
		reg.MustRegister(d.sent)
	}
	return d
}

// Trace makes each delivery a span (a trace of its own: the event's
// request is long over) whose POST carries its W3C trace context to the
// vendor.
func (d *Dispatcher) Trace(tp trace.TracerProvider) {
	d.tracer = tp
	d.client.Transport = otelhttp.NewTransport(d.client.Transport, otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(telemetry.Propagator()), otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()))
}

// Run delivers until ctx ends, looking for due deliveries every second.
func (d *Dispatcher) Run(ctx context.Context) {
	poll.Loop(ctx, time.Second, func(ctx context.Context) bool { return d.RunOnce(ctx) > 0 })
}

// RunOnce sends one batch of due deliveries and returns how many it tried.
func (d *Dispatcher) RunOnce(ctx context.Context) int {
	batch, err := d.svc.store.LeaseDeliveries(ctx, callbackLease, 50)
	if err != nil {
		d.logger.Warn("leasing callback deliveries failed", "error", err)
		return 0
	}
	sem := make(chan struct{}, d.parallel)
	var wg sync.WaitGroup
	for _, del := range batch {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			d.deliver(ctx, del)
		})
	}
	wg.Wait()
	return len(batch)
}

func (d *Dispatcher) deliver(ctx context.Context, del Delivery) {
	if d.tracer != nil {
		var span trace.Span
		ctx, span = d.tracer.Tracer(telemetry.ScopeName).Start(ctx, "callback deliver")
		defer span.End()
		if span.IsRecording() {
			span.SetAttributes(attribute.String("amthub.event.type", del.Event.Type), attribute.String("amthub.event.id", del.Event.ID),
				attribute.Int("amthub.callback.attempt", del.Attempts+1))
		}
	}
	err := d.send(ctx, del)
	now := d.svc.now()
	switch {
	case err == nil:
		d.sent.WithLabelValues("delivered").Inc()
		err = d.svc.store.FinishDelivery(ctx, del.ID)
	case now.Sub(del.CreatedAt) > callbackMaxAge:
		d.sent.WithLabelValues("abandoned").Inc()
		d.logger.Warn("callback abandoned after 24 h", "delivery", del.ID, "event", del.Event.ID, "error", err)
		err = d.svc.store.FinishDelivery(ctx, del.ID)
	default:
		d.sent.WithLabelValues("retried").Inc()
		backoff := min(time.Second<<min(del.Attempts, 12), time.Hour)
		err = d.svc.store.RetryDelivery(ctx, del.ID, now.Add(backoff), err.Error())
	}
	if err != nil && ctx.Err() == nil {
		d.logger.WarnContext(ctx, "recording a callback delivery failed; its lease will run out", "delivery", del.ID, "error", err)
	}
}

func (d *Dispatcher) send(ctx context.Context, del Delivery) error {
	body, err := d.payload(ctx, del)
	if err != nil {
		return err
	}
	secret, err := d.svc.sealer.open(del.SealedSecret, callbackAAD(del.Event.TenantID, del.ClientID))
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(d.svc.now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, del.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("callback request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "amthub-callbacks/1")
	req.Header.Set(hub.CallbackTimestampHeader, ts)
	req.Header.Set(hub.CallbackSignatureHeader, hub.SignCallback(secret, ts, body))
	res, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("post callback: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("callback answered %d", res.StatusCode)
	}
	return nil
}

// payload is the body of the delivery in its callback's flavour.
func (d *Dispatcher) payload(ctx context.Context, del Delivery) ([]byte, error) {
	if del.Flavour == flavourFITConnect {
		return fitConnectPayload(del)
	}
	if err := d.svc.sign(ctx, &del.Event); err != nil {
		return nil, fmt.Errorf("sign event: %w", err)
	}
	return json.Marshal(Payload(del.Event))
}

// guardedTransport refuses to connect to loopback, private and link-local
// addresses (checked on the resolved address, so DNS cannot smuggle them
// in), unless insecure callbacks are allowed.
func guardedTransport(insecure bool) *http.Transport {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !insecure {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip := net.ParseIP(host)
			if ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast() {
				return errors.New("callback address not allowed")
			}
			return nil
		}
	}
	return &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute,
		TLSHandshakeTimeout: 5 * time.Second, ResponseHeaderTimeout: callbackTimeout}
}
