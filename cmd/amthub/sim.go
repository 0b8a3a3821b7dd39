package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/amthub/amthub/connectors/fachverfahren"
	"github.com/amthub/amthub/connectors/fachverfahren/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/telemetry"
)

// startSimulators runs a Fachverfahren simulator for each demo destination
// on the hub's bus, and returns once each has subscribed, so that no
// submission is published before anyone listens.
func startSimulators(ctx context.Context, app *App, demo *Demo, logDir string) error {
	var fit []DemoDestination
	sealedTo := "" // the first AMQP destination also opens sealed submissions
	for _, d := range demo.Destinations {
		if d.isFitConnect() {
			fit = append(fit, d) // FIT-Connect is simulated; the connector is its Fachverfahren
			continue
		}
		logPath := ""
		if logDir != "" {
			logPath = filepath.Join(logDir, "sim-"+d.DestinationID+".log")
		}
		cfg := sim.Config{DestinationID: d.DestinationID, LogPath: logPath, Tracer: app.Telemetry.Tracer}
		if sealedTo == "" {
			sealedTo = d.DestinationID
			key, err := simulatorKey(ctx, app, demo.Tenant.ID, d.DestinationID)
			if err != nil {
				return err
			}
			cfg.DecryptionKey = key
		}
		s, err := sim.New(cfg, app.Bus, app.Bus, app.Logger.With("component", "sim", "destination", d.DestinationID))
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
	return startFitConnectDemo(ctx, app, fit)
}

func newSimCommand(getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{Use: "sim", Short: "Run simulators of outside systems against a hub's broker"}
	var cfg sim.Config
	var statusDelay time.Duration
	var statuses []string
	fv := &cobra.Command{
		Use:   "fachverfahren",
		Short: "Simulate a Fachverfahren on RabbitMQ (AMTHUB_AMQP_URL): accept, reject on a rule, send status updates",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			url, err := requireURL(getenv, "AMTHUB_AMQP_URL", "amqp", "amqps")
			if err != nil {
				return err
			}
			cfg.StatusDelay = statusDelay
			cfg.Statuses = []string{} // none
			if !slices.Equal(statuses, []string{"none"}) {
				cfg.Statuses = statuses
			}
			logger := newLogger(Config{LogFormat: "json"})
			tcfg, err := telemetry.FromEnv(getenv)
			if err != nil {
				return err
			}
			if getenv("OTEL_SERVICE_NAME") == "" {
				tcfg.ServiceName = "amthub-sim"
			}
			tel, err := telemetry.New(cmd.Context(), tcfg)
			if err != nil {
				return err
			}
			defer tel.Shutdown(context.WithoutCancel(cmd.Context()))
			cfg.Tracer = tel.Tracer
			pub, sub, err := fachverfahren.AMQPPubSub(url, logger)
			if err != nil {
				return &configError{"AMTHUB_AMQP_URL", err.Error()}
			}
			defer pub.Close()
			defer sub.Close()
			s, err := sim.New(cfg, pub, sub, logger)
			if err != nil {
				return err
			}
			defer s.Close()
			logger.Info("fachverfahren simulator running", "destination", cfg.DestinationID)
			if err := s.Run(cmd.Context()); err != nil && cmd.Context().Err() == nil {
				return err
			}
			return nil
		},
	}
	f := fv.Flags()
	f.StringVar(&cfg.DestinationID, "destination", "", "destination id whose queue fv.<id> to consume (required)")
	f.StringVar(&cfg.LogPath, "log", "", "durable applied-log file (JSON lines); empty keeps it in memory")
	f.StringVar(&cfg.RejectPointer, "reject-pointer", "", "JSON pointer into the data; reject when it equals true (default /simulateReject)")
	f.DurationVar(&statusDelay, "status-delay", 50*time.Millisecond, "pause before each status update; negative: none")
	f.StringSliceVar(&statuses, "statuses", []string{hub.StatusReceived, hub.StatusProcessing, hub.StatusCompleted},
		`status updates sent after an accept, in order; "none" sends only the accept`)
	f.IntVar(&cfg.Concurrency, "concurrency", 8, "submissions handled at once")
	_ = fv.MarkFlagRequired("destination")
	cmd.AddCommand(fv)
	return cmd
}
