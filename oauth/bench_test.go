package oauth

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/ory/fosite"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/hubtest"
)

// benchEnv is a server on SQLite (the dev mode) with the demo tenant.
func benchEnv(b *testing.B) (*Provider, *httptest.Server, DemoCredentials) {
	b.Helper()
	ctx := context.Background()
	db := hubtest.NewSQLite(b)
	srv := httptest.NewUnstartedServer(nil)
	unlimited := cache.PerSecond(1_000_000)
	p, err := New(ctx, Config{Issuer: "http://" + srv.Listener.Addr().String(), TokenLimitPerClient: unlimited,
		TokenLimitPerIP: unlimited}, db, cache.NewMemory(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	r := chi.NewRouter()
	p.Routes(r)
	r.With(p.Verifier.Require(hub.ScopeRoutesRead)).Get("/api/noop", func(w http.ResponseWriter, _ *http.Request) {})
	r.Get("/public/noop", func(w http.ResponseWriter, _ *http.Request) {})
	srv.Config.Handler = r
	srv.Start()
	b.Cleanup(srv.Close)
	demo, err := p.SeedDemo(ctx, hubtest.MustTenant(b, db))
	if err != nil {
		b.Fatal(err)
	}
	return p, srv, demo
}

// compare measures two operations in alternating rounds, so that load
// from elsewhere on a shared machine hits both alike; it returns ops/s of
// each.
func compare(b *testing.B, workersA int, a func() error, workersB int, opB func() error) (float64, float64) {
	const rounds = 10
	n := max(b.N/rounds, 1)
	var ta, tb time.Duration
	for range rounds {
		ta += timed(b, n, workersA, a)
		tb += timed(b, n, workersB, opB)
	}
	total := float64(n * rounds)
	return total / ta.Seconds(), total / tb.Seconds()
}

// timed runs op n times on workers goroutines and returns the time taken.
func timed(b *testing.B, n, workers int, op func() error) time.Duration {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if err := op(); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	return time.Since(start)
}

func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
}

func do(c *http.Client, req *http.Request) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &hub.Error{Code: hub.EINTERNAL, Message: "status " + resp.Status}
	}
	return nil
}

// BenchmarkTokenIssuance compares client-credentials issuance over HTTP
// (rate limits, client lookup, secret check, signing, storing the token
// signature on SQLite, audit log) with the in-process floor: verify the
// secret and sign the JWT. Target: ratio ≥ 0.5.
func BenchmarkTokenIssuance(b *testing.B) {
	p, srv, demo := benchEnv(b)
	ctx := context.Background()
	c, err := p.Clients.lookup(ctx, demo.Vendor.ClientID)
	if err != nil {
		b.Fatal(err)
	}
	strat := &tokenStrategy{keys: p.Keys, issuer: p.cfg.Issuer, now: time.Now}
	workers := runtime.GOMAXPROCS(0)
	body := url.Values{"grant_type": {"client_credentials"}}.Encode()
	hc := benchClient()
	b.ResetTimer()
	baseline, overHTTP := compare(b, workers, func() error {
		if err := (secretHasher{}).Compare(ctx, c.secretHash, []byte(demo.Vendor.ClientSecret)); err != nil {
			return err
		}
		sess := &Session{TenantID: c.TenantID, ClientID: c.ID, Subject: c.ID}
		sess.SetExpiresAt(fosite.AccessToken, time.Now().Add(15*time.Minute))
		req := &fosite.Request{Client: fositeClient{c}, Session: sess, GrantedScope: fosite.Arguments(c.Scopes),
			GrantedAudience: fosite.Arguments(c.Audience)}
		_, _, err := strat.GenerateAccessToken(ctx, req)
		return err
	}, 4*workers, func() error {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/oauth2/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(demo.Vendor.ClientID), url.QueryEscape(demo.Vendor.ClientSecret))
		return do(hc, req)
	})
	b.ReportMetric(baseline, "baseline_tokens/s")
	b.ReportMetric(overHTTP, "http_tokens/s")
	b.ReportMetric(overHTTP/baseline, "ratio")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkAuthenticated compares an authenticated no-op endpoint (bearer
// token checked by Require) with an unauthenticated one, both over HTTP.
// Target: ratio ≥ 0.8.
func BenchmarkAuthenticated(b *testing.B) {
	p, srv, demo := benchEnv(b)
	tok, err := issue(p, srv, demo)
	if err != nil {
		b.Fatal(err)
	}
	hc := benchClient()
	workers := 4 * runtime.GOMAXPROCS(0)
	get := func(path, token string) func() error {
		return func() error {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			return do(hc, req)
		}
	}
	b.ResetTimer()
	open, authed := compare(b, workers, get("/public/noop", ""), workers, get("/api/noop", tok))
	b.ReportMetric(open, "open_req/s")
	b.ReportMetric(authed, "authenticated_req/s")
	b.ReportMetric(authed/open, "ratio")
	b.ReportMetric(0, "ns/op")
}

func issue(p *Provider, srv *httptest.Server, demo DemoCredentials) (string, error) {
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(demo.Vendor.ClientID), url.QueryEscape(demo.Vendor.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	s := string(b)
	i := strings.Index(s, `"access_token":"`)
	if i < 0 {
		return "", &hub.Error{Code: hub.EINTERNAL, Message: s}
	}
	s = s[i+len(`"access_token":"`):]
	return s[:strings.IndexByte(s, '"')], nil
}
