package portal_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/amthub/amthub/portal/browsertest"
)

// browser is the one Chromium of this test binary, started on first use
// and stopped by TestMain.
type browser struct {
	once sync.Once
	ctx  context.Context
	stop func()
	err  error
	axe  string
}

var shared browser

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.stop != nil {
		shared.stop()
	}
	if seedTemplate.dir != "" {
		os.RemoveAll(seedTemplate.dir)
	}
	os.Exit(code)
}

// newTab opens a tab in the shared browser.
func newTab(t *testing.T) context.Context {
	t.Helper()
	shared.once.Do(func() {
		if shared.axe, shared.err = browsertest.LoadAxe(filepath.Join("testdata", "axe")); shared.err == nil {
			shared.ctx, shared.stop, shared.err = browsertest.Start()
		}
	})
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

// screenshotDir is where the browser tests leave their screenshots (not
// committed).
var screenshotDir = filepath.Join("..", "test", "out", "portal")

// checkPage runs axe-core on the current page, fails on serious or
// critical violations, and takes screenshots at phone and desktop width.
func checkPage(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	browsertest.Check(t, ctx, shared.axe, screenshotDir, name)
}

func screenshots(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	browsertest.Screenshots(t, ctx, screenshotDir, name)
}

// text returns the text of the first element matching css.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	return browsertest.Text(t, ctx, css)
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Do(t, ctx, what, steps...)
}
