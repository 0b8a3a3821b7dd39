// Package sim holds simulated registers: a population register (name and
// date of birth → address, in the spirit of XMeld) and a trade register
// (company name or register number → registration), both filled with
// synthetic German data from a seed, with configurable latency and
// failures. They answer over HTTP (ServeHTTP) and over AMQP request/reply
// (ListenAMQP). They run in `amthub dev` and are what the hub's tests and
// vendors' tests talk to.
package sim

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/amthub/amthub/connectors/register"
)

// Config configures a simulated register. The zero value works.
type Config struct {
	// Seed picks the synthetic data set. Default 1.
	Seed uint64
	// Size is how many records are generated besides the demo record.
	// Default 1000.
	Size int
	// Latency delays every answer.
	Latency time.Duration
	// FailEvery makes every n-th query answer 503 (0: never).
	FailEvery int
}

// Validate reports whether the configuration can work.
func (c Config) Validate() error {
	if c.Size < 0 || c.Latency < 0 || c.FailEvery < 0 {
		return errors.New("register simulator config: size, latency and fail-every must not be negative")
	}
	return nil
}

// Sim is a simulated register (population and trade on one server). It is
// safe for concurrent use.
type Sim struct {
	cfg     Config
	mux     *http.ServeMux
	persons map[string][]register.Person     // familyName|givenName|dateOfBirth, lower case
	byName  map[string][]register.Eintragung // company name, lower case
	byNum   map[string][]register.Eintragung // register number
	all     []register.Person
	firms   []register.Eintragung

	mu      sync.Mutex
	calls   int
	down    bool
	latency time.Duration
}

// New returns a simulator serving both registers.
func New(cfg Config) (*Sim, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Size == 0 {
		cfg.Size = 1000
	}
	s := &Sim{cfg: cfg, latency: cfg.Latency, persons: map[string][]register.Person{},
		byName: map[string][]register.Eintragung{}, byNum: map[string][]register.Eintragung{}}
	s.all = people(cfg.Seed, cfg.Size)
	for _, p := range s.all {
		k := personKey(p.Familienname, p.Vornamen, p.Geburtsdatum)
		s.persons[k] = append(s.persons[k], p)
	}
	s.firms = companies(cfg.Seed, cfg.Size)
	for _, f := range s.firms {
		s.byName[strings.ToLower(f.Firma)] = append(s.byName[strings.ToLower(f.Firma)], f)
		s.byNum[f.Registernummer] = append(s.byNum[f.Registernummer], f)
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST "+register.PopulationPath, s.serve(register.PopulationType))
	s.mux.HandleFunc("POST "+register.TradePath, s.serve(register.TradeType))
	return s, nil
}

func personKey(family, given, born string) string {
	return strings.ToLower(strings.TrimSpace(family)) + "|" + strings.ToLower(strings.TrimSpace(given)) + "|" + strings.TrimSpace(born)
}

// Persons returns the residents of the population register (for demos).
func (s *Sim) Persons() []register.Person { return s.all }

// Companies returns the firms of the trade register (for demos).
func (s *Sim) Companies() []register.Eintragung { return s.firms }

// ServeHTTP serves both registers.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// SetDown makes every query answer 503 (true) or work again (false).
func (s *Sim) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// SetLatency changes the delay of answers.
func (s *Sim) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

func (s *Sim) serve(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.wait(r.Context()) {
			http.Error(w, `{"fehler":"simulierter Ausfall"}`, http.StatusServiceUnavailable)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
		if err != nil {
			http.Error(w, `{"fehler":"unvollständige Anfrage"}`, http.StatusBadRequest)
			return
		}
		status, out := s.answer(typ, body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(out) // a failed write means the caller left
	}
}

// wait counts a query, waits out the latency (or until ctx ends) and
// reports whether the register works for this query.
func (s *Sim) wait(ctx context.Context) bool {
	s.mu.Lock()
	s.calls++
	fail := s.down || s.cfg.FailEvery > 0 && s.calls%s.cfg.FailEvery == 0
	latency := s.latency
	s.mu.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return false
		}
	}
	return !fail
}

// fehler is the simulators' error answer.
type fehler struct {
	Fehler string `json:"fehler"`
}

// answer answers a query of type typ (register.PopulationType or
// register.TradeType) with a status (HTTP-like) and the answer.
func (s *Sim) answer(typ string, body []byte) (int, any) {
	switch typ {
	case register.PopulationType:
		var req register.PopulationRequest
		if err := json.Unmarshal(body, &req); err != nil || req.Suchkriterien.Familienname == "" ||
			req.Suchkriterien.Geburtsdatum == "" || req.Rechtsgrundlage == "" {
			return http.StatusBadRequest, fehler{"unvollständige Anfrage"}
		}
		return http.StatusOK, s.population(req)
	case register.TradeType:
		var req register.TradeRequest
		if err := json.Unmarshal(body, &req); err != nil || req.Firma == "" && req.Registernummer == "" {
			return http.StatusBadRequest, fehler{"unvollständige Anfrage"}
		}
		return http.StatusOK, s.trade(req)
	}
	return http.StatusBadRequest, fehler{"unbekannte Anfrageart"}
}

func (s *Sim) population(req register.PopulationRequest) register.PopulationAnswer {
	c := req.Suchkriterien
	ans := register.PopulationAnswer{NachrichtID: req.NachrichtID, Ergebnis: register.ResultNotFound}
	switch hits := s.persons[personKey(c.Familienname, c.Vorname, c.Geburtsdatum)]; len(hits) {
	case 0:
	case 1:
		ans.Ergebnis, ans.Person = register.ResultFound, &hits[0]
	default:
		ans.Ergebnis = register.ResultAmbiguous
	}
	return ans
}

func (s *Sim) trade(req register.TradeRequest) register.TradeAnswer {
	hits := s.byNum[strings.TrimSpace(req.Registernummer)]
	if req.Registernummer == "" {
		hits = s.byName[strings.ToLower(strings.TrimSpace(req.Firma))]
	}
	if req.Registergericht != "" {
		var in []register.Eintragung
		for _, h := range hits {
			if strings.EqualFold(h.Registergericht, req.Registergericht) {
				in = append(in, h)
			}
		}
		hits = in
	}
	ans := register.TradeAnswer{NachrichtID: req.NachrichtID, Ergebnis: register.ResultNotFound}
	switch len(hits) {
	case 0:
	case 1:
		ans.Ergebnis, ans.Eintragung = register.ResultFound, &hits[0]
	default:
		ans.Ergebnis = register.ResultAmbiguous
	}
	return ans
}
