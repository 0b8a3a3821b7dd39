package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

func newDevCommand(stdout io.Writer, getenv func(string) string) *cobra.Command {
	var dataDir, addr string
	var memory bool
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the hub embedded: SQLite, in-process bus and cache, simulators and demo data",
		Long: "Run the hub with no external server: SQLite in a data directory, the in-process\n" +
			"message bus and cache, the simulators, and a demo tenant seeded on first start.\n" +
			"Restarting keeps the data. demo.json in the data directory lists what was seeded.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(getenv, true)
			if err != nil {
				return err
			}
			if addr != "" {
				cfg.HTTPAddr = addr
			}
			if memory {
				tmp, err := os.MkdirTemp("", "amthub-dev-")
				if err != nil {
					return fmt.Errorf("create temporary data directory: %w", err)
				}
				defer os.RemoveAll(tmp)
				dataDir = tmp
			}
			if cfg.DataDir, err = filepath.Abs(dataDir); err != nil {
				return fmt.Errorf("--data-dir: %w", err)
			}
			return serve(cmd.Context(), cfg, func(app *App) error {
				demo, err := seedDemo(cmd.Context(), app)
				if err != nil {
					return fmt.Errorf("seed demo data: %w", err)
				}
				if err := writeDemo(cfg.DataDir, demo); err != nil {
					return err
				}
				printBanner(stdout, cfg, demo, memory)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", defaultDataDir(), "directory for the SQLite database, blobs and demo.json")
	cmd.Flags().BoolVar(&memory, "memory", false, "throw-away run: keep the data in a temporary directory removed on exit")
	cmd.Flags().StringVar(&addr, "addr", "", "listen address (default AMTHUB_HTTP_ADDR or 127.0.0.1:8080)")
	return cmd
}

// Demo is everything `amthub dev` seeded, as written to demo.json, so that
// scripts and tutorials need not scrape the banner.
type Demo struct {
	Tenant DemoTenant        `json:"tenant"`
	URLs   map[string]string `json:"urls"`
}

// DemoTenant identifies the demo tenant.
type DemoTenant struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

const demoTenantSlug = "demo"

// seedDemo creates the demo data on first start and finds it again on
// later ones.
func seedDemo(ctx context.Context, app *App) (*Demo, error) {
	tenants := sqlstore.NewTenantService(app.DB)
	t, err := tenants.FindTenantBySlug(ctx, demoTenantSlug)
	if hub.IsCode(err, hub.ENOTFOUND) {
		t = &hub.Tenant{Slug: demoTenantSlug, Name: "Demo-Portal Freistaat Sachsen"}
		err = tenants.CreateTenant(ctx, t)
	}
	if err != nil {
		return nil, fmt.Errorf("demo tenant: %w", err)
	}
	base := publicURL(app)
	return &Demo{
		Tenant: DemoTenant{ID: t.ID, Slug: t.Slug, Name: t.Name},
		URLs: map[string]string{
			"api":     base,
			"health":  base + "/healthz",
			"ready":   base + "/readyz",
			"metrics": base + "/metrics",
		},
	}, nil
}

// publicURL is the configured public URL, else the listen address.
func publicURL(app *App) string {
	if app.Config.PublicURL != "" {
		return app.Config.PublicURL
	}
	addr := app.server.Addr().String()
	if strings.HasPrefix(addr, "[::]:") || strings.HasPrefix(addr, "0.0.0.0:") {
		addr = "localhost:" + addr[strings.LastIndex(addr, ":")+1:]
	}
	return "http://" + addr
}

// writeDemo writes demo.json (it may hold demo secrets: owner-only).
func writeDemo(dir string, d *Demo) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "demo.json")
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func printBanner(w io.Writer, cfg Config, d *Demo, memory bool) {
	keep := "data kept in " + cfg.DataDir
	if memory {
		keep = "throw-away run (--memory): data removed on exit"
	}
	fmt.Fprintf(w, `
  amthub dev — embedded hub (SQLite, in-process bus and cache)
  %s

  API        %s
  Health     %s
  Metrics    %s
  Tenant     %s (%s)

  Everything seeded is listed in %s
  Stop with Ctrl-C.

`, keep, d.URLs["api"], d.URLs["health"], d.URLs["metrics"], d.Tenant.Slug, d.Tenant.ID, filepath.Join(cfg.DataDir, "demo.json"))
}
