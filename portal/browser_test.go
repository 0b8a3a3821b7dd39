package portal_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium; scripts/test-services.sh installs it.
const chromiumPath = "/usr/bin/chromium"

// browser is the one Chromium of this test binary, started on first use
// and stopped by TestMain.
type browser struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	err    error
	axe    string
}

var shared browser

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.cancel != nil {
		shared.cancel()
	}
	if seedTemplate.dir != "" {
		os.RemoveAll(seedTemplate.dir)
	}
	os.Exit(code)
}

// newTab opens a tab in the shared browser. The browser starts with the
// flags this machine needs (no sandbox as root, no network services) and a
// new, empty profile.
func newTab(t *testing.T) context.Context {
	t.Helper()
	shared.once.Do(func() { shared.err = shared.start() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	ctx, cancel := chromedp.NewContext(shared.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab
		t.Fatal(err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(tcancel)
	return tctx
}

func (b *browser) start() error {
	if _, err := os.Stat(chromiumPath); err != nil {
		return fmt.Errorf("%s missing: run `make test` (scripts/test-services.sh installs chromium): %w", chromiumPath, err)
	}
	axe, err := axeSource()
	if err != nil {
		return err
	}
	b.axe = axe
	dir, err := os.MkdirTemp("", "amthub-chromium-")
	if err != nil {
		return err
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(dir), chromedp.WindowSize(1280, 900))
	bctx, bcancel := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		bcancel()
		acancel()
		return fmt.Errorf("start chromium: %w", err)
	}
	b.ctx = bctx
	b.cancel = func() { bcancel(); acancel(); os.RemoveAll(dir) }
	return nil
}

// axeSource returns axe-core, installing it with npm into testdata/axe
// when it is missing (scripts/test-services.sh does the same).
func axeSource() (string, error) {
	path := filepath.Join("testdata", "axe", "node_modules", "axe-core", "axe.min.js")
	if _, err := os.Stat(path); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--silent")
		cmd.Dir = filepath.Join("testdata", "axe")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("install axe-core with npm: %v: %s", err, out)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read axe-core: %w", err)
	}
	return string(b), nil
}

// axeViolation is one serious or critical finding of axe-core.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

type axeResult struct {
	Passes     int            `json:"passes"`
	Violations []axeViolation `json:"violations"`
}

// checkPage runs axe-core (WCAG 2.1 A and AA rules) on the current page and
// fails on serious or critical violations; then it takes screenshots at
// phone and desktop width into test/out/portal.
func checkPage(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](shared.axe)); err != nil {
		t.Fatalf("%s: inject axe-core: %v", name, err)
	}
	const run = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => ({passes: r.passes.length, violations: r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))}))`
	res, err := chromedp.Run(ctx, chromedp.Evaluate[axeResult](run, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: run axe-core: %v", name, err)
	}
	if res.Passes == 0 {
		t.Errorf("%s: axe-core checked nothing", name)
	}
	t.Logf("%s: axe-core: %d rules passed, %d serious or critical violations", name, res.Passes, len(res.Violations))
	for _, v := range res.Violations {
		t.Errorf("%s: axe %s (%s): %s at %v", name, v.ID, v.Impact, v.Help, v.Nodes)
	}
	screenshots(t, ctx, name)
}

func screenshots(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := filepath.Join("..", "test", "out", "portal")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, size := range []struct {
		label string
		w, h  int64
	}{{"phone", 390, 844}, {"desktop", 1280, 900}} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h)); err != nil {
			t.Fatalf("%s: viewport: %v", name, err)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("%s: screenshot: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+size.label+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// text returns the text of the first element matching css.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return strings.TrimSpace(s)
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
