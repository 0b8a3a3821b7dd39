// Package client is the Go client of the amthub vendor API, generated from
// the OpenAPI spec, plus the check every vendor needs for callbacks.
//
// Typical use:
//
//	c, err := client.NewClientWithResponses(hubURL, client.WithHTTPClient(oauth2Client))
//	res, err := c.GetRoutesWithResponse(ctx, &client.GetRoutesParams{LeikaKey: "99050012104000", Ars: "145110000000"})
//
// Callbacks: register a URL with PutCallback and keep the secret it returns.
// For each callback the hub sends, call VerifyCallback before trusting it:
//
//	body, _ := io.ReadAll(r.Body)
//	err := client.VerifyCallback(secret, r.Header.Get("callback-timestamp"),
//		r.Header.Get("callback-authentication"), body, time.Now())
//
// It checks the HMAC-SHA512 over timestamp + "." + body in constant time
// and refuses callbacks older than five minutes (replays).
package client

import (
	"time"

	"github.com/amthub/amthub/hub"
)

//go:generate go tool oapi-codegen -config cfg.yaml ../amthub.yaml

// Errors of VerifyCallback.
var (
	ErrCallbackSignature = hub.ErrCallbackSignature
	ErrCallbackStale     = hub.ErrCallbackStale
)

// VerifyCallback checks a callback received from the hub: secret is the
// one PutCallback returned; timestamp and signature are the values of the
// callback-timestamp and callback-authentication headers; body is the raw
// request body.
func VerifyCallback(secret []byte, timestamp, signature string, body []byte, now time.Time) error {
	return hub.VerifyCallback(secret, timestamp, signature, body, now)
}
