package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/amthub/amthub/connectors/fachverfahren"
	"github.com/amthub/amthub/connectors/fitconnect"
	fcsim "github.com/amthub/amthub/connectors/fitconnect/sim"
	"github.com/amthub/amthub/hub"
)

// fitConnectOutbound is one entry of the AMTHUB_FITCONNECT_OUTBOUND file.
type fitConnectOutbound struct {
	DestinationID           string `json:"destinationId"`
	FITConnectDestinationID string `json:"fitConnectDestinationId"`
	ClientID                string `json:"clientId"`
	ClientSecret            string `json:"clientSecret"`
	TokenURL                string `json:"tokenUrl"`
	SubmissionAPIURL        string `json:"submissionApiUrl"`
	Scope                   string `json:"scope"`
	TrustAnchor             string `json:"trustAnchor"` // path of a PEM file
}

// parseFitConnectOutbound reads the file's JSON: a list of destinations,
// each validated, none twice; readFile reads the trust anchors.
func parseFitConnectOutbound(raw []byte, readFile func(string) ([]byte, error)) ([]fitconnect.Config, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var entries []fitConnectOutbound
	if err := dec.Decode(&entries); err != nil {
		return nil, fmt.Errorf("want a JSON list of destinations: %v", err)
	}
	var out []fitconnect.Config
	for i, e := range entries {
		cfg := fitconnect.Config{DestinationID: e.DestinationID, FITDestinationID: e.FITConnectDestinationID,
			ClientID: e.ClientID, ClientSecret: e.ClientSecret, TokenURL: e.TokenURL, SubmissionURL: e.SubmissionAPIURL, Scope: e.Scope}
		if e.TrustAnchor != "" {
			pem, err := readFile(e.TrustAnchor)
			if err != nil {
				return nil, fmt.Errorf("entry %d: trust anchor: %v", i+1, err)
			}
			cfg.TrustAnchor = pem
		}
		if err := cfg.Validate(); err != nil {
			return nil, fmt.Errorf("entry %d: %v", i+1, err)
		}
		if slices.ContainsFunc(out, func(c fitconnect.Config) bool { return c.DestinationID == cfg.DestinationID }) {
			return nil, fmt.Errorf("entry %d: destination %s is listed twice", i+1, cfg.DestinationID)
		}
		out = append(out, cfg)
	}
	return out, nil
}

// startFitConnectOutbound runs the connector of each destination that
// AMTHUB_FITCONNECT_OUTBOUND lists; each must be in the catalogue.
func (a *App) startFitConnectOutbound(ctx context.Context) error {
	if a.Config.FitConnectOutbound == "" {
		return nil
	}
	raw, err := os.ReadFile(a.Config.FitConnectOutbound)
	if err != nil {
		return &configError{"AMTHUB_FITCONNECT_OUTBOUND", err.Error()}
	}
	cfgs, err := parseFitConnectOutbound(raw, os.ReadFile)
	if err != nil {
		return &configError{"AMTHUB_FITCONNECT_OUTBOUND", err.Error()}
	}
	known, err := a.Catalogue.AllDestinationIDs(ctx)
	if err != nil {
		return err
	}
	for _, cfg := range cfgs {
		if !slices.Contains(known, cfg.DestinationID) {
			return &configError{"AMTHUB_FITCONNECT_OUTBOUND", "destination " + cfg.DestinationID + " is not in the catalogue"}
		}
		if err := a.runFitConnect(ctx, cfg); err != nil {
			return err
		}
	}
	return nil
}

// runFitConnect starts the outbound connector of one destination on the
// hub's bus and database, and returns once it consumes its queue; the hub
// waits for it when it closes.
func (a *App) runFitConnect(ctx context.Context, cfg fitconnect.Config) error {
	logger := a.Logger.With("component", "fitconnect", "destination", cfg.DestinationID)
	api, err := fitconnect.NewAPI(cfg, &http.Client{})
	if err != nil {
		return &configError{"AMTHUB_FITCONNECT_OUTBOUND", err.Error()}
	}
	fv, err := fachverfahren.New(fachverfahren.Config{DestinationID: cfg.DestinationID}, a.Bus, a.Bus, logger)
	if err != nil {
		return fmt.Errorf("fitconnect %s: %w", cfg.DestinationID, err)
	}
	conn, err := fitconnect.New(cfg, api, fv, a.DB, logger, a.Registry)
	if err != nil {
		return fmt.Errorf("fitconnect %s: %w", cfg.DestinationID, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := conn.Run(ctx); err != nil && ctx.Err() == nil {
			logger.Error("FIT-Connect connector stopped", "error", err)
		}
	}()
	// Closers run before the database closes: stop and wait first.
	a.closers = append(a.closers, func() error { cancel(); <-done; return nil })
	select {
	case <-conn.Subscribed():
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("fitconnect %s: the connector did not subscribe to its queue", cfg.DestinationID)
	}
}

// startFitConnectDemo simulates FIT-Connect for the demo destinations of
// kind fitconnect (one simulated FIT-Connect destination each) and runs
// their connectors against it.
func startFitConnectDemo(ctx context.Context, app *App, dests []DemoDestination) error {
	if len(dests) == 0 {
		return nil
	}
	keys, err := simulatorKeys(app.Config.DataDir, app.Logger)
	if err != nil {
		return fmt.Errorf("FIT-Connect simulator: %w", err)
	}
	for _, d := range dests {
		var s *fcsim.Sim
		url, err := app.startSimulator(func(url string) (http.Handler, error) {
			s, err = fcsim.New(fcsim.Config{PublicURL: url, Keys: keys, Services: []string{d.LeikaKey}})
			return s, err
		})
		if err != nil {
			return fmt.Errorf("FIT-Connect simulator for %s: %w", d.Name, err)
		}
		app.SimulatorURLs["fitconnect"] = url
		cfg := fitconnect.Config{DestinationID: d.DestinationID, FITDestinationID: s.DestinationID(),
			ClientID: s.ClientID(), ClientSecret: s.ClientSecret(), TokenURL: url + "/token", SubmissionURL: url,
			TrustAnchor: keys.TrustAnchorPEM(), PollInterval: time.Second, RetryMax: 30 * time.Second}
		if err := app.runFitConnect(ctx, cfg); err != nil {
			return err
		}
	}
	return nil
}

// simulatorKeys returns the FIT-Connect simulator's PKI. Its 4096-bit keys
// take seconds to make, so dev keeps them in its data directory
// (fitconnect-sim-keys.pem, owner-only) and makes new ones only when the
// file is missing, unreadable or about to expire; without a data directory
// (serve --simulators) they are made on each start.
func simulatorKeys(dataDir string, logger *slog.Logger) (*fcsim.Keys, error) {
	if dataDir == "" {
		return fcsim.NewKeys()
	}
	path := filepath.Join(dataDir, "fitconnect-sim-keys.pem")
	if b, err := os.ReadFile(path); err == nil {
		k, err := fcsim.ParseKeys(b, time.Now())
		if err == nil {
			return k, nil
		}
		logger.Warn("making new FIT-Connect simulator keys", "file", path, "reason", err)
	}
	k, err := fcsim.NewKeys()
	if err != nil {
		return nil, err
	}
	b, err := k.MarshalPEM()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return k, nil
}

// isFitConnect reports whether a demo destination is of kind fitconnect.
func (d DemoDestination) isFitConnect() bool { return d.Kind == hub.DestinationFITConnect }
