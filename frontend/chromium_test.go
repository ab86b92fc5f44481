package frontend_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// startChromium starts headless Chromium for t and returns a chromedp
// context for one tab of it; the browser closes when t ends. Without
// Chromium the test skips, except when CI=true, where it fails.
func startChromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is required when CI=true: %v (apt-get install chromium)", err)
		}
		t.Skipf("Chromium is not installed at %s (apt-get install chromium): %v", chromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU,
		chromedp.WindowSize(1024, 900),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	stop := func() {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		defer ccancel()
		if err := chromedp.Cancel(cctx); err != nil {
			t.Logf("close Chromium: %v", err)
		}
		cancel()
		acancel()
	}

	// The first Do starts the browser and binds it to ctx, which must have
	// no deadline; so the start's time limit is a timer here.
	start := time.Now()
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			stop()
			t.Fatalf("start Chromium: %v", err)
		}
	case <-time.After(30 * time.Second):
		stop()
		t.Fatalf("Chromium did not start within 30s")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Logf("Chromium took %v to start (budget 5s)", d)
	}
	t.Cleanup(stop)
	return ctx
}

// console records what a tab reports: console API calls, uncaught
// exceptions and browser log entries (where Chromium reports Content
// Security Policy violations).
type console struct {
	mu    sync.Mutex
	lines []string
}

// recordConsole starts recording the console of ctx's tab until t ends.
// Events that arrive before the reply to a later command are recorded
// before that command returns.
func recordConsole(t *testing.T, ctx context.Context) *console {
	t.Helper()
	c := &console{}
	lctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	err := chromedp.Listen(lctx, func(ev any) {
		var line string
		switch ev := ev.(type) {
		case *log.EventEntryAdded:
			line = fmt.Sprintf("log %s/%s: %s %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text, ev.Entry.URL)
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			line = "exception: " + d.Text
			if d.Exception != nil {
				line += " " + d.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			parts := make([]string, 0, len(ev.Args))
			for _, a := range ev.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			line = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " "))
		default:
			return
		}
		c.mu.Lock()
		c.lines = append(c.lines, line)
		c.mu.Unlock()
	})
	if err != nil {
		t.Fatalf("listen to the console: %v", err)
	}
	return c
}

// Lines returns what was recorded so far.
func (c *console) Lines() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

// CSPViolations returns the recorded lines that report a Content Security
// Policy violation.
func (c *console) CSPViolations() []string {
	var out []string
	for _, l := range c.Lines() {
		if strings.Contains(l, "Content Security Policy") {
			out = append(out, l)
		}
	}
	return out
}

// Reset forgets what was recorded.
func (c *console) Reset() {
	c.mu.Lock()
	c.lines = nil
	c.mu.Unlock()
}

// artifactsDir returns the folder for screenshots and other test output:
// $PLUMBLINE_ARTIFACTS, or plumbline-artifacts in the system's temporary
// folder; never the repository.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PLUMBLINE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "plumbline-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts folder: %v", err)
	}
	return dir
}
