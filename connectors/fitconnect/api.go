package fitconnect

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/fitcrypto"
)

// API is a sender's client of FIT-Connect: the OAuth token endpoint and
// the Submission API. It keeps the access token until shortly before it
// expires and the destination's keys for keyTTL, each checked against the
// trust anchor. It is safe for concurrent use.
type API struct {
	cfg   Config
	http  *http.Client
	roots *x509.CertPool

	mu      sync.Mutex
	token   string
	expires time.Time
	keys    map[string]cachedKey   // "enc" or "<issuer> <kid>"
	schemas map[string][]schemaRef // service identifier → its data schemas, from the destination
}

// schemaRef is one of a destination service's submission schemas.
type schemaRef struct {
	SchemaURI string `json:"schemaUri"`
	MimeType  string `json:"mimeType"`
}

type cachedKey struct {
	key     *fitcrypto.PublicKey
	fetched time.Time
}

// keyTTL is how long a fetched key is used before it is fetched again, so
// that a destination's key rotation reaches the sender.
const keyTTL = 10 * time.Minute

// maxResponse bounds what the connector reads of one answer.
const maxResponse = 8 << 20

// NewAPI returns a client; httpClient may be nil.
func NewAPI(cfg Config, httpClient *http.Client) (*API, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	roots, _ := cfg.roots()
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	return &API{cfg: cfg.withDefaults(), http: httpClient, roots: roots, keys: map[string]cachedKey{}}, nil
}

// accessToken returns a live token, fetching one with the client
// credentials when needed.
func (a *API) accessToken(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" && a.cfg.Now().Before(a.expires) {
		return a.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if a.cfg.Scope != "" {
		form.Set("scope", a.cfg.Scope)
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("fitconnect: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(a.cfg.ClientID), url.QueryEscape(a.cfg.ClientSecret))
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := a.send(req, "token", &tok); err != nil {
		return "", err
	}
	if tok.AccessToken == "" || !strings.EqualFold(tok.TokenType, "bearer") {
		return "", hub.Errorf(hub.EUNAVAILABLE, "fitconnect: token endpoint answered without a bearer token")
	}
	life := time.Duration(tok.ExpiresIn) * time.Second
	if life <= 0 {
		life = 5 * time.Minute
	}
	a.token, a.expires = tok.AccessToken, a.cfg.Now().Add(life*9/10)
	return a.token, nil
}

// call runs one Submission API request with the bearer token; a 401 drops
// the token and tries once more with a new one. out, if not nil, receives
// the JSON answer.
func (a *API) call(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	for attempt := 0; ; attempt++ {
		tok, err := a.accessToken(ctx)
		if err != nil {
			return err
		}
		err = a.once(ctx, method, path, contentType, body, tok, out)
		if attempt == 0 && hub.IsCode(err, hub.EUNAUTHORIZED) {
			a.mu.Lock()
			if a.token == tok {
				a.token = ""
			}
			a.mu.Unlock()
			continue
		}
		return err
	}
}

func (a *API) once(ctx context.Context, method, path, contentType string, body []byte, tok string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, a.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(a.cfg.SubmissionURL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("fitconnect: build request: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	return a.send(req, method+" "+path, out)
}

// send runs req and decodes a 2xx JSON answer into out. Transport errors,
// timeouts, 429 and 5xx are EUNAVAILABLE (retry later); other answers map
// to the hub's codes, with FIT-Connect's problem title in the message.
func (a *API) send(req *http.Request, what string, out any) error {
	resp, err := a.http.Do(req)
	if err != nil {
		return &hub.Error{Code: hub.EUNAVAILABLE, Message: "FIT-Connect is not reachable.", Err: fmt.Errorf("fitconnect: %s: %w", what, err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return &hub.Error{Code: hub.EUNAVAILABLE, Message: "FIT-Connect's answer broke off.", Err: fmt.Errorf("fitconnect: %s: %w", what, err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return statusError(what, resp.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &hub.Error{Code: hub.EUNAVAILABLE, Message: "FIT-Connect answered with something that is not its protocol.",
			Err: fmt.Errorf("fitconnect: %s: decode answer: %w", what, err)}
	}
	return nil
}

// statusError turns a non-2xx answer into a hub error.
func statusError(what string, status int, body []byte) error {
	var p struct {
		Type, Title, Detail string
	}
	_ = json.Unmarshal(body, &p)
	code := hub.EINVALID
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		code = hub.EUNAVAILABLE
	case status == http.StatusUnauthorized:
		code = hub.EUNAUTHORIZED
	case status == http.StatusForbidden:
		code = hub.EFORBIDDEN
	case status == http.StatusNotFound:
		code = hub.ENOTFOUND
	case status == http.StatusConflict || status == http.StatusUnprocessableEntity:
		code = hub.EUNPROCESSABLE
	}
	return &hub.Error{Code: code, Kind: p.Type, Message: "FIT-Connect refused: " + p.Title,
		Err: fmt.Errorf("fitconnect: %s: status %d: %s", what, status, p.Detail)}
}

// EncryptionKey returns the FIT-Connect destination's public encryption
// key, after checking it and its x5c chain against the trust anchor.
func (a *API) EncryptionKey(ctx context.Context) (*fitcrypto.PublicKey, error) {
	if k := a.cached("enc"); k != nil {
		return k, nil
	}
	var dest struct {
		EncryptionKid string `json:"encryptionKid"`
		Status        string `json:"status"`
		Services      []struct {
			Identifier        string      `json:"identifier"`
			SubmissionSchemas []schemaRef `json:"submissionSchemas"`
		} `json:"services"`
	}
	base := "/v1/destinations/" + url.PathEscape(a.cfg.FITDestinationID)
	if err := a.call(ctx, http.MethodGet, base, "", nil, &dest); err != nil {
		return nil, err
	}
	if dest.Status != "" && dest.Status != "active" {
		return nil, hub.Errorf(hub.EUNAVAILABLE, "fitconnect: destination %s is %s", a.cfg.FITDestinationID, dest.Status)
	}
	if dest.EncryptionKid == "" {
		return nil, hub.Errorf(hub.EUNAVAILABLE, "fitconnect: destination %s names no encryption key", a.cfg.FITDestinationID)
	}
	k, err := a.fetchKey(ctx, base+"/keys/"+url.PathEscape(dest.EncryptionKid), fitcrypto.Encryption)
	if err != nil {
		return nil, err
	}
	if k.KeyID != dest.EncryptionKid {
		return nil, fmt.Errorf("fitconnect: key %q answered for kid %q: %w", k.KeyID, dest.EncryptionKid, fitcrypto.ErrKey)
	}
	a.keep("enc", k)
	a.mu.Lock()
	a.schemas = map[string][]schemaRef{}
	for _, sv := range dest.Services {
		a.schemas[sv.Identifier] = sv.SubmissionSchemas
	}
	a.mu.Unlock()
	return k, nil
}

// schemaURI is the schema the destination names for a service's data of
// a media type, or amthub's own name for it when the destination names
// none.
func (a *API) schemaURI(leika, mime string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, sc := range a.schemas[leikaURN+leika] {
		if sc.MimeType == mime && sc.SchemaURI != "" {
			return sc.SchemaURI
		}
	}
	return "urn:amthub:schema:" + leika
}

// SignatureKey returns the key a SET of issuer iss with key id kid is
// verified with: the destination's own key (its subscriber signs accept
// and reject; iss is the destination id) or the Submission API's (from
// its JWKS), each checked against the trust anchor.
func (a *API) SignatureKey(ctx context.Context, iss, kid string) (*fitcrypto.PublicKey, error) {
	ck := iss + " " + kid
	if k := a.cached(ck); k != nil {
		return k, nil
	}
	var k *fitcrypto.PublicKey
	var err error
	if strings.EqualFold(iss, a.cfg.FITDestinationID) {
		k, err = a.fetchKey(ctx, "/v1/destinations/"+url.PathEscape(a.cfg.FITDestinationID)+"/keys/"+url.PathEscape(kid), fitcrypto.Signature)
	} else {
		k, err = a.serviceKey(ctx, kid)
	}
	if err != nil {
		return nil, err
	}
	a.keep(ck, k)
	return k, nil
}

func (a *API) serviceKey(ctx context.Context, kid string) (*fitcrypto.PublicKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := a.call(ctx, http.MethodGet, "/.well-known/jwks.json", "", nil, &set); err != nil {
		return nil, err
	}
	for _, raw := range set.Keys {
		var head struct {
			Kid string `json:"kid"`
		}
		if json.Unmarshal(raw, &head) != nil || head.Kid != kid {
			continue
		}
		return a.checkKey(raw, fitcrypto.Signature)
	}
	return nil, fmt.Errorf("fitconnect: no key %q in the Submission API's JWKS: %w", kid, fitcrypto.ErrKey)
}

func (a *API) fetchKey(ctx context.Context, path string, p fitcrypto.Purpose) (*fitcrypto.PublicKey, error) {
	var raw json.RawMessage
	if err := a.call(ctx, http.MethodGet, path, "", nil, &raw); err != nil {
		return nil, err
	}
	return a.checkKey(raw, p)
}

func (a *API) checkKey(raw []byte, p fitcrypto.Purpose) (*fitcrypto.PublicKey, error) {
	k, err := fitcrypto.ParsePublicKey(raw, p)
	if err != nil {
		return nil, fmt.Errorf("fitconnect: %s key: %w", p, err)
	}
	if err := fitcrypto.VerifyChain(k, a.roots, a.cfg.Now()); err != nil {
		return nil, fmt.Errorf("fitconnect: %s key: %w", p, err)
	}
	return k, nil
}

func (a *API) cached(name string) *fitcrypto.PublicKey {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.keys[name]; ok && a.cfg.Now().Sub(c.fetched) < keyTTL {
		return c.key
	}
	return nil
}

func (a *API) keep(name string, k *fitcrypto.PublicKey) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.keys[name] = cachedKey{key: k, fetched: a.cfg.Now()}
}

// ErrUntrustedKey reports whether err is a key FIT-Connect published that
// the connector refuses (profile, chain): a matter for the operator.
func ErrUntrustedKey(err error) bool {
	return errors.Is(err, fitcrypto.ErrKey) || errors.Is(err, fitcrypto.ErrUntrusted) || errors.Is(err, fitcrypto.ErrMalformed)
}
