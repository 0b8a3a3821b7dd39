package sim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// token is an access token the simulator issued.
type token struct {
	clientID string
	scopes   []string
	expires  time.Time
}

// sendScope is the scope a sender's token carries for the destination's
// region, as FIT-Connect names it.
func (s *Sim) sendScope() string { return "send:region:" + s.cfg.Region }

// token answers POST /token: OAuth 2.0 client credentials (RFC 6749 4.4),
// the client authenticated by HTTP Basic or by form parameters.
func (s *Sim) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != s.cfg.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.ClientSecret)) != 1 {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	granted := []string{s.sendScope()}
	if want := strings.Fields(r.PostForm.Get("scope")); len(want) > 0 {
		for _, sc := range want {
			if sc != s.sendScope() {
				oauthError(w, http.StatusBadRequest, "invalid_scope")
				return
			}
		}
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	access := base64.RawURLEncoding.EncodeToString(b[:])
	s.mu.Lock()
	now := s.cfg.Now()
	for k, t := range s.tokens { // forget expired tokens
		if now.After(t.expires) {
			delete(s.tokens, k)
		}
	}
	s.tokens[access] = token{clientID: id, scopes: granted, expires: now.Add(s.cfg.TokenTTL)}
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "token_type": "Bearer",
		"expires_in": int(s.cfg.TokenTTL.Seconds()), "scope": strings.Join(granted, " "),
	})
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code})
}

// sender wraps a sender endpoint: it needs a live bearer token with the
// destination's send:region scope.
func (s *Sim) sender(h func(http.ResponseWriter, *http.Request, token)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		t, known := s.tokens[raw]
		s.mu.Unlock()
		if !ok || !known || s.cfg.Now().After(t.expires) {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			problem(w, http.StatusUnauthorized, "unauthorized", "Unauthorized", "access token missing, unknown or expired")
			return
		}
		for _, sc := range t.scopes {
			if sc == s.sendScope() {
				h(w, r, t)
				return
			}
		}
		problem(w, http.StatusForbidden, "forbidden", "Forbidden", "the token lacks the scope "+s.sendScope())
	}
}
