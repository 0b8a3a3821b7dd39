package hubproc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Destination is a seeded destination as listed in demo.json.
type Destination struct {
	DestinationID string          `json:"destinationId"`
	LeikaKey      string          `json:"leikaKey"`
	ARS           string          `json:"ars"`
	ExampleData   json.RawMessage `json:"exampleData"`
}

// Demo mirrors the parts of demo.json the runs use.
type Demo struct {
	Tenant struct{ ID, Slug string }
	URLs   map[string]string `json:"urls"`
	Vendor struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	} `json:"vendor"`
	Destinations []Destination `json:"destinations"`
}

// HubConfig says how to run a hub process.
type HubConfig struct {
	Bin string
	Dir string // demo.json, data directory (dev) and logs
	// Dev runs `amthub dev` (SQLite, in-process bus and simulators);
	// otherwise `amthub serve --demo` on the servers named in Env.
	Dev  bool
	Addr string   // HTTP listen address; fixed, so a restart keeps the URL
	Env  []string // AMTHUB_* variables
}

// Hub is a hub process that can be killed and started again.
type Hub struct {
	cfg  HubConfig
	Proc *Proc
	Demo Demo
	Base string
}

// StartHub starts a hub and waits until it has written demo.json and
// answers /readyz.
func StartHub(ctx context.Context, cfg HubConfig) (*Hub, error) {
	h := &Hub{cfg: cfg}
	if err := h.Start(ctx); err != nil {
		return nil, err
	}
	return h, nil
}

// DemoPath is where the hub writes demo.json.
func (h *Hub) DemoPath() string { return filepath.Join(h.cfg.Dir, "demo.json") }

// LogPath is the hub's log file.
func (h *Hub) LogPath() string { return filepath.Join(h.cfg.Dir, "hub.log") }

// Start starts the (stopped) hub process again and waits until it is ready.
func (h *Hub) Start(ctx context.Context) error {
	_ = os.Remove(h.DemoPath())
	args := []string{"serve", "--demo", h.DemoPath()}
	env := append([]string{"AMTHUB_LOG_LEVEL=warn", "AMTHUB_HTTP_ADDR=" + h.cfg.Addr}, h.cfg.Env...)
	if h.cfg.Dev {
		args = []string{"dev", "--data-dir", h.cfg.Dir, "--addr", h.cfg.Addr}
	}
	p, err := Start("amthub "+args[0], h.cfg.Bin, args, env, h.LogPath())
	if err != nil {
		return err
	}
	h.Proc = p
	err = waitFor(ctx, p, 60*time.Second, "demo.json", func() error {
		b, err := os.ReadFile(h.DemoPath())
		if err != nil {
			return err
		}
		return json.Unmarshal(b, &h.Demo)
	})
	if err != nil {
		p.Kill()
		return err
	}
	h.Base = h.Demo.URLs["api"]
	if err := waitFor(ctx, p, 30*time.Second, "ready", func() error { return Ready(ctx, h.Base) }); err != nil {
		p.Kill()
		return err
	}
	return nil
}

// Ready reports whether the hub at base answers /readyz with 200.
func Ready(ctx context.Context, base string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
	if err != nil {
		return fmt.Errorf("readyz: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("readyz: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("readyz: %s", res.Status)
	}
	return nil
}

// Sim is a Fachverfahren simulator process with a durable applied log.
type Sim struct {
	Bin, AMQPURL, DestinationID, LogPath, Dir string
	// AcceptOnly makes it answer each submission with its accept alone,
	// without the three status updates it sends by default.
	AcceptOnly bool
	Proc       *Proc
}

// StderrPath is the simulator's own log (not the applied log).
func (s *Sim) StderrPath() string { return filepath.Join(s.Dir, "sim-"+s.DestinationID+".stderr") }

// Start runs `amthub sim fachverfahren` for the destination. It does not
// wait for the subscription; the queue is durable.
func (s *Sim) Start() error {
	args := []string{"sim", "fachverfahren", "--destination", s.DestinationID, "--log", s.LogPath, "--status-delay", "-1ms"}
	if s.AcceptOnly {
		args = append(args, "--statuses", "none")
	}
	p, err := Start("sim "+s.DestinationID, s.Bin, args, []string{"AMTHUB_AMQP_URL=" + s.AMQPURL}, s.StderrPath())
	if err != nil {
		return err
	}
	s.Proc = p
	return nil
}
