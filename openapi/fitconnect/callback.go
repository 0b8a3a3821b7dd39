package fitconnect

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// FIT-Connect's callback headers: the MAC and its timestamp (Unix seconds).
const (
	HeaderCallbackAuthentication = "Callback-Authentication"
	HeaderCallbackTimestamp      = "Callback-Timestamp"
)

// CallbackMaxAge is how old a callback's timestamp may be before a
// receiver refuses it, as FIT-Connect requires.
const CallbackMaxAge = 5 * time.Minute

// Errors of VerifyCallback.
var (
	ErrCallbackMAC = errors.New("fitconnect: callback authentication does not match")
	ErrCallbackAge = errors.New("fitconnect: callback timestamp too old or in the future")
)

// CallbackMAC returns FIT-Connect's callback authentication: the hex
// HMAC-SHA512, keyed with the callback secret, of the timestamp, a dot and
// the request body.
func CallbackMAC(secret []byte, timestamp int64, body []byte) string {
	m := hmac.New(sha512.New, secret)
	m.Write([]byte(strconv.FormatInt(timestamp, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// SignCallback sets the callback headers on a request about to be sent.
func SignCallback(h http.Header, secret, body []byte, now time.Time) {
	ts := now.Unix()
	h.Set(HeaderCallbackTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderCallbackAuthentication, CallbackMAC(secret, ts, body))
}

// VerifyCallback is what a receiver of FIT-Connect callbacks does with
// one: refuse it unless its timestamp lies within CallbackMaxAge of now
// (and not more than a minute ahead) and its MAC matches, compared in
// constant time.
func VerifyCallback(h http.Header, secret, body []byte, now time.Time) error {
	ts, err := strconv.ParseInt(h.Get(HeaderCallbackTimestamp), 10, 64)
	if err != nil {
		return ErrCallbackAge
	}
	at := time.Unix(ts, 0)
	if now.Sub(at) > CallbackMaxAge || at.Sub(now) > time.Minute {
		return ErrCallbackAge
	}
	want := CallbackMAC(secret, ts, body)
	if !hmac.Equal([]byte(want), []byte(h.Get(HeaderCallbackAuthentication))) {
		return ErrCallbackMAC
	}
	return nil
}
