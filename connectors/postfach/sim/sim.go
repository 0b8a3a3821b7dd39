// Package sim is a simulated external postbox in the style of the BundID
// postbox API: it takes messages for known mailboxes, keeps them in
// memory, recognises repeated deliveries by their Idempotency-Key, reports
// whether a message was read, and can be made slow or unavailable. It runs
// in `amthub dev` and in tests.
//
// Endpoints:
//
//	POST /api/v1/messages                       deliver a message (Idempotency-Key)
//	GET  /api/v1/messages/{id}/status           DELIVERED or READ (with readAt)
//	POST /api/v1/messages/{id}/read             the citizen opens it (for tests and demos)
//	GET  /api/v1/mailboxes/{uuid}/messages      a mailbox's messages
//
// With a Token configured, every endpoint needs it as a bearer token.
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
	ReadAt     *time.Time // set once the citizen opened it
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
	s.mux.HandleFunc("GET "+postfach.MessagesPath+"/{id}"+postfach.StatusSuffix, s.status)
	s.mux.HandleFunc("POST "+postfach.MessagesPath+"/{id}/read", s.read)
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

// MarkRead records that the citizen opened message id, as if in the
// postbox's own web front; false if there is no such message. Opening it
// again keeps the first time.
func (s *Sim) MarkRead(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for uuid, msgs := range s.messages {
		for i := range msgs {
			if msgs[i].ID == id {
				if msgs[i].ReadAt == nil {
					now := time.Now().UTC()
					s.messages[uuid][i].ReadAt = &now
				}
				return true
			}
		}
	}
	return false
}

// find returns a copy of message id.
func (s *Sim) find(id string) (Stored, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, msgs := range s.messages {
		for _, m := range msgs {
			if m.ID == id {
				return m, true
			}
		}
	}
	return Stored{}, false
}

// authorized checks the token and whether the postbox is up, and answers
// the refusal itself.
func (s *Sim) authorized(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.cfg.Token {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return false
	}
	s.mu.Lock()
	down := s.down
	s.mu.Unlock()
	if down {
		http.Error(w, `{"error":"unavailable"}`, http.StatusServiceUnavailable)
		return false
	}
	return true
}

func (s *Sim) status(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	m, ok := s.find(r.PathValue("id"))
	if !ok {
		http.Error(w, `{"error":"unknown message"}`, http.StatusNotFound)
		return
	}
	st := postfach.MessageStatus{MessageID: m.ID, Status: postfach.StatusDelivered}
	if m.ReadAt != nil {
		st.Status, st.ReadAt = postfach.StatusRead, m.ReadAt
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(st)
}

func (s *Sim) read(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	if !s.MarkRead(r.PathValue("id")) {
		http.Error(w, `{"error":"unknown message"}`, http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusNoContent)
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
	switch m.StorkQaaLevel {
	case postfach.StorkLevel1, postfach.StorkLevel3, postfach.StorkLevel4:
	default:
		return false
	}
	return m.MailboxUUID != "" && m.Sender != "" && m.Title != "" && m.Content != "" &&
		utf8.RuneCountInString(m.Title) <= 255 && m.Service != ""
}

func (s *Sim) list(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.Messages(r.PathValue("uuid")))
}
