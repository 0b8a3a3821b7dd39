// Package conformance is the one test kit every connector passes against
// its real simulator: its configuration refuses what cannot work with an
// error that says why, its client talks to the simulator, and a peer that
// is down, answers nonsense or hangs gives a clear error in time, one
// that a caller can retry where retrying can help. Each connector's tests
// call Run with a Kit describing it.
package conformance

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
)

// Invalid is a configuration the connector must refuse.
type Invalid[C any] struct {
	Name string
	Edit func(*C) // turns a valid configuration into this bad one
	Want string   // a phrase the error must contain, naming what is wrong
}

// Kit describes one connector with configuration type C.
type Kit[C any] struct {
	// Config returns a valid configuration that reaches the peer at addr
	// (a base URL, or a broker URL for AMQP connectors), with the
	// connector's per-call timeout set to Timeout where it has one.
	Config func(addr string) C
	// Validate is the configuration's Validate method.
	Validate func(C) error
	// Invalid are configurations Validate must refuse.
	Invalid []Invalid[C]
	// Simulator starts the connector's simulator for the test and returns
	// its address.
	Simulator func(t *testing.T) string
	// Call builds a client from cfg and makes one representative call
	// (the one the hub makes most), bounded as the hub bounds it.
	Call func(ctx context.Context, cfg C) error
	// Timeout is how long one call may take when the peer hangs. It must
	// be at least a second, so that a cancelled call can be told apart.
	Timeout time.Duration
	// Down, Garbage and Hang return the address of a peer that is not
	// there, one that answers with something that is not the protocol,
	// and one that accepts and never answers. The defaults are HTTP
	// peers on loopback; AMQP connectors give their own.
	Down, Garbage, Hang func(t *testing.T) string
	// Retriable reports whether err tells the caller to try again later.
	// Default: hub.ErrorCode(err) == hub.EUNAVAILABLE.
	Retriable func(error) bool
}

// slack is what a call may take beyond its timeout: scheduling on a
// loaded test machine.
const slack = 2 * time.Second

// Run runs the conformance checks as subtests of t.
func Run[C any](t *testing.T, k Kit[C]) {
	t.Helper()
	if k.Timeout < time.Second {
		t.Fatalf("conformance: Timeout %s: want at least 1s", k.Timeout)
	}
	k = k.withDefaults()
	t.Run("ConfigValid", func(t *testing.T) {
		if err := k.Validate(k.Config("http://127.0.0.1:1")); err != nil {
			t.Fatalf("a valid configuration was refused: %v", err)
		}
	})
	for _, bad := range k.Invalid {
		t.Run("ErrConfig"+bad.Name, func(t *testing.T) {
			c := k.Config("http://127.0.0.1:1")
			bad.Edit(&c)
			err := k.Validate(c)
			if err == nil {
				t.Fatalf("%+v was accepted", c)
			}
			if !strings.Contains(err.Error(), bad.Want) {
				t.Fatalf("error %q does not say %q", err, bad.Want)
			}
		})
	}
	t.Run("Simulator", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), k.Timeout+slack)
		defer cancel()
		if err := k.Call(ctx, k.Config(k.Simulator(t))); err != nil {
			t.Fatalf("call to the simulator: %v", err)
		}
	})
	t.Run("ErrPeerDown", func(t *testing.T) {
		took, err := k.call(context.Background(), k.Down(t))
		if err == nil || !k.Retriable(err) || took > k.Timeout+slack {
			t.Fatalf("peer down: %v after %s, want a retriable error within %s", err, took, k.Timeout)
		}
	})
	t.Run("ErrPeerHangs", func(t *testing.T) {
		took, err := k.call(context.Background(), k.Hang(t))
		if err == nil || !k.Retriable(err) || took > k.Timeout+slack {
			t.Fatalf("peer hangs: %v after %s, want a retriable error within %s", err, took, k.Timeout)
		}
	})
	t.Run("ErrGarbage", func(t *testing.T) {
		if took, err := k.call(context.Background(), k.Garbage(t)); err == nil || took > k.Timeout+slack {
			t.Fatalf("nonsense answer: %v after %s, want it refused within %s", err, took, k.Timeout)
		}
	})
	t.Run("ErrCancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		if took, err := k.call(ctx, k.Hang(t)); err == nil || took > k.Timeout/2 {
			t.Fatalf("cancelled call: %v after %s, want an error soon after the cancel", err, took)
		}
	})
}

func (k Kit[C]) call(ctx context.Context, addr string) (time.Duration, error) {
	start := time.Now()
	err := k.Call(ctx, k.Config(addr))
	return time.Since(start), err
}

func (k Kit[C]) withDefaults() Kit[C] {
	if k.Down == nil {
		k.Down = ClosedPort
	}
	if k.Garbage == nil {
		k.Garbage = GarbageHTTP
	}
	if k.Hang == nil {
		k.Hang = HangingHTTP
	}
	if k.Retriable == nil {
		k.Retriable = func(err error) bool { return hub.ErrorCode(err) == hub.EUNAVAILABLE }
	}
	return k
}

// ClosedPort returns an http:// address on loopback where nothing
// listens.
func ClosedPort(t *testing.T) string {
	return "http://" + closedAddr(t)
}

func closedAddr(t *testing.T) string {
	t.Helper()
	return "127.0.0.1:" + hubtest.FreePort(t)
}

// GarbageHTTP returns the URL of an HTTP server that answers every
// request with 200 and a body that is neither JSON nor XML.
func GarbageHTTP(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("<<not the protocol>>"))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// HangingHTTP returns the URL of an HTTP server that takes every request
// and answers none until the test ends.
func HangingHTTP(t *testing.T) string {
	t.Helper()
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	return srv.URL
}

// SilentTCP returns the host:port of a TCP server that accepts
// connections and never says a word, for peers below HTTP (AMQP).
func SilentTCP(t *testing.T) string {
	t.Helper()
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return tcpServer(t, func(c net.Conn) {
		mu.Lock()
		defer mu.Unlock()
		conns = append(conns, c)
	})
}

// NonsenseTCP returns the host:port of a TCP server that answers every
// connection with bytes of no protocol and closes it.
func NonsenseTCP(t *testing.T) string {
	t.Helper()
	return tcpServer(t, func(c net.Conn) {
		_, _ = c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\nnot the protocol"))
		c.Close()
	})
}

// tcpServer listens on loopback and hands each connection to handle until
// the test ends.
func tcpServer(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			handle(c)
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().String()
}

// ClosedTCP returns the host:port of a loopback port where nothing
// listens.
func ClosedTCP(t *testing.T) string { return closedAddr(t) }

// IsContext reports whether err is a context's cancellation or deadline.
func IsContext(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Bad names a configuration the connector must refuse: edit turns a valid
// one into it, and the error must contain want.
func Bad[C any](name, want string, edit func(*C)) Invalid[C] {
	return Invalid[C]{Name: name, Edit: edit, Want: want}
}

// Serve serves a simulator over HTTP on loopback until the test ends and
// returns its URL, for a Kit's Simulator.
func Serve(t *testing.T, sim http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return srv.URL
}
