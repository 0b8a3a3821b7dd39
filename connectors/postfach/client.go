// Package postfach connects the hub's mailbox to external postboxes: an
// adapter in the style of the BundID postbox API (messages with
// mailboxUuid, sender, title, content, service, storkQaaLevel, reference,
// replyAddress and attachments) that implements mailbox.ExternalPostbox,
// and tells whether a delivered message was read (mailbox.ReadReceipts).
// The simulator in package sim speaks the same protocol.
package postfach

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/mailbox"
)

// MessagesPath is where messages are posted; MessagesPath + "/{id}" +
// StatusSuffix is a delivered message's status.
const (
	MessagesPath = "/api/v1/messages"
	StatusSuffix = "/status"
)

// Message states the postbox reports.
const (
	StatusDelivered = "DELIVERED" // in the postbox, not opened yet
	StatusRead      = "READ"      // the citizen opened it
)

// MessageStatus is the postbox's view of a delivered message.
type MessageStatus struct {
	MessageID string     `json:"messageId"`
	Status    string     `json:"status"`
	ReadAt    *time.Time `json:"readAt,omitempty"`
}

// Message is a postbox message on the wire.
type Message struct {
	MailboxUUID   string           `json:"mailboxUuid"`
	Sender        string           `json:"sender"`
	Title         string           `json:"title"`
	Content       string           `json:"content"`
	ContentType   string           `json:"contentType"` // text/plain or text/markdown
	Service       string           `json:"service"`
	StorkQaaLevel string           `json:"storkQaaLevel"`
	Reference     string           `json:"reference,omitempty"`
	ReplyAddress  string           `json:"replyAddress,omitempty"`
	Attachments   []WireAttachment `json:"attachments,omitempty"`
}

// WireAttachment is an attachment on the wire.
type WireAttachment struct {
	Filename string `json:"filename"`
	MimeType string `json:"mimeType"`
	Content  []byte `json:"content"` // base64
}

// Created is the postbox's answer to a posted message.
type Created struct {
	MessageID string `json:"messageId"`
}

// The STORK QAA levels the postbox knows.
const (
	StorkLevel1 = "STORK-QAA-Level-1"
	StorkLevel3 = "STORK-QAA-Level-3"
	StorkLevel4 = "STORK-QAA-Level-4"
)

// StorkLevel maps one of the hub's assurance levels to its STORK QAA
// level; an unknown level maps to "", which the postbox refuses.
func StorkLevel(acr string) string {
	switch acr {
	case hub.ACRNormal:
		return StorkLevel1
	case hub.ACRSubstantial:
		return StorkLevel3
	case hub.ACRHigh:
		return StorkLevel4
	}
	return ""
}

// Config configures the adapter.
type Config struct {
	// BaseURL is the postbox API's root URL. Required.
	BaseURL string
	// Token, when set, is sent as a bearer token.
	Token string
	// Service names the portal as the sending service. Default "amthub".
	Service string
	// ReplyAddress is where replies go, if the postbox supports them.
	ReplyAddress string
	// Timeout bounds one delivery. Default 10 s.
	Timeout time.Duration
}

// Validate reports whether the configuration can work.
func (c Config) Validate() error {
	if u, err := url.Parse(c.BaseURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("postfach config: base URL %q: want an absolute http(s) URL", c.BaseURL)
	}
	if c.Timeout < 0 {
		return errors.New("postfach config: timeout must not be negative")
	}
	return nil
}

// Client delivers messages to the external postbox.
type Client struct {
	cfg  Config
	http *http.Client
}

var (
	_ mailbox.ExternalPostbox = (*Client)(nil)
	_ mailbox.ReadReceipts    = (*Client)(nil)
)

// NewClient returns the adapter; httpClient may be nil.
func NewClient(cfg Config, httpClient *http.Client) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Service == "" {
		cfg.Service = "amthub"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Client{cfg: cfg, http: httpClient}, nil
}

// Deliver implements mailbox.ExternalPostbox. The hub's message id travels
// as Idempotency-Key, so a repeated delivery creates one message.
func (c *Client) Deliver(ctx context.Context, m mailbox.ExternalMessage) (string, error) {
	w := Message{MailboxUUID: m.MailboxUUID, Sender: m.Sender, Title: m.Title, Content: m.Body, ContentType: "text/plain",
		Service: c.cfg.Service, StorkQaaLevel: StorkLevel(m.AssuranceLevel), Reference: m.Reference}
	if m.BodyFormat == mailbox.FormatMarkdown {
		w.ContentType = "text/markdown"
	}
	if m.ReplyAllowed {
		w.ReplyAddress = c.cfg.ReplyAddress
	}
	for _, a := range m.Attachments {
		w.Attachments = append(w.Attachments, WireAttachment{Filename: a.Filename, MimeType: a.MimeType, Content: a.Content})
	}
	body, err := json.Marshal(w)
	if err != nil {
		return "", fmt.Errorf("postfach: encode message: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+MessagesPath, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("postfach: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", m.MessageID)
	if c.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", unavailable(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case err != nil:
		return "", unavailable(err)
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return "", unavailable(fmt.Errorf("status %d", resp.StatusCode))
	case resp.StatusCode >= 400:
		return "", &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "postbox_refused", Message: "The external postbox refused the message.",
			Err: fmt.Errorf("status %d", resp.StatusCode)}
	}
	var out Created
	if err := json.Unmarshal(raw, &out); err != nil || out.MessageID == "" {
		return "", unavailable(fmt.Errorf("no message id in the answer: %v", err))
	}
	return out.MessageID, nil
}

// ReadStatus implements mailbox.ReadReceipts: it asks the postbox for the
// status of a message it delivered. A message the postbox does not know
// (any more) is an EUNPROCESSABLE error: asking again will not help.
func (c *Client) ReadStatus(ctx context.Context, externalID string) (mailbox.ReadStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		c.cfg.BaseURL+MessagesPath+"/"+url.PathEscape(externalID)+StatusSuffix, nil)
	if err != nil {
		return mailbox.ReadStatus{}, fmt.Errorf("postfach: build request: %w", err)
	}
	if c.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return mailbox.ReadStatus{}, unavailable(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case err != nil:
		return mailbox.ReadStatus{}, unavailable(err)
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return mailbox.ReadStatus{}, unavailable(fmt.Errorf("status %d", resp.StatusCode))
	case resp.StatusCode >= 400:
		return mailbox.ReadStatus{}, &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "postbox_refused",
			Message: "The external postbox does not know the message.", Err: fmt.Errorf("status %d", resp.StatusCode)}
	}
	var st MessageStatus
	if err := json.Unmarshal(raw, &st); err != nil {
		return mailbox.ReadStatus{}, unavailable(fmt.Errorf("decode status: %w", err))
	}
	switch st.Status {
	case StatusRead:
		out := mailbox.ReadStatus{Read: true}
		if st.ReadAt != nil {
			out.ReadAt = st.ReadAt.UTC()
		}
		return out, nil
	case StatusDelivered:
		return mailbox.ReadStatus{}, nil
	}
	return mailbox.ReadStatus{}, unavailable(fmt.Errorf("unknown message status %q", st.Status))
}

func unavailable(err error) error {
	return &hub.Error{Code: hub.EUNAVAILABLE, Kind: "postbox_unavailable", Message: "The external postbox is not available.",
		Err: fmt.Errorf("postfach: %w", err)}
}
