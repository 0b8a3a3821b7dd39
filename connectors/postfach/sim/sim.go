// Package sim is a simulated external postbox in the style of the BundID
// postbox API: it takes messages for known mailboxes, keeps them in
// memory, recognises repeated deliveries by their Idempotency-Key, and can
// be made slow or unavailable. It runs in `amthub dev` and in tests.
package sim

import (
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/amthub/amthub/connectors/postfach"
	"github.com/amthub/amthub/hub"
)

// Config configures the simulator. The zero value works.
type Config struct {
	// Token, when set, is required as a bearer token.
	Token string
	// AcceptAnyMailbox takes messages for every mailbox UUID; otherwise
	// only for mailboxes added with AddMailbox.
	AcceptAnyMailbox bool
	// Latency delays every answer.
	Latency time.Duration
}

// Stored is a message the simulated postbox holds.
type Stored struct {
	ID         string
	ReceivedAt time.Time
	postfach.Message
}

// Sim is the simulated postbox. It is safe for concurrent use.
type Sim struct {
	cfg Config
	mux *http.ServeMux

	mu        sync.Mutex
	mailboxes map[string]bool
	messages  map[string][]Stored // by mailbox UUID
	byKey     map[string]string   // Idempotency-Key → message id
	down      bool
}

// New returns a simulator.
func New(cfg Config) *Sim {
	s := &Sim{cfg: cfg, mailboxes: map[string]bool{}, messages: map[string][]Stored{}, byKey: map[string]string{}}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST "+postfach.MessagesPath, s.post)
	s.mux.HandleFunc("GET /api/v1/mailboxes/{uuid}/messages", s.list)
	return s
}

// ServeHTTP serves the postbox API.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// AddMailbox makes a mailbox known.
func (s *Sim) AddMailbox(uuid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mailboxes[uuid] = true
}

// SetDown makes every call answer 503 (true) or work again (false).
func (s *Sim) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Messages returns the messages of a mailbox.
func (s *Sim) Messages(uuid string) []Stored {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages[uuid])
}

func (s *Sim) post(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Latency > 0 {
		time.Sleep(s.cfg.Latency)
	}
	if s.cfg.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.cfg.Token {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	var m postfach.Message
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 32<<20)).Decode(&m); err != nil || !valid(&m) {
		http.Error(w, `{"error":"invalid message"}`, http.StatusBadRequest)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.down:
		http.Error(w, `{"error":"unavailable"}`, http.StatusServiceUnavailable)
		return
	case !s.cfg.AcceptAnyMailbox && !s.mailboxes[m.MailboxUUID]:
		http.Error(w, `{"error":"unknown mailbox"}`, http.StatusNotFound)
		return
	}
	id, seen := s.byKey[key]
	if !seen || key == "" {
		id = hub.NewID()
		s.messages[m.MailboxUUID] = append(s.messages[m.MailboxUUID], Stored{ID: id, ReceivedAt: time.Now().UTC(), Message: m})
		if key != "" {
			s.byKey[key] = id
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(postfach.Created{MessageID: id})
}

// valid checks the fields the postbox requires.
func valid(m *postfach.Message) bool {
	levelOK := false
	for _, l := range postfach.StorkLevels {
		levelOK = levelOK || m.StorkQaaLevel == l
	}
	return levelOK && m.MailboxUUID != "" && m.Sender != "" && m.Title != "" && m.Content != "" &&
		utf8.RuneCountInString(m.Title) <= 255 && m.Service != ""
}

func (s *Sim) list(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.cfg.Token {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.Messages(r.PathValue("uuid")))
}
