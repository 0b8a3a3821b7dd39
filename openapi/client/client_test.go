package client_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/openapi/client"
)

func TestVerifyCallback(t *testing.T) {
	secret := []byte("s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t")
	now := time.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	body := []byte(`{"eventId":"x"}`)
	if err := client.VerifyCallback(secret, ts, hub.SignCallback(secret, ts, body), body, now); err != nil {
		t.Fatalf("a correct callback was refused: %v", err)
	}
	if err := client.VerifyCallback(secret, ts, hub.SignCallback(secret, ts, body), []byte(`{}`), now); !errors.Is(err, client.ErrCallbackSignature) {
		t.Fatalf("a changed body was accepted: %v", err)
	}
}
