package pipeline_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/fitcrypto"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/sqlstore"
)

const leika = "99050012104000"

// requireName is a Validator: the data must be an object with a "name".
type requireName struct{}

func (requireName) Validate(_ context.Context, _ json.RawMessage, data []byte) error {
	var v map[string]any
	if json.Unmarshal(data, &v) != nil || v["name"] == nil {
		return hub.FieldError("/name", "required")
	}
	return nil
}

// failingMapper is a Mapper that refuses a field, as a broken mapping would.
type failingMapper struct{}

func (failingMapper) Map(context.Context, pipeline.MapRequest) ([]byte, string, error) {
	return nil, "", &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "mapping_failed", Field: "/name", Message: "mapping raised an error"}
}

type env struct {
	svc    *pipeline.Service
	store  *pipeline.Store
	routes *catalogue.Store // the catalogue
	db     *sqlstore.DB
	p      *hub.Principal
	dest   *hub.Destination
}

func newEnv(t *testing.T, db *sqlstore.DB, mapping string, key json.RawMessage) *env {
	t.Helper()
	e := &env{db: db, store: pipeline.NewStore(db), routes: catalogue.NewStore(db)}
	tenant := hubtest.MustTenant(t, db)
	e.p = &hub.Principal{TenantID: tenant, ClientID: "vendor", Subject: "vendor", Scopes: []string{hub.ScopeSubmissionsWrite}}
	e.dest = &hub.Destination{TenantID: tenant, Name: "Amt", EncryptionKey: key, Services: []hub.DestinationService{
		{LeikaKey: leika, Name: "Dienst", SchemaURI: "urn:x", Schema: json.RawMessage(`{}`), MappingName: mapping, MappingVersion: "1"}}}
	if err := e.routes.CreateDestination(context.Background(), e.dest); err != nil {
		t.Fatal(err)
	}
	var err error
	e.svc, err = pipeline.NewService(pipeline.Deps{Store: e.store, Routing: e.routes, Validator: requireName{}, Mapper: failingMapper{},
		Issuer: "http://hub.test", SecretKey: make([]byte, 32), Now: db.Now}, pipeline.Config{InsecureCallbacks: true})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) create(t *testing.T) *hub.Submission {
	t.Helper()
	sub, _, err := e.svc.Create(context.Background(), e.p, pipeline.CreateRequest{DestinationID: e.dest.ID,
		ServiceType: hub.ServiceType{Identifier: leika}}, "")
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func TestService(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			t.Run("MappingFailureIsRecorded", func(t *testing.T) { testMappingFailure(t, newEnv(t, d.Open(t), "broken", nil)) })
			t.Run("Sealed", func(t *testing.T) { testSealed(t, d.Open(t)) })
			t.Run("Pickup", func(t *testing.T) { testPickup(t, d.Open(t)) })
			t.Run("Callbacks", func(t *testing.T) { testCallbacks(t, newEnv(t, d.Open(t), "", nil)) })
		})
	}
}

func testMappingFailure(t *testing.T, e *env) {
	ctx := context.Background()
	sub := e.create(t)
	_, err := e.svc.Submit(ctx, e.p, sub.ID, pipeline.SubmitRequest{Data: json.RawMessage(`{"name":"x"}`)})
	if hub.ErrorKind(err) != "mapping_failed" || hub.ErrorCode(err) != hub.EUNPROCESSABLE {
		t.Fatalf("err = %v, want mapping_failed", err)
	}
	var he *hub.Error
	if !asHub(err, &he) || he.Field != "/name" {
		t.Fatalf("field = %v", err)
	}
	evs, _ := e.store.ListEvents(ctx, e.p.TenantID, e.p.ClientID, sub.CaseID, 0, 10)
	if len(evs) != 2 || evs[1].Type != hub.EventSubmissionMappingFailed || !strings.Contains(string(evs[1].Data), `"/name"`) {
		t.Fatalf("timeline = %+v", evs)
	}
	if got, _ := e.svc.Get(ctx, e.p, sub.ID); got.State != hub.StateIncomplete {
		t.Fatalf("a submission whose mapping failed moved on: %s", got.State)
	}
	if n, _, _ := e.db.OutboxStats(ctx); n != 0 {
		t.Fatalf("a submission whose mapping failed was queued for forwarding")
	}
	// Data that breaks the schema never reaches the mapping.
	_, err = e.svc.Submit(ctx, e.p, sub.ID, pipeline.SubmitRequest{Data: json.RawMessage(`{}`)})
	if hub.ErrorKind(err) != "data_invalid" {
		t.Fatalf("err = %v, want data_invalid", err)
	}
}

func testSealed(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	key, other := sealKey(t, "enc-1"), sealKey(t, "enc-2")
	jwk, err := key.Public().MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	jwe, err := fitcrypto.Encrypt([]byte(`{"name":"x"}`), key.Public(), "application/json")
	if err != nil {
		t.Fatal(err)
	}
	meta, err := fitcrypto.Encrypt([]byte(`{}`), key.Public(), "application/json")
	if err != nil {
		t.Fatal(err)
	}
	forOther, err := fitcrypto.Encrypt([]byte(`{"name":"x"}`), other.Public(), "application/json")
	if err != nil {
		t.Fatal(err)
	}
	plain := newEnv(t, db, "", nil)
	sub := plain.create(t)
	if _, err := plain.svc.Submit(ctx, plain.p, sub.ID, pipeline.SubmitRequest{EncryptedData: jwe}); hub.ErrorKind(err) != "encryption_not_supported" {
		t.Fatalf("sealed data to a destination without a key: %v", err)
	}
	keyed := newEnv(t, db, "broken", jwk)
	sub = keyed.create(t)
	for _, bad := range []string{"not a jwe", "a.b.c", "a.b.c.d.e.f"} {
		if _, err := keyed.svc.Submit(ctx, keyed.p, sub.ID, pipeline.SubmitRequest{EncryptedData: bad}); hub.ErrorCode(err) != hub.EINVALID {
			t.Fatalf("%q accepted as a JWE: %v", bad, err)
		}
	}
	for _, tc := range []struct{ name, data, meta, kind string }{
		{"WrongKeyData", forOther, meta, "encryption_key_mismatch"},
		{"WrongKeyMetadata", jwe, forOther, "encryption_key_mismatch"},
	} {
		_, err := keyed.svc.Submit(ctx, keyed.p, sub.ID, pipeline.SubmitRequest{EncryptedData: tc.data, EncryptedMetadata: tc.meta})
		if hub.ErrorKind(err) != tc.kind {
			t.Fatalf("%s: err = %v, want %s", tc.name, err, tc.kind)
		}
	}
	// Sealed data is neither validated nor mapped: the hub cannot read it.
	got, err := keyed.svc.Submit(ctx, keyed.p, sub.ID, pipeline.SubmitRequest{EncryptedData: jwe, EncryptedMetadata: meta})
	if err != nil || got.State != hub.StateSubmitted || got.ContentType != "application/jose" {
		t.Fatalf("sealed submit: %+v, %v", got, err)
	}
	var msgs []hub.OutboxMessage
	if err := db.InTx(ctx, func(tx *sqlstore.Tx) (err error) { msgs, err = sqlstore.ClaimOutbox(ctx, tx, 10); return err }); err != nil {
		t.Fatalf("claim the outbox: %v", err)
	}
	var body hub.SubmissionMessage
	if len(msgs) != 1 || json.Unmarshal(msgs[0].Payload, &body) != nil || body.ContentType != "application/jose" ||
		string(body.Data) != `"`+jwe+`"` || body.EncryptedMetadata != meta {
		t.Fatalf("forwarded sealed message: %s", msgs[0].Payload)
	}
}

func testCallbacks(t *testing.T, e *env) {
	ctx := context.Background()
	for _, bad := range []string{"ftp://x", "https://user:pw@host/", "/relative", "https://host/#frag"} {
		if _, err := e.svc.PutCallback(ctx, e.p, bad); hub.ErrorCode(err) != hub.EINVALID {
			t.Fatalf("callback URL %q accepted: %v", bad, err)
		}
	}
	var mu sync.Mutex
	var got []string
	fail := true
	var secret string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if fail { // the first attempt fails: the delivery must be retried
			fail = false
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if err := hub.VerifyCallback([]byte(secret), r.Header.Get(hub.CallbackTimestampHeader), r.Header.Get(hub.CallbackSignatureHeader), body, time.Now()); err != nil {
			t.Errorf("callback signature: %v", err)
		}
		got = append(got, string(body))
	}))
	defer srv.Close()
	reg, err := e.svc.PutCallback(ctx, e.p, srv.URL+"/hook")
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	secret = reg.Secret
	mu.Unlock()
	if len(reg.Secret) < 43 {
		t.Fatalf("secret too short: %d characters", len(reg.Secret))
	}
	sub := e.create(t)
	d := pipeline.NewDispatcher(e.svc, slog.New(slog.DiscardHandler), nil)
	if n := d.RunOnce(ctx); n != 1 {
		t.Fatalf("dispatched %d, want the created event", n)
	}
	// The failed delivery waits for its back-off, then goes out again.
	e.db.Now = func() time.Time { return time.Now().UTC().Add(5 * time.Second) }
	if n := d.RunOnce(ctx); n != 1 {
		t.Fatalf("retried %d deliveries, want 1", n)
	}
	if n := d.RunOnce(ctx); n != 0 {
		t.Fatalf("a delivered callback was sent again")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || !strings.Contains(got[0], sub.CaseID) || !strings.Contains(got[0], hub.EventSubmissionCreated) {
		t.Fatalf("callbacks = %v", got)
	}
}

// TestCallbackGuard refuses callbacks to loopback addresses in production.
func TestCallbackGuard(t *testing.T) {
	db := hubtest.NewSQLite(t)
	e := newEnv(t, db, "", nil)
	strict, err := pipeline.NewService(pipeline.Deps{Store: e.store, Routing: e.routes, Validator: requireName{}, Mapper: failingMapper{},
		SecretKey: make([]byte, 32), Now: db.Now}, pipeline.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := strict.PutCallback(context.Background(), e.p, "http://example.test/hook"); hub.ErrorCode(err) != hub.EINVALID {
		t.Fatalf("plain http accepted in production: %v", err)
	}
	called := false
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	defer srv.Close()
	if _, err := strict.PutCallback(context.Background(), e.p, srv.URL); err != nil {
		t.Fatal(err)
	}
	e.create(t)
	pipeline.NewDispatcher(strict, slog.New(slog.DiscardHandler), nil).RunOnce(context.Background())
	if called {
		t.Fatal("a callback reached a loopback address")
	}
	var lastErr string
	if err := db.QueryRowContext(context.Background(), `SELECT last_error FROM callback_deliveries`).Scan(&lastErr); err != nil || !strings.Contains(lastErr, "not allowed") {
		t.Fatalf("last_error = %q, %v", lastErr, err)
	}
}

func asHub(err error, target **hub.Error) bool {
	e, ok := err.(*hub.Error)
	*target = e
	return ok
}

// sealKeys are 4096-bit encryption keys, made once per test binary.
var sealKeys sync.Map

// sealKey returns the encryption key named kid.
func sealKey(t *testing.T, kid string) *fitcrypto.PrivateKey {
	t.Helper()
	if k, ok := sealKeys.Load(kid); ok {
		return k.(*fitcrypto.PrivateKey)
	}
	rk, err := rsa.GenerateKey(rand.Reader, fitcrypto.MinRSABits)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := sealKeys.LoadOrStore(kid, &fitcrypto.PrivateKey{KeyID: kid, Purpose: fitcrypto.Encryption, Key: rk})
	return k.(*fitcrypto.PrivateKey)
}

// testPickup: a submission for a destination whose subscribers fetch it is
// never queued for AMQP; it waits for pickup, the first fetch forwards it
// (once), and the sweeper never redelivers it.
func testPickup(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	e := &env{db: db, store: pipeline.NewStore(db), routes: catalogue.NewStore(db)}
	tenant := hubtest.MustTenant(t, db)
	e.p = &hub.Principal{TenantID: tenant, ClientID: "vendor", Subject: "vendor"}
	e.dest = &hub.Destination{TenantID: tenant, Name: "Amt", Pickup: true, Services: []hub.DestinationService{
		{LeikaKey: leika, Name: "Dienst", SchemaURI: "urn:x", Schema: json.RawMessage(`{}`)}}}
	if err := e.routes.CreateDestination(ctx, e.dest); err != nil {
		t.Fatal(err)
	}
	var err error
	if e.svc, err = pipeline.NewService(pipeline.Deps{Store: e.store, Routing: e.routes, Validator: requireName{},
		Issuer: "http://hub.test", SecretKey: make([]byte, 32), Now: db.Now}, pipeline.Config{}); err != nil {
		t.Fatal(err)
	}
	sub := e.create(t)
	got, err := e.svc.Submit(ctx, e.p, sub.ID, pipeline.SubmitRequest{Data: json.RawMessage(`{"name":"x"}`)})
	if err != nil || got.State != hub.StateSubmitted || !got.Pickup {
		t.Fatalf("submit: %+v, %v", got, err)
	}
	if n, _, _ := db.OutboxStats(ctx); n != 0 {
		t.Fatalf("a submission for pickup was queued for AMQP (%d outbox rows)", n)
	}
	items, total, err := e.store.ListForPickup(ctx, tenant, []string{e.dest.ID}, 10, 0)
	if err != nil || total != 1 || len(items) != 1 || items[0].SubmissionID != sub.ID || items[0].CaseID != sub.CaseID {
		t.Fatalf("pickup list = %+v (%d), %v", items, total, err)
	}
	if items, _, _ := e.store.ListForPickup(ctx, "other-tenant", []string{e.dest.ID}, 10, 0); len(items) != 0 {
		t.Fatalf("another tenant sees %+v", items)
	}
	for i, wantMoved := range []bool{true, false} {
		var moved bool
		if _, err := e.store.Update(ctx, sub.ID, func(s *hub.Submission) (err error) {
			moved, err = s.PickUp("subscriber", db.Now())
			return err
		}); err != nil || moved != wantMoved {
			t.Fatalf("pickup %d: moved = %v, %v; want %v", i+1, moved, err, wantMoved)
		}
	}
	if items, total, _ := e.store.ListForPickup(ctx, tenant, []string{e.dest.ID}, 10, 0); total != 0 || len(items) != 0 {
		t.Fatalf("a picked-up submission is still listed: %+v", items)
	}
	if n, err := e.store.RedeliverDue(ctx, db.Now().Add(time.Hour), 5, 10); err != nil || n != 0 {
		t.Fatalf("redelivered %d picked-up submissions, %v", n, err)
	}
	_, evs, err := e.store.CaseEvents(ctx, tenant, sub.CaseID, 100)
	if err != nil || len(evs) != 3 || evs[2].Type != hub.EventSubmissionForwarded {
		t.Fatalf("timeline = %+v, %v", evs, err)
	}
}
