package hubproc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os/exec"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Local server defaults, as in hub/hubtest (all on loopback).
const (
	DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	DefaultAMQPHost    = "127.0.0.1:5672"
	DefaultRedisURL    = "redis://127.0.0.1:6379/0"
	// KeyEncryptionKey is a fixed test key, so that a restarted hub reads
	// what the previous one wrote.
	KeyEncryptionKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
)

// Unique returns prefix with 12 random hex digits.
func Unique(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// Database is a fresh PostgreSQL database on the local server.
type Database struct {
	URL, name, admin string
}

// NewDatabase creates a database on the server at admin (empty: the test
// default).
func NewDatabase(ctx context.Context, admin string) (*Database, error) {
	if admin == "" {
		admin = DefaultDatabaseURL
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	name := Unique("amthub_run_")
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	u.Path = "/" + name
	return &Database{URL: u.String(), name: name, admin: admin}, nil
}

// Drop drops the database, closing its connections.
func (d *Database) Drop(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, d.admin)
	if err != nil {
		return fmt.Errorf("drop %s: %w", d.name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+d.name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop %s: %w", d.name, err)
	}
	return nil
}

// Vhost is a RabbitMQ virtual host of its own, so that no other hub on the
// shared broker consumes this run's replies (the replies queue has a fixed
// name).
type Vhost struct{ Name string }

// NewVhost creates a virtual host and gives guest all rights on it.
func NewVhost(ctx context.Context) (*Vhost, error) {
	v := &Vhost{Name: Unique("amthub-run-")}
	if err := rabbitmqctl(ctx, "add_vhost", v.Name); err != nil {
		return nil, err
	}
	if err := rabbitmqctl(ctx, "set_permissions", "-p", v.Name, "guest", ".*", ".*", ".*"); err != nil {
		return nil, err
	}
	return v, nil
}

// URL is the AMQP URL of the virtual host at host:port.
func (v *Vhost) URL(hostport string) string {
	return "amqp://guest:guest@" + hostport + "/" + url.PathEscape(v.Name)
}

// Delete deletes the virtual host with its queues.
func (v *Vhost) Delete(ctx context.Context) error { return rabbitmqctl(ctx, "delete_vhost", v.Name) }

func rabbitmqctl(ctx context.Context, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "rabbitmqctl", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("rabbitmqctl %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// Reachable reports whether a TCP connection to hostport succeeds.
func Reachable(hostport string) bool {
	c, err := net.DialTimeout("tcp", hostport, 2*time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
