// Package browsertest drives Debian's headless Chromium for the portal's
// browser tests (in portal and test/e2e): start it, check a page with
// axe-core against WCAG 2.1 A and AA, take screenshots at phone and
// desktop width, and small helpers for steps and text.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is Debian's Chromium; scripts/test-services.sh installs it.
const ChromiumPath = "/usr/bin/chromium"

// Start launches Chromium with the flags this machine needs (no sandbox
// as root, no network services) and a new, empty profile. stop ends it
// and removes the profile.
func Start() (ctx context.Context, stop func(), err error) {
	if _, err := os.Stat(ChromiumPath); err != nil {
		return nil, nil, fmt.Errorf("%s missing: run `make test` (scripts/test-services.sh installs chromium): %w", ChromiumPath, err)
	}
	dir, err := os.MkdirTemp("", "amthub-chromium-")
	if err != nil {
		return nil, nil, err
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(ChromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(dir), chromedp.WindowSize(1280, 900))
	bctx, bcancel := chromedp.NewContext(actx)
	stop = func() { bcancel(); acancel(); os.RemoveAll(dir) }
	if err := chromedp.Do(bctx); err != nil {
		stop()
		return nil, nil, fmt.Errorf("start chromium: %w", err)
	}
	return bctx, stop, nil
}

// LoadAxe returns axe-core from dir (the portal's testdata/axe), installing
// it with npm when it is missing, as scripts/test-services.sh does.
func LoadAxe(dir string) (string, error) {
	path := filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
	if _, err := os.Stat(path); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--silent")
		cmd.Dir = dir
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

// axeRun runs the WCAG 2.1 A and AA rules and keeps every violation,
// whatever its impact.
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
	.then(r => ({passes: r.passes.length, violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))}))`

type axeResult struct {
	Passes     int `json:"passes"`
	Violations []struct {
		ID     string   `json:"id"`
		Impact string   `json:"impact"`
		Help   string   `json:"help"`
		Nodes  []string `json:"nodes"`
	} `json:"violations"`
}

// Check runs axe-core (source from LoadAxe) on the page of ctx and fails
// t on any violation; then it takes screenshots of the
// page named name into outDir.
func Check(t testing.TB, ctx context.Context, axe, outDir, name string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axe)); err != nil {
		t.Fatalf("%s: inject axe-core: %v", name, err)
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[axeResult](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: run axe-core: %v", name, err)
	}
	if res.Passes == 0 {
		t.Errorf("%s: axe-core checked nothing", name)
	}
	t.Logf("%s: axe-core: %d rules passed, %d violations", name, res.Passes, len(res.Violations))
	for _, v := range res.Violations {
		t.Errorf("%s: axe %s (%s): %s at %v", name, v.ID, v.Impact, v.Help, v.Nodes)
	}
	Screenshots(t, ctx, outDir, name)
}

// Screenshots saves the page of ctx at phone (390 px) and desktop (1280 px)
// width as outDir/name-phone.png and name-desktop.png.
func Screenshots(t testing.TB, ctx context.Context, outDir, name string) {
	t.Helper()
	if err := os.MkdirAll(outDir, 0o755); err != nil {
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
		if err := os.WriteFile(filepath.Join(outDir, name+"-"+size.label+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Do runs steps on the page and fails t, naming what, if one fails.
func Do(t testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Text returns the trimmed text of the first element matching css.
func Text(t testing.TB, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return strings.TrimSpace(s)
}
