package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"

	"github.com/amthub/amthub/admin"
	"github.com/amthub/amthub/cmd/amthub/schema"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/httpserver"
	"github.com/amthub/amthub/hub/mailbox"
	"github.com/amthub/amthub/hub/outbox"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/hub/telemetry"
	"github.com/amthub/amthub/oauth"
	"github.com/amthub/amthub/oauth/saml"
	"github.com/amthub/amthub/openapi/fitconnect"
	"github.com/amthub/amthub/portal"
)

// cacheStore is what the hub needs of its cache.
type cacheStore interface {
	Allow(ctx context.Context, key string, l cache.Limit) (cache.Result, error)
	SetNX(ctx context.Context, key string, ttl time.Duration) (bool, error)
	Exists(ctx context.Context, key string) (bool, error)
	Delete(ctx context.Context, key string) error
	Ready(ctx context.Context) error
}

// App is one running hub: its connections, its workers and its HTTP server,
// wired by hand.
type App struct {
	Config   Config
	Logger   *slog.Logger
	Registry *prometheus.Registry
	DB       *sqlstore.DB
	Bus      bus.Bus
	Cache    cacheStore
	Router   chi.Router
	// PublicURL is how callers reach this hub; the OAuth issuer.
	PublicURL string
	OAuth     *oauth.Provider
	// SAML is the SAML 2.0 IdP; nil without a key pair (AMTHUB_SAML_KEY_FILE).
	SAML *saml.IdP
	// Catalogue holds areas, organisational units, responsibilities and
	// destinations: routing and the portal's finder read it.
	Catalogue *catalogue.Store
	// Cases is the pipeline's store: cases, submissions, their timelines.
	Cases    *pipeline.Store
	Pipeline *pipeline.Service
	Mailbox  *mailbox.Service
	Portal   *portal.Portal
	Tenants  *sqlstore.TenantService
	// Admin holds the AdminCenter's operations (tenants, units, staff,
	// roles, audit log).
	Admin *admin.Service
	// FITConnect is FIT-Connect's Submission and Routing API on the cases.
	FITConnect *fitconnect.Server
	// SimulatorURLs lists the outside systems simulated in this process.
	SimulatorURLs map[string]string
	// Telemetry makes the traces (the no-op provider unless OTEL_* ask).
	Telemetry *telemetry.Telemetry

	server  *httpserver.Server
	workers []func(ctx context.Context)
	closers []func() error
}

// openApp connects to everything the configuration names (SQLite, the
// in-process bus and cache in dev), migrates the database and builds the
// router. On error, whatever was opened is closed again.
func openApp(ctx context.Context, cfg Config, logger *slog.Logger, tel *telemetry.Telemetry) (app *App, err error) {
	a := &App{Config: cfg, Logger: logger, Registry: prometheus.NewRegistry(), SimulatorURLs: map[string]string{}, Telemetry: tel}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	dbURL := cfg.DatabaseURL
	if cfg.Dev {
		dbURL = "sqlite:" + cfg.DataDir + "/amthub.db"
	}
	if a.DB, err = sqlstore.Open(ctx, dbURL, sqlstore.Options{MaxOpenConns: cfg.DatabasePool, Tracer: a.tracer()}); err != nil {
		return nil, &configError{"AMTHUB_DATABASE_URL", err.Error()}
	}
	// Connection pool gauges (go_sql_*{db_name="amthub"}): waits mean the
	// pool (AMTHUB_DATABASE_POOL) is too small.
	a.Registry.MustRegister(collectors.NewDBStatsCollector(a.DB.DB, "amthub"))
	a.closers = append(a.closers, a.DB.Close)
	if err = a.DB.Migrate(ctx, nil, schema.All()...); err != nil {
		return nil, err
	}
	a.Tenants = sqlstore.NewTenantService(a.DB)
	wlog := watermill.NewSlogLoggerWithLevelMapping(logger, map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})
	if cfg.Dev {
		local := bus.NewLocal(wlog)
		a.Bus = local
		a.closers = append(a.closers, local.Close)
		a.Cache = cache.NewMemory()
	} else {
		amqpBus, err := bus.NewAMQP(ctx, bus.AMQPConfig{URL: cfg.AMQPURL}, wlog)
		if err != nil {
			return nil, &configError{"AMTHUB_AMQP_URL", err.Error()}
		}
		a.Bus = amqpBus
		a.closers = append(a.closers, amqpBus.Close)
		redis, err := cache.NewRedis(ctx, cfg.RedisURL, "amthub:")
		if err != nil {
			return nil, &configError{"AMTHUB_REDIS_URL", err.Error()}
		}
		a.Cache = redis
		a.closers = append(a.closers, redis.Close)
	}
	a.buildRouter()
	if err = a.listen(); err != nil {
		return nil, err
	}
	if err = a.startPprof(cfg.PprofAddr); err != nil {
		return nil, err
	}
	if err = a.mountModules(ctx); err != nil {
		return nil, err
	}
	relay := outbox.NewRelay(a.DB, a.Bus, logger, a.Registry, outbox.Config{OnSent: a.Cases.MarkForwarded, Workers: cfg.OutboxRelays,
		Tracer: tel.Tracer})
	a.workers = append(a.workers, relay.Run, func(ctx context.Context) { a.DB.Listen(ctx, logger) })
	return a, nil
}

// tracer is the tracer provider for instrumentation that costs even when
// nothing is recorded (HTTP and SQL wrappers): nil unless tracing is on.
func (a *App) tracer() trace.TracerProvider {
	if !a.Telemetry.Enabled {
		return nil
	}
	return a.Telemetry.Tracer
}

// httpClient is the client for an outside system's HTTP API: nil (the
// connector's default) unless tracing is on; then base, or a clone of
// http.DefaultTransport, wrapped so that each call is a client span whose
// W3C trace context goes out with the request.
func (a *App) httpClient(base *http.Transport) *http.Client {
	tp := a.tracer()
	if tp == nil {
		return nil
	}
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	return &http.Client{Transport: otelhttp.NewTransport(base, otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(telemetry.Propagator()), otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()))}
}

// buildRouter mounts the operations endpoints; the API modules add theirs.
// With tracing on, every request but the probes and metrics is a span,
// named after its route pattern (httpserver.Observe names it).
func (a *App) buildRouter() {
	r := chi.NewRouter()
	if tp := a.tracer(); tp != nil {
		r.Use(otelhttp.NewMiddleware("http", otelhttp.WithTracerProvider(tp),
			otelhttp.WithPropagators(telemetry.Propagator()), otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
			otelhttp.WithFilter(func(r *http.Request) bool {
				return r.URL.Path != "/metrics" && r.URL.Path != "/healthz" && r.URL.Path != "/readyz"
			})))
	}
	r.Use(httpserver.TrustProxies(a.Config.TrustedProxies), httpserver.WithRequestID(a.Logger), httpserver.Observe(httpserver.NewMetrics(a.Registry)))
	httpserver.MountOps(r, map[string]httpserver.Check{
		"database": a.DB.Ready,
		"broker":   a.Bus.Ready,
		"cache":    a.Cache.Ready,
	}, a.Registry)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		httpserver.WriteError(w, r, hub.Errorf(hub.ENOTFOUND, "No such resource."))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		httpserver.WriteProblem(w, httpserver.Problem{Type: httpserver.ProblemTypeBase + "method_not_allowed",
			Title: "Method Not Allowed", Status: http.StatusMethodNotAllowed, Instance: r.URL.Path})
	})
	a.Router = r
}

// listen binds the HTTP address; the public URL defaults to it.
func (a *App) listen() error {
	a.server = &httpserver.Server{Handler: a.Router, Logger: a.Logger, ShutdownTimeout: a.Config.ShutdownTimeout}
	if err := a.server.Listen(a.Config.HTTPAddr); err != nil {
		return &configError{"AMTHUB_HTTP_ADDR", err.Error()}
	}
	a.closers = append(a.closers, a.server.Close)
	a.PublicURL = a.Config.PublicURL
	if a.PublicURL == "" {
		addr := a.server.Addr().String()
		if host, port, _ := net.SplitHostPort(addr); host == "::" || host == "0.0.0.0" || host == "" {
			addr = net.JoinHostPort("localhost", port)
		}
		a.PublicURL = "http://" + addr
	}
	return nil
}

// Run serves until ctx ends. Shutdown drains in order: the HTTP server
// stops accepting and finishes in-flight requests; then the workers (relay,
// consumers) stop after their current unit of work.
func (a *App) Run(ctx context.Context) error {
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, w := range a.workers {
		wg.Go(func() { w(workCtx) })
	}
	a.Logger.Info("amthub started", "addr", a.server.Addr().String(), "database", string(a.DB.Dialect), "dev", a.Config.Dev)
	err := a.server.Serve(ctx)
	a.Logger.Info("http server drained; stopping workers")
	stopWork()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(a.Config.ShutdownTimeout):
		err = errors.Join(err, fmt.Errorf("workers did not stop within %s", a.Config.ShutdownTimeout))
	}
	return err
}

// Close closes every connection, in reverse order of opening.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}
