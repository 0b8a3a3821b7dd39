package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/amthub/amthub/connectors/fachverfahren/sim"
)

// startSimulators runs a Fachverfahren simulator for each demo destination
// on the in-process bus, and returns once each has subscribed, so that no
// submission is published before anyone listens.
func startSimulators(ctx context.Context, app *App, demo *Demo) error {
	for _, d := range demo.Destinations {
		s, err := sim.New(sim.Config{DestinationID: d.DestinationID, LogPath: filepath.Join(app.Config.DataDir, "sim-"+d.DestinationID+".log")},
			app.Bus, app.Bus, app.Logger.With("component", "sim", "destination", d.DestinationID))
		if err != nil {
			return fmt.Errorf("simulator for %s: %w", d.Name, err)
		}
		go func() {
			defer s.Close()
			if err := s.Run(ctx); err != nil && ctx.Err() == nil {
				app.Logger.Error("simulator stopped", "destination", d.DestinationID, "error", err)
			}
		}()
		select {
		case <-s.Subscribed():
		case <-time.After(10 * time.Second):
			return fmt.Errorf("simulator for %s did not subscribe", d.Name)
		}
	}
	return nil
}
