package portal_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/amthub/amthub/hub/hubtest"
)

// TestBrowserMyData opens "Meine Daten" from the account page in headless
// Chromium, runs axe-core on it (and takes screenshots), checks that it
// fits 320 px without sideways scrolling, and downloads the archive
// through the page's link: a ZIP file whose document names the citizen's
// register query and whose files hold the seeded contents.
func TestBrowserMyData(t *testing.T) {
	a := newAccountEnv(t, hubtest.NewSQLite(t), true)
	erika := seedCitizen(t, a, newRegisters(t, a), "Erika")
	ctx := newTab(t)
	do(t, ctx, "log in", chromedp.Navigate(a.base+"/konto/anmelden"), chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#email"), erika.email), chromedp.SendKeys(chromedp.CSS("#password"), "richtig-geheim-1"),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS("#zugriffe")))
	do(t, ctx, "my data", chromedp.Click(chromedp.CSS(`a[href="/konto/meine-daten"]`)), chromedp.WaitVisible(chromedp.CSS("#d-registerQueries")))
	if got := text(t, ctx, "#d-registerQueries"); !strings.Contains(got, "1 Eintrag") {
		t.Errorf("register queries heading %q, want one entry", got)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").textContent`))
	if err != nil || !strings.Contains(got, "Gewerbeanmeldung Erika") || !strings.Contains(got, erika.messageTitle) {
		t.Errorf("the page does not show the register query's purpose and the message (%v): %.500s", err, got)
	}
	// The summary of an entry names it: the register query by its purpose.
	if got := text(t, ctx, "#d-registerQueries + p + details summary"); !strings.Contains(got, "Gewerbeanmeldung Erika") {
		t.Errorf("register query summary %q", got)
	}
	checkPage(t, ctx, "30-my-data")
	do(t, ctx, "320 px", chromedp.EmulateViewport(320, 800))
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 320 {
		t.Errorf("at 320 px the page is %d px wide (%v)", w, err)
	}
	do(t, ctx, "back to desktop", chromedp.EmulateViewport(1280, 900))

	dir := t.TempDir()
	progress := chromedp.Events(ctx, cdpbrowser.DownloadProgress)
	do(t, ctx, "download", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		yes := true
		_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &yes})
		return err
	}), chromedp.Click(chromedp.CSS(`a[href="/konto/meine-daten/archiv"]`)))
	var file string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == cdpbrowser.DownloadProgressStateCanceled {
			t.Fatal("download canceled")
		}
		if ev.State == cdpbrowser.DownloadProgressStateCompleted {
			file = filepath.Join(dir, ev.GUID)
			break
		}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sections, files := readArchive(t, b)
	if q := sections["registerQueries"]; len(q) != 1 || q[0]["purpose"] != "Gewerbeanmeldung Erika" {
		t.Errorf("the downloaded archive's register queries: %v", q)
	}
	for _, want := range []string{"Nachweis von Erika", "Anlage von Erika", "Bescheid Erika"} {
		found := false
		for _, c := range files {
			found = found || string(c) == want
		}
		if !found {
			t.Errorf("the downloaded archive has no file with %q", want)
		}
	}
}
