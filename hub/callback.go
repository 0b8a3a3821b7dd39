package hub

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"strconv"
	"time"
)

// Callback headers, as in FIT-Connect: the hub signs every callback with
// HMAC-SHA512 over timestamp + "." + body.
const (
	CallbackTimestampHeader = "callback-timestamp"
	CallbackSignatureHeader = "callback-authentication"
	// CallbackMaxAge is how old a callback may be before receivers refuse it.
	CallbackMaxAge = 5 * time.Minute
)

// SignCallback returns the hex HMAC-SHA512 of timestamp + "." + body.
func SignCallback(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha512.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Errors of VerifyCallback.
var (
	ErrCallbackSignature = errors.New("callback signature does not match")
	ErrCallbackStale     = errors.New("callback timestamp is missing, malformed or older than 5 minutes")
)

// VerifyCallback checks a received callback: the timestamp is at most
// CallbackMaxAge old (and not in the future beyond that), and the
// signature matches, compared in constant time.
func VerifyCallback(secret []byte, timestamp, signature string, body []byte, now time.Time) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrCallbackStale
	}
	if age := now.Sub(time.Unix(sec, 0)); age > CallbackMaxAge || age < -CallbackMaxAge {
		return ErrCallbackStale
	}
	want := SignCallback(secret, timestamp, body)
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return ErrCallbackSignature
	}
	return nil
}
