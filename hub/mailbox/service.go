package mailbox

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Config configures the mailbox.
type Config struct {
	// Keys encrypt attachments at rest. Required.
	Keys Keyring
	// MaxAttachmentSize bounds one attachment. Default 2 MiB (they travel
	// base64-encoded in a JSON body of at most 4 MiB).
	MaxAttachmentSize int64
	// MaxAttachments bounds the attachments of one message. Default 5.
	MaxAttachments int
	// AllowedTypes are the accepted attachment types. Default: documents
	// and images a citizen can open safely (PDF, PNG, JPEG, plain text).
	AllowedTypes []string
	// External delivers to external postboxes; nil keeps every message in
	// the own mailbox.
	External ExternalPostbox
	// RetryBackoff is the pause after a failed external delivery, doubled
	// per attempt up to 1 h. Default 30 s.
	RetryBackoff time.Duration
	// MaxAttempts is how often an external delivery is tried before the
	// message is marked failed. Default 20.
	MaxAttempts int
	// Receipts tells whether a message delivered to an external postbox
	// was read. Default: External, if it implements ReadReceipts; nil
	// turns read checks off.
	Receipts ReadReceipts
	// ReadChecks are the pauses between read checks of a delivered
	// external message, from its delivery; the last one repeats. Default
	// 1m, 5m, 15m, 1h, 6h, then daily.
	ReadChecks []time.Duration
	// ReadCutoff is how long after delivery a message is still checked.
	// Default 30 days.
	ReadCutoff time.Duration
}

// Validate reports whether the configuration can work.
func (c Config) Validate() error {
	if err := c.Keys.Validate(); err != nil {
		return err
	}
	if c.MaxAttachmentSize < 0 || c.MaxAttachments < 0 || c.RetryBackoff < 0 || c.MaxAttempts < 0 || c.ReadCutoff < 0 {
		return errors.New("mailbox config: limits must not be negative")
	}
	for _, d := range c.ReadChecks {
		if d <= 0 {
			return errors.New("mailbox config: read checks must be positive")
		}
	}
	return nil
}

// Cases is what the mailbox needs of the pipeline's cases: find one, and
// append a message's change to its case's timeline inside the message's
// transaction.
type Cases interface {
	FindCase(ctx context.Context, q sqlstore.Querier, id string) (*hub.Case, error)
	FindOwnedCase(ctx context.Context, q sqlstore.Querier, tenantID, clientID, id, field string) (*hub.Case, error)
	AppendEventTx(ctx context.Context, tx *sqlstore.Tx, e *hub.Event) error
}

// Destinations is what the mailbox needs of the catalogue: the destination
// whose name signs a Fachverfahren's message.
type Destinations interface {
	FindDestination(ctx context.Context, tenantID, id string) (*hub.Destination, error)
}

// Service is the mailbox.
type Service struct {
	db           *sqlstore.DB
	cases        Cases
	destinations Destinations
	cfg          Config
	logger       *slog.Logger
}

// NewService returns the mailbox service.
func NewService(db *sqlstore.DB, cases Cases, destinations Destinations, logger *slog.Logger, cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxAttachmentSize == 0 {
		cfg.MaxAttachmentSize = 2 << 20
	}
	if cfg.MaxAttachments == 0 {
		cfg.MaxAttachments = 5
	}
	if len(cfg.AllowedTypes) == 0 {
		cfg.AllowedTypes = []string{"application/pdf", "image/png", "image/jpeg", "text/plain"}
	}
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = 30 * time.Second
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 20
	}
	if r, ok := cfg.External.(ReadReceipts); ok && cfg.Receipts == nil {
		cfg.Receipts = r
	}
	if len(cfg.ReadChecks) == 0 {
		cfg.ReadChecks = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour}
	}
	if cfg.ReadCutoff == 0 {
		cfg.ReadCutoff = 30 * 24 * time.Hour
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{db: db, cases: cases, destinations: destinations, cfg: cfg, logger: logger}, nil
}

func forbidden(scope string) error {
	return &hub.Error{Code: hub.EFORBIDDEN, Kind: "insufficient_scope", Message: "The token lacks the scope " + scope + "."}
}

// PostboxRef returns the calling vendor's postbox reference for the
// citizen it acts for (by that citizen's consent); the same one every
// time. A client acting for itself gets none.
func (s *Service) PostboxRef(ctx context.Context, p *hub.Principal) (string, error) {
	if p == nil || !p.HasScope(hub.ScopeMailboxSend) {
		return "", forbidden(hub.ScopeMailboxSend)
	}
	if p.Subject == "" || p.Subject == p.ClientID {
		return "", &hub.Error{Code: hub.EFORBIDDEN, Kind: "consent_required",
			Message: "A postbox reference is given only with the citizen's consent (a token acting for the citizen)."}
	}
	var b [20]byte
	_, _ = rand.Read(b[:])
	ref := "pbx_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	if _, err := s.db.ExecContext(ctx, `INSERT INTO mailbox_postboxes (ref, tenant_id, client_id, citizen_id, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, client_id, citizen_id) DO NOTHING`,
		ref, p.TenantID, p.ClientID, p.Subject, s.db.Now()); err != nil {
		return "", fmt.Errorf("create postbox reference: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT ref FROM mailbox_postboxes WHERE tenant_id = $1 AND client_id = $2 AND citizen_id = $3`,
		p.TenantID, p.ClientID, p.Subject).Scan(&ref); err != nil {
		return "", fmt.Errorf("read postbox reference: %w", err)
	}
	return ref, nil
}

// Send stores a vendor's message and delivers it: at once to the own
// mailbox, or through the external postbox (right away when it answers,
// else by Run). Everything is checked before anything is written.
func (s *Service) Send(ctx context.Context, p *hub.Principal, req SendRequest, idemKey string) (m *Message, created bool, err error) {
	if p == nil || !p.HasScope(hub.ScopeMailboxSend) {
		return nil, false, forbidden(hub.ScopeMailboxSend)
	}
	if err := req.check(s.cfg.MaxAttachments); err != nil {
		return nil, false, err
	}
	for i := range req.Attachments {
		if err := s.checkAttachment(i, &req.Attachments[i]); err != nil {
			return nil, false, err
		}
	}
	raw, _ := json.Marshal(req)
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	if idemKey != "" {
		if prev, err := s.findByKey(ctx, p.TenantID, p.ClientID, idemKey, hash); err != nil || prev != nil {
			return prev, false, err
		}
	}
	m = &Message{ID: hub.NewID(), TenantID: p.TenantID, ClientID: p.ClientID, PostboxRef: req.PostboxRef, CaseID: req.CaseID,
		Direction: ToCitizen, Sender: req.Sender, Title: req.Title, Body: req.Body, BodyFormat: req.BodyFormat,
		ReplyAllowed: req.ReplyAllowed, AssuranceLevel: req.AssuranceLevel}
	err = s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := s.resolve(ctx, tx, m); err != nil {
			return err
		}
		return s.insertMessage(ctx, tx, m, req.Attachments, idemKey, hash)
	})
	if hub.IsCode(err, hub.ECONFLICT) && idemKey != "" {
		prev, ferr := s.findByKey(ctx, p.TenantID, p.ClientID, idemKey, hash)
		if ferr == nil && prev != nil {
			return prev, false, nil
		}
	}
	if err != nil {
		return nil, false, err
	}
	if m.Status == StatusPending {
		s.deliverNow(ctx, m.ID)
		if fresh, err := s.findMessage(ctx, `id = $1`, m.ID); err == nil {
			m = fresh
		}
	}
	return m, true, nil
}

// resolve finds the citizen behind the postbox reference (of this client),
// checks the case and picks the channel.
func (s *Service) resolve(ctx context.Context, tx *sqlstore.Tx, m *Message) error {
	err := tx.QueryRowContext(ctx, `SELECT citizen_id FROM mailbox_postboxes WHERE ref = $1 AND tenant_id = $2 AND client_id = $3`,
		m.PostboxRef, m.TenantID, m.ClientID).Scan(&m.CitizenID)
	if sqlstore.ErrNoRows(err) {
		return &hub.Error{Code: hub.ENOTFOUND, Kind: "postbox_not_found", Field: "postboxRef", Message: "No such postbox reference."}
	}
	if err != nil {
		return fmt.Errorf("resolve postbox reference: %w", err)
	}
	if m.CaseID != "" {
		c, err := s.cases.FindOwnedCase(ctx, tx, m.TenantID, m.ClientID, m.CaseID, "caseId")
		if err != nil {
			return err
		}
		if c.CitizenID != "" && c.CitizenID != m.CitizenID {
			return &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "recipient_not_applicant", Field: "postboxRef",
				Message: "The case belongs to another citizen than the postbox."}
		}
	}
	ch, err := channelOf(ctx, tx, m.TenantID, m.CitizenID)
	if err != nil {
		return err
	}
	m.Channel, m.Status = ch, StatusDelivered
	if ch == ChannelExternal {
		if s.cfg.External == nil {
			m.Channel = ChannelOwn // no adapter configured: keep it here
		} else {
			m.Status = StatusPending
		}
	}
	return nil
}

// Get returns a message of the calling vendor (sent by it, or a reply to
// one of its messages); another tenant's or vendor's is not found.
func (s *Service) Get(ctx context.Context, p *hub.Principal, id string) (*Message, error) {
	if p == nil || !p.HasScope(hub.ScopeMailboxSend) {
		return nil, forbidden(hub.ScopeMailboxSend)
	}
	if !hub.ValidID(id) {
		return nil, errNotFound
	}
	return s.findMessage(ctx, `tenant_id = $1 AND client_id = $2 AND id = $3`, p.TenantID, p.ClientID, id)
}
