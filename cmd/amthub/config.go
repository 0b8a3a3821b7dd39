package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/amthub/amthub/hub/backpressure"
	"github.com/amthub/amthub/hub/httpserver"
	"github.com/amthub/amthub/hub/telemetry"
)

// Config is the configuration of a hub process, read once from the
// environment (and, for `dev`, flags) and validated before anything starts.
type Config struct {
	HTTPAddr        string        // AMTHUB_HTTP_ADDR
	PublicURL       string        // AMTHUB_PUBLIC_URL: how callers reach the hub; the OAuth issuer
	DatabaseURL     string        // AMTHUB_DATABASE_URL
	AMQPURL         string        // AMTHUB_AMQP_URL; empty in dev: in-process bus
	RedisURL        string        // AMTHUB_REDIS_URL; empty in dev: in-process cache
	LogLevel        slog.Level    // AMTHUB_LOG_LEVEL
	LogFormat       string        // AMTHUB_LOG_FORMAT: json or text
	ShutdownTimeout time.Duration // AMTHUB_SHUTDOWN_TIMEOUT
	// KeyEncryptionKey (AMTHUB_KEY_ENCRYPTION_KEY, 32 bytes in base64)
	// encrypts signing keys at rest; dev makes one in its data directory.
	KeyEncryptionKey []byte
	DataDir          string // dev only: SQLite file and blobs
	Dev              bool
	// SubmissionTTL (AMTHUB_SUBMISSION_TTL) is how long a submission may
	// stay incomplete; ReceiptTimeout (AMTHUB_RECEIPT_TIMEOUT) how long a
	// forwarded one waits for accept/reject before it is sent again.
	SubmissionTTL  time.Duration
	ReceiptTimeout time.Duration
	// RetentionInterval (AMTHUB_RETENTION_INTERVAL) is how often the
	// deletion job looks for data whose retention ended; RetentionBatch
	// (AMTHUB_RETENTION_BATCH) bounds what one transaction deletes.
	RetentionInterval time.Duration
	RetentionBatch    int
	// InsecureCallbacks allows http and private callback addresses
	// (serve --insecure-callbacks, for test set-ups on loopback).
	InsecureCallbacks bool
	// Simulators runs simulators for outside systems not configured
	// (serve --simulators; always in dev).
	Simulators bool
	// Outside systems: ePayBL (AMTHUB_EPAYBL_URL, _ORIGINATOR, _ENDPOINT),
	// the registers (AMTHUB_REGISTER_URL), an external postbox
	// (AMTHUB_POSTBOX_URL). Empty: not connected.
	EPayBLURL, EPayBLOriginator, EPayBLEndpoint string
	RegisterURL, PostboxURL                     string
	// RegisterURLs (AMTHUB_REGISTER_POPULATION_URL, _TRADE_URL) reach one
	// register each, over HTTP (http(s)://) or AMQP request/reply
	// (amqp(s)://…?queue=NAME), overriding RegisterURL, which may be
	// either too. RegisterTimeout (AMTHUB_REGISTER_TIMEOUT) bounds a query.
	RegisterURLs    map[string]string
	RegisterTimeout time.Duration
	// PostboxReadChecks (AMTHUB_POSTBOX_READ_CHECKS) is when the hub asks
	// the external postbox whether a delivered message was read, counted
	// from its delivery; the last interval repeats until it was read or
	// PostboxReadCutoff (AMTHUB_POSTBOX_READ_CUTOFF) has passed.
	PostboxReadChecks []time.Duration
	PostboxReadCutoff time.Duration
	// FitConnectOutbound (AMTHUB_FITCONNECT_OUTBOUND) names a JSON file
	// listing the destinations whose submissions go to FIT-Connect, each
	// with its FIT-Connect destination, OAuth client and trust anchor.
	FitConnectOutbound string
	// PprofAddr (AMTHUB_PPROF_ADDR) serves Go's profiler there; empty: off.
	PprofAddr string
	// DatabasePool (AMTHUB_DATABASE_POOL) bounds the PostgreSQL connections.
	DatabasePool int
	// OutboxRelays (AMTHUB_OUTBOX_RELAYS) is how many relay loops move the
	// outbox to the broker; each holds a connection while its batch awaits
	// the broker's confirms.
	OutboxRelays int
	// PortalTenant (AMTHUB_PORTAL_TENANT) is the slug of the tenant whose
	// portal this hub serves; dev serves the demo tenant's.
	PortalTenant string
	// TrustedProxies (AMTHUB_TRUSTED_PROXIES) are the reverse proxies whose
	// X-Forwarded-For names the client (login throttling, rate limits).
	TrustedProxies []netip.Prefix
	// SMTP (AMTHUB_SMTP_ADDR, _FROM, _USERNAME, _PASSWORD) sends the
	// AdminCenter's invitations in serve; dev shows them in its outbox.
	SMTPAddr, SMTPFrom, SMTPUsername, SMTPPassword string
	// FITConnectTrustAnchors (AMTHUB_FITCONNECT_TRUST_ANCHORS) is a PEM file
	// of the CA certificates that must issue the keys FIT-Connect
	// subscribers register; empty: chains are not checked (dev, tests).
	FITConnectTrustAnchors string
	// SAMLKeyFile (AMTHUB_SAML_KEY_FILE) is a PEM file with the SAML IdP's
	// RSA signing key and its certificate; empty: no SAML IdP in serve
	// (dev makes a pair in its data directory).
	SAMLKeyFile string
	// PaymentChecks (AMTHUB_PAYMENT_CHECKS) is when the hub asks the payment
	// provider about an open payment, counted from its creation; the last
	// interval repeats until the payment is final or expires.
	PaymentChecks []time.Duration
	// Telemetry is what the standard OTEL_* variables say about traces:
	// off unless they name an exporter or an OTLP endpoint.
	Telemetry telemetry.Config
	// Backpressure holds the bounds past which new submissions are shed
	// with 503 (AMTHUB_BACKPRESSURE_*).
	Backpressure backpressure.Config
}

// Variable describes one environment variable the hub reads. Variables is
// the one list of them: the README's configuration table is checked
// against it (TestREADMEVariables) and so is what loadConfig reads.
type Variable struct {
	Name, Default, Help string
}

// Variables lists every environment variable the hub reads, in the order of
// the README's table.
var Variables = []Variable{
	{"AMTHUB_HTTP_ADDR", "`:8080` (dev: `127.0.0.1:8080`)", "address the HTTP server listens on"},
	{"AMTHUB_PUBLIC_URL", "the listen address", "external base URL of the hub; the OAuth issuer"},
	{"AMTHUB_DATABASE_URL", "required for `serve`", "PostgreSQL URL, e.g. `postgres://amthub:…@db:5432/amthub`"},
	{"AMTHUB_AMQP_URL", "required for `serve`", "RabbitMQ URL, e.g. `amqp://amthub:…@mq:5672/`"},
	{"AMTHUB_REDIS_URL", "required for `serve`", "Redis URL, e.g. `redis://cache:6379/0`"},
	{"AMTHUB_KEY_ENCRYPTION_KEY", "required for `serve`", "32 random bytes, base64 (`openssl rand -base64 32`): encrypts signing keys and callback secrets at rest; `dev` makes one in its data directory"},
	{"AMTHUB_SUBMISSION_TTL", "`24h`", "how long a submission may stay incomplete before it expires"},
	{"AMTHUB_RECEIPT_TIMEOUT", "`10m`", "how long a forwarded submission waits for accept/reject before it is delivered again"},
	{"AMTHUB_RETENTION_INTERVAL", "`1m`", "how often the deletion job looks for data whose retention period ended (periods per tenant: `amthub retention`)"},
	{"AMTHUB_RETENTION_BATCH", "`500`", "most items of one data kind the deletion job deletes in one transaction"},
	{"AMTHUB_PORTAL_TENANT", "none (dev: the demo tenant)", "slug of the tenant whose citizens' portal the hub serves at `/`"},
	{"AMTHUB_TRUSTED_PROXIES", "none: `X-Forwarded-For` ignored", "comma-separated networks (CIDR) or addresses of the reverse proxies in front of the hub, whose `X-Forwarded-For` names the client that login throttling and rate limits count"},
	{"AMTHUB_FITCONNECT_TRUST_ANCHORS", "none: chains not checked", "PEM file of the CA certificates that must issue (x5c) the keys FIT-Connect subscribers register for their destinations; set it in production"},
	{"AMTHUB_SAML_KEY_FILE", "no SAML IdP (dev: made in its data directory)", "PEM file with the SAML 2.0 IdP's RSA signing key (≥ 2048 bits) and its certificate, which `/saml/metadata` publishes"},
	{"AMTHUB_EPAYBL_URL", "not connected (dev: simulator)", "the ePayBL / XBezahldienste payment provider"},
	{"AMTHUB_EPAYBL_ORIGINATOR", "`amthub`", "the hub's originatorId at the payment provider"},
	{"AMTHUB_EPAYBL_ENDPOINT", "`default`", "the hub's endPointId at the payment provider"},
	{"AMTHUB_PAYMENT_CHECKS", "`1m,2m,5m,10m,30m,1h` (dev: `5s,15s,1m,5m`)", "when open payments are reconciled with the provider (the provider does not push)"},
	{"AMTHUB_REGISTER_URL", "not connected (dev: simulator)", "both registers (population and trade): an `http(s)://` register gateway, or an `amqp(s)://` broker for AMQP request/reply on the queues `register.population` and `register.trade`"},
	{"AMTHUB_REGISTER_POPULATION_URL", "`AMTHUB_REGISTER_URL`", "the population register alone, over HTTP (`https://gateway.example/`) or AMQP request/reply (`amqps://user:…@mq:5671/vhost?queue=xmeld.requests`; the scheme picks the transport, `queue` names the register's request queue)"},
	{"AMTHUB_REGISTER_TRADE_URL", "`AMTHUB_REGISTER_URL`", "the trade register alone, as `AMTHUB_REGISTER_POPULATION_URL`; `serve --simulators` runs the trade register over AMQP on the hub's broker"},
	{"AMTHUB_REGISTER_TIMEOUT", "`3s`", "how long a register query waits for its answer before it fails with 503 `register_timeout`"},
	{"AMTHUB_POSTBOX_URL", "not connected (dev: simulator)", "an external (BundID-style) postbox; the own mailbox is always on"},
	{"AMTHUB_POSTBOX_READ_CHECKS", "`1m,5m,15m,1h,6h,24h` (dev: `5s,15s,1m`)", "when the hub asks the external postbox whether a delivered message was read, counted from delivery; the last interval repeats"},
	{"AMTHUB_POSTBOX_READ_CUTOFF", "`720h`", "after this age a delivered message is no longer checked for reading"},
	{"AMTHUB_FITCONNECT_OUTBOUND", "none (dev: one simulated destination)", "a JSON file listing the destinations of kind `fitconnect` and where their submissions go: `[{\"destinationId\", \"fitConnectDestinationId\", \"clientId\", \"clientSecret\", \"tokenUrl\", \"submissionApiUrl\", \"scope\", \"trustAnchor\": PEM file}]`"},
	{"AMTHUB_DATABASE_POOL", "`32`", "most PostgreSQL connections one hub process opens"},
	{"AMTHUB_OUTBOX_RELAYS", "`8` (dev: `1`)", "outbox relay loops; each holds a database connection while its batch awaits the broker's confirms"},
	{"AMTHUB_SMTP_ADDR", "not connected (dev: the outbox page `/admin/dev/postausgang`)", "mail server `host:port` for the AdminCenter's invitations; STARTTLS is required"},
	{"AMTHUB_SMTP_FROM", "`amthub@localhost`", "sender address of the hub's e-mails"},
	{"AMTHUB_SMTP_USERNAME", "none", "user name at the mail server (PLAIN authentication over STARTTLS); empty: no authentication"},
	{"AMTHUB_SMTP_PASSWORD", "none", "password at the mail server"},
	{"AMTHUB_BACKPRESSURE_OUTBOX_MESSAGES", "`1000`", "backpressure: above this many messages waiting in the outbox, creating, uploading to and submitting submissions answer 503 `overloaded` with `Retry-After` (API) or a German page (portal); `0`: no bound"},
	{"AMTHUB_BACKPRESSURE_OUTBOX_AGE", "`1s`", "backpressure: the same when the oldest message in the outbox not yet tried is older; `0`: no bound"},
	{"AMTHUB_BACKPRESSURE_QUEUE_MESSAGES", "`200`", "backpressure: the same for a destination whose queue `fv.<destination>` holds more messages its Fachverfahren has not taken (RabbitMQ only; measured four times a second); `0`: no bound"},
	{"AMTHUB_BACKPRESSURE_RETRY_AFTER", "`2s`", "backpressure: the wait the refused caller is told in `Retry-After`"},
	{"AMTHUB_PPROF_ADDR", "off", "serve Go's profiler (`/debug/pprof/`) on this address, e.g. `127.0.0.1:6060`; never the public port"},
	{"AMTHUB_LOG_LEVEL", "`info`", "`debug`, `info`, `warn`, `error`"},
	{"AMTHUB_LOG_FORMAT", "`json`", "`json` or `text` (logs go to stderr, never with tokens or personal data)"},
	{"AMTHUB_SHUTDOWN_TIMEOUT", "`8s`", "how long SIGTERM waits for in-flight requests and workers"},
	{"OTEL_SDK_DISABLED", "`false`", "`true` switches tracing off whatever else is set"},
	{"OTEL_TRACES_EXPORTER", "`otlp` when an endpoint is set, else `none`", "`otlp` exports traces over OTLP/HTTP; `none` switches them off"},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "none: tracing off", "OTLP/HTTP collector base URL, e.g. `http://collector:4318` (traces go to `/v1/traces`); the exporter's other standard variables (`OTEL_EXPORTER_OTLP_HEADERS`, `_TIMEOUT`, …) apply"},
	{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "none", "full OTLP/HTTP URL for traces, instead of the base URL"},
	{"OTEL_EXPORTER_OTLP_PROTOCOL", "`http/protobuf`", "only `http/protobuf` is supported"},
	{"OTEL_SERVICE_NAME", "`amthub`", "the `service.name` of the spans; `OTEL_RESOURCE_ATTRIBUTES` adds to the resource"},
	{"OTEL_TRACES_SAMPLER", "`parentbased_always_on`", "`always_on`, `always_off`, `traceidratio`, or their `parentbased_` forms"},
	{"OTEL_TRACES_SAMPLER_ARG", "`1`", "the ratio for the `traceidratio` samplers, 0 to 1"},
}

// configError names the variable at fault, so start-up fails with one clear
// line.
type configError struct{ name, msg string }

func (e *configError) Error() string { return e.name + ": " + e.msg }

// loadConfig reads the configuration, one section after the other; dev
// selects the embedded defaults and needs no outside services.
func loadConfig(getenv func(string) string, dev bool) (Config, error) {
	c := Config{Dev: dev}
	sections := []func(getenv func(string) string) error{
		c.loadHTTP, c.loadLogging, c.loadLifecycle, c.loadPayments,
		c.loadPostbox, c.loadRegisters, c.loadPool, c.loadTelemetry, c.loadBackpressure,
	}
	if !dev {
		sections = append(sections, c.loadServices)
	}
	for _, load := range sections {
		if err := load(getenv); err != nil {
			return c, err
		}
	}
	return c, nil
}

// loadHTTP reads where the hub listens and how callers reach it.
func (c *Config) loadHTTP(getenv func(string) string) error {
	c.HTTPAddr = ":8080"
	if c.Dev {
		c.HTTPAddr = "127.0.0.1:8080"
	}
	if v := getenv("AMTHUB_HTTP_ADDR"); v != "" {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return &configError{"AMTHUB_HTTP_ADDR", "want host:port, e.g. :8080"}
		}
		c.HTTPAddr = v
	}
	if err := httpURL(getenv, "AMTHUB_PUBLIC_URL", &c.PublicURL); err != nil {
		return err
	}
	c.PortalTenant = getenv("AMTHUB_PORTAL_TENANT")
	proxies, err := httpserver.ParsePrefixes(getenv("AMTHUB_TRUSTED_PROXIES"))
	if err != nil {
		return &configError{"AMTHUB_TRUSTED_PROXIES", err.Error()}
	}
	c.TrustedProxies = proxies
	c.FITConnectTrustAnchors = getenv("AMTHUB_FITCONNECT_TRUST_ANCHORS")
	c.SAMLKeyFile = getenv("AMTHUB_SAML_KEY_FILE")
	c.PprofAddr = getenv("AMTHUB_PPROF_ADDR")
	c.SMTPAddr, c.SMTPFrom = getenv("AMTHUB_SMTP_ADDR"), getenv("AMTHUB_SMTP_FROM")
	c.SMTPUsername, c.SMTPPassword = getenv("AMTHUB_SMTP_USERNAME"), getenv("AMTHUB_SMTP_PASSWORD")
	if c.SMTPFrom == "" {
		c.SMTPFrom = "amthub@localhost"
	}
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			return &configError{"AMTHUB_SMTP_ADDR", "want host:port, e.g. mail.example:587"}
		}
	}
	c.FitConnectOutbound = getenv("AMTHUB_FITCONNECT_OUTBOUND")
	return nil
}

// loadLifecycle reads the submission deadlines and the shutdown grace.
func (c *Config) loadLifecycle(getenv func(string) string) error {
	c.ShutdownTimeout, c.SubmissionTTL, c.ReceiptTimeout = 8*time.Second, 24*time.Hour, 10*time.Minute
	c.RetentionInterval = time.Minute
	return durations(getenv, map[string]*time.Duration{
		"AMTHUB_SHUTDOWN_TIMEOUT":   &c.ShutdownTimeout,
		"AMTHUB_SUBMISSION_TTL":     &c.SubmissionTTL,
		"AMTHUB_RECEIPT_TIMEOUT":    &c.ReceiptTimeout,
		"AMTHUB_RETENTION_INTERVAL": &c.RetentionInterval,
	})
}

// loadPayments reads the payment provider and its reconciliation schedule.
func (c *Config) loadPayments(getenv func(string) string) error {
	c.EPayBLOriginator, c.EPayBLEndpoint = "amthub", "default"
	if c.Dev {
		c.PaymentChecks = []time.Duration{5 * time.Second, 15 * time.Second, time.Minute, 5 * time.Minute}
	}
	if err := httpURL(getenv, "AMTHUB_EPAYBL_URL", &c.EPayBLURL); err != nil {
		return err
	}
	if v := getenv("AMTHUB_EPAYBL_ORIGINATOR"); v != "" {
		c.EPayBLOriginator = v
	}
	if v := getenv("AMTHUB_EPAYBL_ENDPOINT"); v != "" {
		c.EPayBLEndpoint = v
	}
	return schedule(getenv, "AMTHUB_PAYMENT_CHECKS", &c.PaymentChecks)
}

// loadPostbox reads the external postbox and when it is asked about reads.
func (c *Config) loadPostbox(getenv func(string) string) error {
	if c.Dev {
		c.PostboxReadChecks = []time.Duration{5 * time.Second, 15 * time.Second, time.Minute}
	}
	if err := httpURL(getenv, "AMTHUB_POSTBOX_URL", &c.PostboxURL); err != nil {
		return err
	}
	if err := schedule(getenv, "AMTHUB_POSTBOX_READ_CHECKS", &c.PostboxReadChecks); err != nil {
		return err
	}
	return durations(getenv, map[string]*time.Duration{"AMTHUB_POSTBOX_READ_CUTOFF": &c.PostboxReadCutoff})
}

// loadPool reads how many database connections the hub opens and how many
// of them the outbox relays may hold.
func (c *Config) loadPool(getenv func(string) string) error {
	c.DatabasePool, c.OutboxRelays, c.RetentionBatch = 32, 8, 500
	if c.Dev {
		c.OutboxRelays = 1 // SQLite has one writer
	}
	for _, n := range []struct {
		name string
		to   *int
	}{{"AMTHUB_DATABASE_POOL", &c.DatabasePool}, {"AMTHUB_OUTBOX_RELAYS", &c.OutboxRelays}, {"AMTHUB_RETENTION_BATCH", &c.RetentionBatch}} {
		if v := getenv(n.name); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i <= 0 || i > 1000 {
				return &configError{n.name, "want a whole number from 1 to 1000"}
			}
			*n.to = i
		}
	}
	if c.OutboxRelays >= c.DatabasePool {
		return &configError{"AMTHUB_OUTBOX_RELAYS", "must be less than AMTHUB_DATABASE_POOL: the API needs connections too"}
	}
	return nil
}

// loadServices reads what `serve` needs and dev does without: PostgreSQL,
// RabbitMQ, Redis and the key that encrypts keys at rest.
func (c *Config) loadServices(getenv func(string) string) error {
	var err error
	if c.DatabaseURL, err = requireURL(getenv, "AMTHUB_DATABASE_URL", "postgres", "postgresql"); err != nil {
		return err
	}
	if c.AMQPURL, err = requireURL(getenv, "AMTHUB_AMQP_URL", "amqp", "amqps"); err != nil {
		return err
	}
	if c.RedisURL, err = requireURL(getenv, "AMTHUB_REDIS_URL", "redis", "rediss"); err != nil {
		return err
	}
	kek, err := base64.StdEncoding.DecodeString(getenv("AMTHUB_KEY_ENCRYPTION_KEY"))
	if err != nil || len(kek) != 32 {
		return &configError{"AMTHUB_KEY_ENCRYPTION_KEY", "want 32 random bytes in base64 (openssl rand -base64 32)"}
	}
	c.KeyEncryptionKey = kek
	return nil
}

// httpURL reads an optional absolute http(s) URL, without a trailing slash.
func httpURL(getenv func(string) string, name string, to *string) error {
	v := getenv(name)
	if v == "" {
		return nil
	}
	if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return &configError{name, "want an absolute http(s) URL"}
	}
	*to = strings.TrimSuffix(v, "/")
	return nil
}

// durations reads optional positive durations.
func durations(getenv func(string) string, to map[string]*time.Duration) error {
	for _, name := range slices.Sorted(maps.Keys(to)) {
		if v := getenv(name); v != "" {
			dur, err := time.ParseDuration(v)
			if err != nil || dur <= 0 {
				return &configError{name, "want a positive duration, e.g. 10s"}
			}
			*to[name] = dur
		}
	}
	return nil
}

// schedule reads an optional comma-separated list of positive durations.
func schedule(getenv func(string) string, name string, to *[]time.Duration) error {
	v := getenv(name)
	if v == "" {
		return nil
	}
	*to = nil
	for _, part := range strings.Split(v, ",") {
		dur, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil || dur <= 0 {
			return &configError{name, "want comma-separated positive durations, e.g. 1m,5m,30m"}
		}
		*to = append(*to, dur)
	}
	return nil
}

// loadRegisters reads where the registers are: AMTHUB_REGISTER_URL for
// both, AMTHUB_REGISTER_<NAME>_URL for one; http(s) or amqp(s) each; and
// how long a query may take.
func (c *Config) loadRegisters(getenv func(string) string) error {
	c.RegisterURLs = map[string]string{}
	for _, v := range []struct{ name, register string }{{"AMTHUB_REGISTER_URL", ""},
		{"AMTHUB_REGISTER_POPULATION_URL", "population"}, {"AMTHUB_REGISTER_TRADE_URL", "trade"}} {
		raw := getenv(v.name)
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || !slices.Contains([]string{"http", "https", "amqp", "amqps"}, u.Scheme) {
			return &configError{v.name, "want an absolute http(s) URL or an amqp(s) broker URL"} // never the value: it may hold a password
		}
		if u.Scheme == "http" || u.Scheme == "https" {
			raw = strings.TrimSuffix(raw, "/")
		}
		if v.register == "" {
			c.RegisterURL = raw
		} else {
			c.RegisterURLs[v.register] = raw
		}
	}
	return durations(getenv, map[string]*time.Duration{"AMTHUB_REGISTER_TIMEOUT": &c.RegisterTimeout})
}

// loadTelemetry reads the standard OTEL_* variables for traces.
func (c *Config) loadTelemetry(getenv func(string) string) error {
	var err error
	c.Telemetry, err = telemetry.FromEnv(getenv)
	var verr *telemetry.VariableError
	if errors.As(err, &verr) {
		return &configError{verr.Name, verr.Msg}
	}
	return err
}

// loadLogging reads the log level and format.
func (c *Config) loadLogging(getenv func(string) string) error {
	c.LogFormat = "json"
	if v := getenv("AMTHUB_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return &configError{"AMTHUB_LOG_LEVEL", "want debug, info, warn or error"}
		}
	}
	if v := getenv("AMTHUB_LOG_FORMAT"); v != "" {
		if v != "json" && v != "text" {
			return &configError{"AMTHUB_LOG_FORMAT", "want json or text"}
		}
		c.LogFormat = v
	}
	return nil
}

// requireURL reads a mandatory URL variable and checks its scheme. The
// error never repeats the value: it may hold a password.
func requireURL(getenv func(string) string, name string, schemes ...string) (string, error) {
	v := getenv(name)
	if v == "" {
		return "", &configError{name, "not set (want a " + schemes[0] + ":// URL)"}
	}
	u, err := url.Parse(v)
	if err != nil {
		return "", &configError{name, "not a valid URL"}
	}
	for _, s := range schemes {
		if u.Scheme == s && u.Host != "" {
			return v, nil
		}
	}
	return "", &configError{name, fmt.Sprintf("want a %s:// URL with a host, got scheme %q", schemes[0], u.Scheme)}
}

// defaultDataDir is the hub's folder in the user's data directory
// ($XDG_DATA_HOME/amthub, else ~/.local/share/amthub).
func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "amthub")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "amthub")
	}
	return "amthub-data"
}

// newLogger returns the process logger: JSON (or text) on stderr; a line
// logged with a traced context carries trace_id and span_id.
func newLogger(c Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "text" {
		return slog.New(telemetry.LogHandler(slog.NewTextHandler(os.Stderr, opts)))
	}
	return slog.New(telemetry.LogHandler(slog.NewJSONHandler(os.Stderr, opts)))
}
