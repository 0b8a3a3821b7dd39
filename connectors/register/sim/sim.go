// Package sim holds simulated registers: a population register (name and
// date of birth → address, in the spirit of XMeld) and a trade register
// (company name or register number → registration), both filled with
// synthetic German data from a seed, with configurable latency and
// failures. They run in `amthub dev` and are what the hub's tests and
// vendors' tests talk to.
package sim

import (
	"encoding/json"
	"errors"
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
	s.mux.HandleFunc("POST "+register.PopulationPath, s.guard(s.population))
	s.mux.HandleFunc("POST "+register.TradePath, s.guard(s.trade))
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

func (s *Sim) guard(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls++
		fail := s.down || s.cfg.FailEvery > 0 && s.calls%s.cfg.FailEvery == 0
		latency := s.latency
		s.mu.Unlock()
		if latency > 0 {
			t := time.NewTimer(latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if fail {
			http.Error(w, `{"fehler":"simulierter Ausfall"}`, http.StatusServiceUnavailable)
			return
		}
		h(w, r)
	}
}

func (s *Sim) population(w http.ResponseWriter, r *http.Request) {
	var req register.PopulationRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil ||
		req.Suchkriterien.Familienname == "" || req.Suchkriterien.Geburtsdatum == "" || req.Rechtsgrundlage == "" {
		http.Error(w, `{"fehler":"unvollständige Anfrage"}`, http.StatusBadRequest)
		return
	}
	c := req.Suchkriterien
	ans := register.PopulationAnswer{NachrichtID: req.NachrichtID, Ergebnis: register.ResultNotFound}
	switch hits := s.persons[personKey(c.Familienname, c.Vorname, c.Geburtsdatum)]; len(hits) {
	case 0:
	case 1:
		ans.Ergebnis, ans.Person = register.ResultFound, &hits[0]
	default:
		ans.Ergebnis = register.ResultAmbiguous
	}
	writeJSON(w, ans)
}

func (s *Sim) trade(w http.ResponseWriter, r *http.Request) {
	var req register.TradeRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil ||
		req.Firma == "" && req.Registernummer == "" {
		http.Error(w, `{"fehler":"unvollständige Anfrage"}`, http.StatusBadRequest)
		return
	}
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
	writeJSON(w, ans)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v) // a failed write means the caller left
}
