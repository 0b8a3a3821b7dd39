package hubproc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Scopes are the vendor scopes the runs need.
const Scopes = "routes:read submissions:write submissions:read events:read"

// Vendor is an application vendor's API client that behaves as a careful
// vendor does: it retries timeouts, connection errors, 5xx and 429 with the
// same Idempotency-Key, and fetches a new token on 401.
type Vendor struct {
	Base, ClientID, Secret string
	HTTP                   *http.Client

	mu    sync.Mutex
	token string
}

// NewVendor returns a client of the hub at base with a 10 s request
// timeout.
func NewVendor(base, clientID, secret string) *Vendor {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	return &Vendor{Base: base, ClientID: clientID, Secret: secret, HTTP: &http.Client{Timeout: 10 * time.Second, Transport: tr}}
}

// Token returns the current access token, fetching one if there is none.
func (v *Vendor) Token(ctx context.Context) (string, error) {
	v.mu.Lock()
	tok := v.token
	v.mu.Unlock()
	if tok != "" {
		return tok, nil
	}
	return v.refresh(ctx)
}

func (v *Vendor) refresh(ctx context.Context) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {Scopes}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.Base+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("token request: %w", err)
	}
	req.SetBasicAuth(url.QueryEscape(v.ClientID), url.QueryEscape(v.Secret))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := v.HTTP.Do(req)
	if err != nil {
		return "", fmt.Errorf("token request: %w", err)
	}
	defer res.Body.Close()
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&t); err != nil || res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token request: %s (%v)", res.Status, err)
	}
	v.mu.Lock()
	v.token = t.AccessToken
	v.mu.Unlock()
	return t.AccessToken, nil
}

// retryable is an answer a vendor retries with the same key.
func retryable(status int) bool {
	return status >= 500 || status == http.StatusTooManyRequests || status == http.StatusUnauthorized
}

// Post sends body to path with the Idempotency-Key key until the hub
// answers want or a final error, or until deadline. It returns the last
// answer's body and the number of attempts.
func (v *Vendor) Post(ctx context.Context, path, key string, body []byte, want int, deadline time.Time) ([]byte, int, error) {
	backoff := 50 * time.Millisecond
	var last error
	for attempt := 1; ; attempt++ {
		status, b, err := v.do(ctx, http.MethodPost, path, key, body)
		switch {
		case err == nil && status == want:
			return b, attempt, nil
		case err == nil && status == http.StatusUnauthorized:
			if _, terr := v.refresh(ctx); terr != nil {
				last = terr
			}
		case err == nil && !retryable(status):
			return b, attempt, fmt.Errorf("POST %s: %d %s", path, status, b)
		case err == nil:
			last = fmt.Errorf("POST %s: %d", path, status)
		default:
			last = err
		}
		if ctx.Err() != nil || time.Now().Add(backoff).After(deadline) {
			return nil, attempt, fmt.Errorf("POST %s: gave up after %d attempts: %w", path, attempt, last)
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, time.Second)
	}
}

func (v *Vendor) do(ctx context.Context, method, path, key string, body []byte) (int, []byte, error) {
	status, _, b, err := v.send(ctx, method, path, key, body)
	return status, b, err
}

// send is one request, with the answer's headers.
func (v *Vendor) send(ctx context.Context, method, path, key string, body []byte) (int, http.Header, []byte, error) {
	tok, err := v.Token(ctx)
	if err != nil {
		return 0, nil, nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, v.Base+path, rd)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := v.HTTP.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	return res.StatusCode, res.Header, b, nil
}

// Offer is what one offered submission got when the vendor sends each
// step once and takes a 503 as the answer (backpressure): accepted (submit
// answered 200), shed (a step answered 503, with or without Retry-After),
// or failed (anything else).
type Offer struct {
	SubmissionID, CaseID string
	Acked                bool
	AckedAt              time.Time
	Shed, RetryAfter     bool   // a step answered 503; it carried Retry-After
	ShedType             string // the problem type of the 503
	Err                  string
}

// OfferOnce creates a submission and submits it, one request per step (a
// 401 fetches a token and sends the step again).
func (v *Vendor) OfferOnce(ctx context.Context, d Destination) Offer {
	var o Offer
	step := func(path string, body []byte, want int) []byte {
		for attempt := 0; attempt < 2; attempt++ {
			status, h, b, err := v.send(ctx, http.MethodPost, path, uuid.NewString(), body)
			switch {
			case err != nil:
				o.Err = err.Error()
			case status == want:
				return b
			case status == http.StatusUnauthorized && attempt == 0:
				if _, err := v.refresh(ctx); err == nil {
					continue
				}
				o.Err = fmt.Sprintf("POST %s: 401", path)
			case status == http.StatusServiceUnavailable:
				var p struct{ Type string }
				_ = json.Unmarshal(b, &p)
				o.Shed, o.RetryAfter, o.ShedType = true, h.Get("Retry-After") != "", p.Type
			default:
				o.Err = fmt.Sprintf("POST %s: %d %s", path, status, b)
			}
			return nil
		}
		return nil
	}
	create, _ := json.Marshal(map[string]any{"destinationId": d.DestinationID,
		"serviceType": map[string]string{"identifier": d.LeikaKey}})
	b := step("/v1/submissions", create, http.StatusCreated)
	if b == nil {
		return o
	}
	var sub struct{ SubmissionID, CaseID string }
	if err := json.Unmarshal(b, &sub); err != nil || sub.SubmissionID == "" {
		o.Err = fmt.Sprintf("create answer %s: %v", b, err)
		return o
	}
	o.SubmissionID, o.CaseID = sub.SubmissionID, sub.CaseID
	submit, _ := json.Marshal(map[string]any{"data": d.ExampleData})
	if step("/v1/submissions/"+sub.SubmissionID+"/submit", submit, http.StatusOK) != nil {
		o.Acked, o.AckedAt = true, time.Now()
	}
	return o
}

// Op is the vendor's record of one submission: what it was told.
type Op struct {
	Destination  string
	SubmissionID string // set once create answered 201
	CaseID       string
	SubmitSent   bool      // submit was attempted at least once
	Acked        bool      // submit answered 200
	Start        time.Time // before the create
	AckedAt      time.Time // when submit answered 200
	Attempts     int       // requests sent, retries included
	Err          string    // why the vendor gave up
}

// Submit creates a submission without attachments and submits the
// destination's example data, each step retried until retryFor has passed.
func (v *Vendor) Submit(ctx context.Context, d Destination, retryFor time.Duration) Op {
	op := Op{Destination: d.DestinationID, Start: time.Now()}
	create, _ := json.Marshal(map[string]any{"destinationId": d.DestinationID,
		"serviceType": map[string]string{"identifier": d.LeikaKey}})
	b, n, err := v.Post(ctx, "/v1/submissions", uuid.NewString(), create, http.StatusCreated, time.Now().Add(retryFor))
	op.Attempts += n
	if err != nil {
		op.Err = err.Error()
		return op
	}
	var sub struct{ SubmissionID, CaseID string }
	if err := json.Unmarshal(b, &sub); err != nil || sub.SubmissionID == "" {
		op.Err = fmt.Sprintf("create answer %s: %v", b, err)
		return op
	}
	op.SubmissionID, op.CaseID, op.SubmitSent = sub.SubmissionID, sub.CaseID, true
	submit, _ := json.Marshal(map[string]any{"data": d.ExampleData})
	_, n, err = v.Post(ctx, "/v1/submissions/"+sub.SubmissionID+"/submit", uuid.NewString(), submit, http.StatusOK, time.Now().Add(retryFor))
	op.Attempts += n
	if err != nil {
		op.Err = err.Error()
		return op
	}
	op.Acked, op.AckedAt = true, time.Now()
	return op
}

// Event is one entry of a case timeline.
type Event struct {
	Seq          int       `json:"seq"`
	Type         string    `json:"type"`
	SubmissionID string    `json:"submissionId"`
	Time         time.Time `json:"time"`
}

// Events returns a case's timeline (up to 500 events).
func (v *Vendor) Events(ctx context.Context, caseID string) ([]Event, error) {
	for attempt := 0; ; attempt++ {
		status, b, err := v.do(ctx, http.MethodGet, "/v1/cases/"+caseID+"/events?limit=500", "", nil)
		if err == nil && status == http.StatusOK {
			var page struct{ Events []Event }
			if err := json.Unmarshal(b, &page); err != nil {
				return nil, fmt.Errorf("case %s events: %w", caseID, err)
			}
			return page.Events, nil
		}
		if err == nil && status == http.StatusUnauthorized {
			_, _ = v.refresh(ctx)
		}
		if attempt == 5 || ctx.Err() != nil {
			return nil, fmt.Errorf("case %s events: %d %s %v", caseID, status, b, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
