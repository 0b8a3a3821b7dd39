package oauth

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ory/fosite"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/hubtest"
)

func TestVerifierExpired(t *testing.T) {
	ctx := context.Background()
	db := hubtest.NewSQLite(t)
	p, err := New(ctx, Config{Issuer: "http://127.0.0.1:1"}, db, cache.NewMemory(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	strat := &tokenStrategy{keys: p.Keys, issuer: p.cfg.Issuer, now: time.Now}
	sess := &Session{TenantID: "t", ClientID: "c", Subject: "c"}
	sess.SetExpiresAt(fosite.AccessToken, time.Now().Add(time.Minute))
	tok, _, err := strat.GenerateAccessToken(ctx, &fosite.Request{Client: fositeClient{&Client{ID: "c"}}, Session: sess,
		GrantedAudience: fosite.Arguments{p.cfg.Audience}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Verifier.Verify(ctx, tok); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	p.Verifier.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	_, err = p.Verifier.Verify(ctx, tok)
	if hub.ErrorKind(err) != "token_expired" || hub.ErrorCode(err) != hub.EUNAUTHORIZED {
		t.Fatalf("expired token: %v, want token_expired", err)
	}
}
