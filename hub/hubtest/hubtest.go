// Package hubtest gives tests the real servers they need: a fresh, migrated
// PostgreSQL database or SQLite file, and the URLs of RabbitMQ and Redis.
// The servers come from AMTHUB_TEST_DATABASE_URL, AMTHUB_TEST_AMQP_URL and
// AMTHUB_TEST_REDIS_URL, else from the local defaults. A server that cannot
// be reached fails the test loudly; nothing is ever skipped. `make test`
// installs and starts missing servers before it runs the tests.
//
// The databases carry the whole production schema, composed by
// cmd/amthub/schema from every module's migrations. This test-fixture
// package is the one place under hub/ allowed to import cmd/amthub/schema;
// that package is a leaf (sqlstore and the modules' migrations packages,
// none of their code), so a module's internal tests may import hubtest
// without a cycle.
package hubtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/amthub/amthub/cmd/amthub/schema"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Defaults for the test servers, all on loopback.
const (
	DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	DefaultAMQPURL     = "amqp://guest:guest@127.0.0.1:5672/"
	DefaultRedisURL    = "redis://127.0.0.1:6379/0"
)

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// PostgresAdminURL is the URL of the server tests create databases on.
func PostgresAdminURL() string { return env("AMTHUB_TEST_DATABASE_URL", DefaultDatabaseURL) }

// AMQPURL returns the RabbitMQ URL for tests, after checking it answers.
func AMQPURL(t testing.TB) string {
	u := env("AMTHUB_TEST_AMQP_URL", DefaultAMQPURL)
	mustReach(t, "AMTHUB_TEST_AMQP_URL", u, "5672")
	return u
}

// RedisURL returns the Redis URL for tests, after checking it answers.
func RedisURL(t testing.TB) string {
	u := env("AMTHUB_TEST_REDIS_URL", DefaultRedisURL)
	mustReach(t, "AMTHUB_TEST_REDIS_URL", u, "6379")
	return u
}

func mustReach(t testing.TB, variable, rawURL, defPort string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("%s: %v", variable, err)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), defPort)
	}
	c, err := net.DialTimeout("tcp", host, 3*time.Second)
	if err != nil {
		t.Fatalf("%s: server at %s not reachable (%v); run `make test`, which starts it", variable, host, err)
	}
	c.Close()
}

// Unique returns a short random name for queues, keys and databases.
func Unique(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// NewPostgres creates a fresh database on the test server, migrates it and
// drops it when the test ends.
func NewPostgres(t testing.TB) *sqlstore.DB {
	t.Helper()
	url := NewPostgresURL(t)
	return open(t, url)
}

// NewPostgresURL creates a fresh, empty database and returns its URL; it is
// dropped when the test ends.
func NewPostgresURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := PostgresAdminURL()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("AMTHUB_TEST_DATABASE_URL: cannot connect to PostgreSQL (%v); run `make test`, which starts it", err)
	}
	defer conn.Close(ctx)
	name := Unique("amthub_test_")
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("AMTHUB_TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// NewSQLite opens a migrated SQLite database in a temporary directory.
func NewSQLite(t testing.TB) *sqlstore.DB {
	t.Helper()
	return open(t, "sqlite:"+filepath.Join(t.TempDir(), "amthub.db"))
}

func open(t testing.TB, url string) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, url, sqlstore.Options{})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := Migrate(ctx, db); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return db
}

// Migrate applies the whole production schema, every module's migrations
// as cmd/amthub composes them, to db.
func Migrate(ctx context.Context, db *sqlstore.DB) error {
	return db.Migrate(ctx, nil, schema.All()...)
}

// Database is a named way to open a fresh test database.
type Database struct {
	Name string
	Open func(t testing.TB) *sqlstore.DB
}

// Databases lists both dialects, for suites that must behave the same on
// each: SQLite first, then PostgreSQL.
func Databases() []Database {
	return []Database{
		{Name: "sqlite", Open: NewSQLite},
		{Name: "postgres", Open: NewPostgres},
	}
}

// MustTenant creates a tenant with a unique slug for a test.
func MustTenant(t testing.TB, db *sqlstore.DB) string {
	t.Helper()
	id := Unique("t")
	err := sqlstore.NewTenantService(db).CreateTenant(context.Background(), &hub.Tenant{ID: id, Slug: id, Name: id})
	if err != nil {
		t.Fatalf("create test tenant: %v", err)
	}
	return id
}
