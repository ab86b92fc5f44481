package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/plumbline/plumbline/internal/testbrowser"
)

// browser drives Debian's headless Chromium against a fixture, one tab,
// with helpers that fail the test with the page's state when a step fails.
type browser struct {
	t   *testing.T
	f   *fixture
	ctx context.Context
}

// newBrowser starts Chromium for the test (skipping when it is not
// installed, failing instead when CI=true) with a desktop viewport.
func newBrowser(t *testing.T, f *fixture) *browser {
	t.Helper()
	return &browser{t: t, f: f, ctx: startChromium(t, 1280, 900)}
}

// startChromium starts headless Chromium with a window of the given size
// and returns a tab's context (internal/testbrowser).
func startChromium(t *testing.T, width, height int) context.Context {
	t.Helper()
	return testbrowser.Start(t, width, height)
}

// artifactsDir is where screenshots go: $PLUMBLINE_ARTIFACTS, else
// plumbline-artifacts in the temporary folder; never the repository.
func artifactsDir(t *testing.T) string {
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

// phone switches the tab to a phone held upright (390×844, touch, mobile).
func (b *browser) phone() {
	b.t.Helper()
	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
}

// do runs actions with a time limit, failing the test with the current
// URL and a screenshot name on error.
func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	for _, a := range actions {
		if err := chromedp.Do(ctx, a); err != nil {
			url, _ := chromedp.Run(b.ctx, chromedp.Location())
			shot := b.shot("failed-" + step)
			body, _ := chromedp.Run(b.ctx, chromedp.Text("main"))
			b.t.Fatalf("%s: %v (at %s; screenshot %s)\npage: %s", step, err, url, shot, clip(body, 1500))
		}
	}
}

func (b *browser) visit(path string) {
	b.t.Helper()
	b.do("visit "+path, chromedp.Navigate(b.f.URL+path), chromedp.WaitReady("body"))
}

// login logs in through the form and lands on the dashboard.
func (b *browser) login(user string) {
	b.t.Helper()
	b.do("log out", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
		return err
	}))
	b.visit("/login")
	b.do("log in as "+user, chromedp.SendKeys("#login", user), chromedp.SendKeys("#password", demoPassword))
	b.submit("log in as "+user, "form[action='/login'] button[type=submit]", "/dashboard")
}

func (b *browser) url() string {
	u, _ := chromedp.Run(b.ctx, chromedp.Location())
	return u
}

// text returns the text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		b.t.Fatalf("text of %s: %v (at %s)", sel, err, b.url())
	}
	return s
}

// submit clicks a submit button, waits for the next document to load and
// checks that it is at wantPath; a form shown again with errors fails the
// test with the page's text.
func (b *browser) submit(step, button, wantPath string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool]("window.__plumblineOld = true")); err != nil {
		b.t.Fatalf("%s: mark the page: %v", step, err)
	}
	b.do(step, chromedp.Click(button))
	deadline := time.Now().Add(20 * time.Second)
	for {
		old, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool]("window.__plumblineOld === true && document.readyState !== 'loading'"))
		if err == nil && !old {
			break
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: no new page after 20s (at %s, screenshot %s)", step, b.url(), b.shot("failed-"+step))
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.do(step+": page ready", chromedp.WaitReady("#main"))
	if !strings.Contains(b.url(), wantPath) {
		body, _ := chromedp.Run(b.ctx, chromedp.Text("main"))
		b.t.Fatalf("%s: at %s, want %s (screenshot %s)\npage: %s", step, b.url(), wantPath, b.shot("failed-"+step), clip(body, 1500))
	}
}

// shot saves a full-page screenshot to the artifacts folder and returns
// its path. Screenshots are test artifacts, never committed.
func (b *browser) shot(name string) string {
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Sprintf("(no screenshot: %v)", err)
	}
	p := filepath.Join(artifactsDir(b.t), strings.NewReplacer("/", "_", " ", "-", "?", "_").Replace(name)+".png")
	_ = os.WriteFile(p, png, 0o644)
	return p
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
