// Command amthub runs the amthub integration hub: `amthub dev` with
// everything embedded, `amthub serve` on PostgreSQL, RabbitMQ and Redis,
// and the operator commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/amthub/amthub/cmd/amthub/schema"
	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/hub/telemetry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run executes the command line and returns the exit code. Errors print as
// one line on stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	root := newRootCommand(stdout, stderr, getenv)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(stderr, "amthub: %v\n", oneLine(err))
		return 1
	}
	return 0
}

// oneLine folds an error onto a single line.
func oneLine(err error) string {
	s := []rune(err.Error())
	for i, r := range s {
		if r == '\n' || r == '\r' {
			s[i] = ' '
		}
	}
	return string(s)
}

func newRootCommand(stdout, stderr io.Writer, getenv func(string) string) *cobra.Command {
	root := &cobra.Command{
		Use:           "amthub",
		Short:         "amthub — integration hub for e-government portals",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newDevCommand(stdout, getenv),
		newServeCommand(stdout, getenv),
		newMigrateCommand(stdout, getenv),
		newTenantCommand(stdout, getenv),
		newClientCommand(stdout, getenv),
		newSimCommand(getenv),
		newMappingCommand(stdout, getenv),
		newCatalogueCommand(stdout, getenv),
		newRetentionCommand(stdout, getenv),
		newSAMLCommand(stdout, getenv),
		newPrivacyCommand(stdout, getenv),
		newStaffCommand(stdout, getenv),
		newAuditCommand(stdout, getenv),
	)
	return root
}

func newServeCommand(stdout io.Writer, getenv func(string) string) *cobra.Command {
	var demoFile, simLogDir string
	var simulators, insecureCallbacks bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the hub on PostgreSQL, RabbitMQ and Redis (configured by AMTHUB_* variables)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(getenv, false)
			if err != nil {
				return err
			}
			cfg.InsecureCallbacks = insecureCallbacks
			cfg.Simulators = simulators
			if demoFile == "" {
				if simulators {
					return fmt.Errorf("--simulators needs --demo")
				}
				return serve(cmd.Context(), cfg, nil)
			}
			return serve(cmd.Context(), cfg, func(app *App) error {
				demo, err := seedDemo(cmd.Context(), app)
				if err != nil {
					return fmt.Errorf("seed demo data: %w", err)
				}
				if simulators {
					if err := startSimulators(cmd.Context(), app, demo, simLogDir); err != nil {
						return err
					}
				}
				return writeDemoFile(demoFile, demo)
			})
		},
	}
	cmd.Flags().StringVar(&demoFile, "demo", "", "seed the demo tenant, clients and destinations, and write what was seeded to this JSON file (staging, tests)")
	cmd.Flags().BoolVar(&simulators, "simulators", false, "with --demo: run a Fachverfahren simulator per demo destination, and simulators for the outside systems not configured, in this process")
	cmd.Flags().StringVar(&simLogDir, "sim-log-dir", "", "directory for the simulators' durable logs (default: in memory)")
	cmd.Flags().BoolVar(&insecureCallbacks, "insecure-callbacks", false, "allow http and loopback callback URLs (test set-ups only)")
	return cmd
}

// serve opens, listens and runs the hub until ctx ends. ready, if not nil,
// is called once the hub listens.
func serve(ctx context.Context, cfg Config, ready func(*App) error) error {
	tel, err := telemetry.New(ctx, cfg.Telemetry)
	if err != nil {
		return &configError{"OTEL_EXPORTER_OTLP_ENDPOINT", err.Error()}
	}
	return serveWith(ctx, cfg, tel, ready)
}

// serveWith is serve with tracing set up by the caller. On the way out it
// flushes the spans still buffered.
func serveWith(ctx context.Context, cfg Config, tel *telemetry.Telemetry, ready func(*App) error) error {
	logger := newLogger(cfg)
	defer func() {
		if err := tel.Shutdown(context.WithoutCancel(ctx)); err != nil {
			logger.Warn("traces not flushed", "error", err)
		}
	}()
	app, err := openApp(ctx, cfg, logger, tel)
	if err != nil {
		return err
	}
	defer app.Close()
	if ready != nil {
		if err := ready(app); err != nil {
			return err
		}
	}
	if err := app.Run(ctx); err != nil {
		return err
	}
	logger.Info("amthub stopped")
	return nil
}

func newMigrateCommand(stdout io.Writer, getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{Use: "migrate", Short: "Apply or inspect the database schema (AMTHUB_DATABASE_URL)"}
	open := func(cmd *cobra.Command) (*sqlstore.DB, error) {
		url, err := requireDatabaseURL(getenv)
		if err != nil {
			return nil, err
		}
		return openDB(cmd.Context(), url)
	}
	cmd.AddCommand(&cobra.Command{
		Use: "up", Short: "Apply every pending migration", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := open(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.Migrate(cmd.Context(), nil, schema.All()...); err != nil {
				return err
			}
			return printMigrations(cmd.Context(), stdout, db)
		},
	}, &cobra.Command{
		Use: "status", Short: "List migrations and whether they are applied", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := open(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			return printMigrations(cmd.Context(), stdout, db)
		},
	})
	return cmd
}
