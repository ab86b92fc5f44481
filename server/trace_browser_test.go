package server

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// traceChromium starts headless Chromium with a phone-sized window (as
// frontend/chromium_test.go does) and returns a tab's context; it closes
// when t ends. Without Chromium the test skips, except with CI=true.
func traceChromium(t *testing.T, width, height int) context.Context {
	t.Helper()
	const path = "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is required when CI=true: %v", err)
		}
		t.Skipf("Chromium is not installed at %s: %v", path, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()), chromedp.Headless, chromedp.NoSandbox,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.DisableGPU, chromedp.WindowSize(width, height),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-extensions", true),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			cancel()
			acancel()
			t.Fatalf("start Chromium: %v", err)
		}
	case <-time.After(30 * time.Second):
		cancel()
		acancel()
		t.Fatal("Chromium did not start within 30s")
	}
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		defer ccancel()
		_ = chromedp.Cancel(cctx)
		cancel()
		acancel()
	})
	return ctx
}

// traceArtifacts is where screenshots go: $PLUMBLINE_ARTIFACTS, else
// plumbline-artifacts in the temporary folder; never the repository.
func traceArtifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PLUMBLINE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "plumbline-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestTracePageInBrowser opens a batch's public trace page on a phone
// (390 × 844), in English and in Chinese, and waits until the page's own
// JavaScript has checked every inclusion proof on it: each proof element
// must end "verified".
func TestTracePageInBrowser(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	ctx := traceChromium(t, 390, 844)
	for _, lang := range []string{"en", "zh-CN"} {
		tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		type result struct {
			Total, Verified int
			States          []string
		}
		var r result
		var shot []byte
		err := chromedp.Do(tctx, chromedp.Navigate(f.URL+"/b/"+d.failed+"?lang="+lang), chromedp.WaitVisible(chromedp.CSS("#status-banner")))
		if err == nil {
			_, err = chromedp.Run(tctx, chromedp.Poll[bool](`document.querySelectorAll("[data-proof-url]").length > 0 &&
				[...document.querySelectorAll("[data-proof-url]")].every(e => !["unchecked", "verifying"].includes(e.dataset.state))`,
				chromedp.WithPollingInterval(100*time.Millisecond)))
		}
		if err == nil {
			r, err = chromedp.Run(tctx, chromedp.Evaluate[result](`(() => {
				const all = [...document.querySelectorAll("[data-proof-url]")];
				all.forEach(e => e.querySelectorAll("details").forEach(x => x.open = true));
				return {Total: all.length, Verified: all.filter(e => e.dataset.state === "verified").length,
					States: all.map(e => e.id + " " + e.dataset.state + " " + (e.dataset.reason || ""))};
			})()`))
		}
		if err == nil {
			shot, err = chromedp.Run(tctx, chromedp.FullScreenshot(100))
		}
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		total, verified, states := r.Total, r.Verified, r.States
		if total == 0 || verified != total {
			t.Errorf("%s: %d of %d proofs verified: %v", lang, verified, total, states)
		}
		name := filepath.Join(traceArtifacts(t), "trace-batch-phone-"+lang+".png")
		if err := os.WriteFile(name, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d proofs verified; screenshot %s", lang, verified, name)
	}
}
