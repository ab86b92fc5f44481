package server

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestTracePageInBrowser opens a batch's public trace page on a phone
// (390 × 844), in English and in Chinese, and waits until the page's own
// JavaScript has checked every inclusion proof on it: each proof element
// must end "verified".
func TestTracePageInBrowser(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	ctx := startChromium(t, 390, 844)
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
		name := filepath.Join(artifactsDir(t), "trace-batch-phone-"+lang+".png")
		if err := os.WriteFile(name, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d proofs verified; screenshot %s", lang, verified, name)
	}
}
