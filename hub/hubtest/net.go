package hubtest

import (
	"fmt"
	"io"
	"net"
	"sync"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/amthub/amthub/hub/bus"
)

// FreePort returns a loopback TCP port that was free a moment ago, for a
// server that must be started on a known address.
func FreePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	return port
}

// DeleteQueues deletes the queues and their dead-letter queues on the
// broker at amqpURL, so tests on the shared RabbitMQ leave nothing behind.
// A queue that is already gone is no error.
func DeleteQueues(t testing.TB, amqpURL string, queues ...string) {
	t.Helper()
	conn, err := amqp.Dial(amqpURL)
	if err != nil {
		t.Errorf("delete queues: %v", err)
		return
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Errorf("delete queues: %v", err)
		return
	}
	defer ch.Close()
	for _, q := range queues {
		for _, name := range []string{q, bus.DeadLetterQueue(q)} {
			if _, err := ch.QueueDelete(name, false, false, false); err != nil {
				t.Errorf("delete queue %s: %v", name, err)
				return // the channel is closed after a failure
			}
		}
	}
}

// Proxy is a TCP proxy on loopback that can cut the connections through it,
// to part a client from a server (the broker, say) while both keep
// running.
type Proxy struct {
	upstream string
	ln       net.Listener

	mu      sync.Mutex
	severed bool
	conns   map[net.Conn]struct{}
	wg      sync.WaitGroup
}

// NewProxy listens on a free loopback port and forwards to upstream
// (host:port).
func NewProxy(upstream string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("proxy listen: %w", err)
	}
	p := &Proxy{upstream: upstream, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Go(p.accept)
	return p, nil
}

// Addr is the address clients dial.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		severed := p.severed
		p.mu.Unlock()
		if severed {
			c.Close()
			continue
		}
		p.wg.Go(func() { p.pipe(c) })
	}
}

func (p *Proxy) pipe(down net.Conn) {
	up, err := net.Dial("tcp", p.upstream)
	if err != nil {
		down.Close()
		return
	}
	if !p.track(down, up) {
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, down); done <- struct{}{} }()
	go func() { _, _ = io.Copy(down, up); done <- struct{}{} }()
	<-done
	down.Close()
	up.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, down)
	delete(p.conns, up)
	p.mu.Unlock()
}

// track registers a connection pair, or closes it when the proxy was
// severed meanwhile.
func (p *Proxy) track(down, up net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.severed {
		down.Close()
		up.Close()
		return false
	}
	p.conns[down], p.conns[up] = struct{}{}, struct{}{}
	return true
}

// Cut resets every open connection, as a failed network would; new
// connections are accepted.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutLocked()
}

func (p *Proxy) cutLocked() {
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // a reset, not an orderly close
		}
		c.Close()
	}
}

// Sever cuts every connection and refuses new ones until Restore.
func (p *Proxy) Sever() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.severed = true
	p.cutLocked()
}

// Restore accepts connections again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	p.severed = false
	p.mu.Unlock()
}

// Close stops the proxy and its connections.
func (p *Proxy) Close() {
	p.ln.Close()
	p.Sever()
	p.wg.Wait()
}
