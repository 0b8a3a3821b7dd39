package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/amthub/amthub/hub"
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
				if err := startSimulators(cmd.Context(), app, demo, cfg.DataDir); err != nil {
					return err
				}
				if err := writeDemoFile(filepath.Join(cfg.DataDir, "demo.json"), demo); err != nil {
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
	Tenant       DemoTenant        `json:"tenant"`
	URLs         map[string]string `json:"urls"`
	Vendor       DemoClient        `json:"vendor"`
	Portal       DemoPortal        `json:"portal"`
	Citizen      DemoCitizen       `json:"citizen"`
	Destinations []DemoDestination `json:"destinations"`
	// Staff are the AdminCenter's logins: a platform operator and one
	// person per role in the demo tenant.
	Staff []DemoStaff `json:"staff"`
	// FITConnect is the FIT-Connect surface's demo: base URLs, a sender, a
	// subscriber and the destination it serves.
	FITConnect *DemoFITConnect `json:"fitConnect,omitempty"`
	// Simulators are the outside systems simulated in this process.
	Simulators map[string]string `json:"simulators,omitempty"`
	// RegisterRecords are records the register simulator knows, to try
	// register queries with.
	RegisterRecords map[string]any `json:"registerRecords,omitempty"`
}

// DemoClient is the demo vendor's OAuth client (client credentials).
type DemoClient struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Scopes       []string `json:"scopes"`
}

// DemoPortal is the demo portal's public OAuth client (code + PKCE).
type DemoPortal struct {
	ClientID    string `json:"client_id"`
	RedirectURI string `json:"redirect_uri"`
}

// DemoCitizen is the demo citizen's service-account login.
type DemoCitizen struct {
	Email    string `json:"email"`
	Password string `json:"password"`
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
	tenants := app.Tenants
	t, err := tenants.FindTenantBySlug(ctx, demoTenantSlug)
	if hub.IsCode(err, hub.ENOTFOUND) {
		t = &hub.Tenant{Slug: demoTenantSlug, Name: "Demo-Portal Freistaat Sachsen"}
		err = tenants.CreateTenant(ctx, t)
	}
	if err != nil {
		return nil, fmt.Errorf("demo tenant: %w", err)
	}
	if err := app.mountPortal(ctx, t.ID); err != nil {
		return nil, err
	}
	if _, err := app.Portal.SeedDemo(ctx, t.ID); err != nil {
		return nil, fmt.Errorf("portal catalogue: %w", err)
	}
	creds, err := app.OAuth.SeedDemo(ctx, t.ID)
	if err != nil {
		return nil, fmt.Errorf("demo clients: %w", err)
	}
	if err := seedDemoCitizen(ctx, app, t.ID, creds.Citizen.Email); err != nil {
		return nil, err
	}
	dests, err := seedPipeline(ctx, app.Catalogue, t.ID)
	if err != nil {
		return nil, err
	}
	if err := app.declareDestinations(ctx); err != nil {
		return nil, err
	}
	staffLogins, err := seedDemoStaff(ctx, app, t.ID)
	if err != nil {
		return nil, err
	}
	base := app.PublicURL
	meta := app.OAuth.Metadata()
	fc, err := seedFITConnect(ctx, app, t.ID, meta.TokenEndpoint)
	if err != nil {
		return nil, fmt.Errorf("FIT-Connect demo: %w", err)
	}
	return &Demo{
		Tenant: DemoTenant{ID: t.ID, Slug: t.Slug, Name: t.Name},
		URLs: map[string]string{
			"portal":       base + "/",
			"admin":        base + "/admin/",
			"adminApi":     base + "/admin/v1",
			"adminMail":    base + "/admin/dev/postausgang",
			"api":          base,
			"docs":         base + "/docs",
			"openapi":      base + "/openapi.json",
			"token":        meta.TokenEndpoint,
			"discovery":    base + "/.well-known/openid-configuration",
			"health":       base + "/healthz",
			"ready":        base + "/readyz",
			"metrics":      base + "/metrics",
			"fitConnect":   base + "/fitconnect",
			"samlMetadata": base + "/saml/metadata",
		},
		Vendor: DemoClient{ClientID: creds.Vendor.ClientID, ClientSecret: creds.Vendor.ClientSecret,
			Scopes: []string{hub.ScopeRoutesRead, hub.ScopeSubmissionsWrite, hub.ScopeSubmissionsRead, hub.ScopeEventsRead,
				hub.ScopePaymentsWrite, hub.ScopeRegistersQuery, hub.ScopeMailboxSend}},
		Portal:       DemoPortal{ClientID: creds.Portal.ClientID, RedirectURI: creds.Portal.RedirectURI},
		Citizen:      DemoCitizen{Email: creds.Citizen.Email, Password: creds.Citizen.Password},
		Destinations: dests,
		Staff:        staffLogins,
		FITConnect:   fc,
		Simulators:   app.SimulatorURLs,
		RegisterRecords: map[string]any{
			"population": map[string]string{"familyName": "Mustermann", "givenName": "Erika", "dateOfBirth": "1964-08-12"},
			"trade":      map[string]string{"companyName": "Musterfirma GmbH", "registerNumber": "HRB 12345"},
		},
	}, nil
}

// writeDemoFile writes demo.json (it holds demo secrets: owner-only),
// atomically, so that readers never see half a file.
func writeDemoFile(path string, d *Demo) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
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
  amthub dev — embedded hub (SQLite, in-process bus and cache, simulators)
  %s

  Portal       %s
  AdminCenter  %s (logins with TOTP secrets: demo.json "staff")
  API          %s
  API docs     %s
  Token        %s
  Health       %s

  Demo vendor  client_id     %s
               client_secret %s
  Demo citizen %s / %s
  Tenant       %s (%s)
`, keep, d.URLs["portal"], d.URLs["admin"], d.URLs["api"], d.URLs["docs"], d.URLs["token"], d.URLs["health"],
		d.Vendor.ClientID, d.Vendor.ClientSecret, d.Citizen.Email, d.Citizen.Password, d.Tenant.Slug, d.Tenant.ID)
	for _, dest := range d.Destinations {
		fmt.Fprintf(w, "  Destination  %s — %s (%s) for %s (%s)\n               destinationId %s\n",
			dest.Name, dest.ServiceName, dest.LeikaKey, dest.AreaName, dest.ARS, dest.DestinationID)
	}
	fmt.Fprintf(w, "\n  Everything seeded is listed in %s\n  Stop with Ctrl-C.\n\n", filepath.Join(cfg.DataDir, "demo.json"))
}
