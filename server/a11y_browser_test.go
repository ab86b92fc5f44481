package server

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/internal/testbrowser"
	"github.com/plumbline/plumbline/models"
)

// tab is one Chromium tab in a browser context of its own (its own
// cookies, so tabs can be logged in as different users at once), with the
// helpers the accessibility tests share.
type tab struct {
	t      testing.TB
	f      *fixture
	ctx    context.Context
	cancel context.CancelFunc
	axe    string // axe.min.js
	screen int    // the viewport's width
}

// newTab opens a tab with its own cookies in the browser of browserCtx
// (testbrowser.Start), with a viewport of width × height; a phone-sized
// one is emulated as a phone (mobile, touch). It closes when t ends.
func newTab(t testing.TB, f *fixture, browserCtx context.Context, width, height int64) *tab {
	t.Helper()
	tb, err := openTab(t, f, browserCtx, width, height)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// openTab is newTab for a goroutine other than the test's, which must not
// end the test: it returns the error.
func openTab(t testing.TB, f *fixture, browserCtx context.Context, width, height int64) (*tab, error) {
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	tb := &tab{t: t, f: f, ctx: ctx, cancel: cancel, axe: testbrowser.AxeScript(t), screen: int(width)}
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
	if width < 600 {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	// The first action creates the tab, and must run on the tab's own
	// context: a tab created under a shorter-lived one stops answering.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height, opts...)); err != nil {
		cancel()
		return nil, fmt.Errorf("open a tab: %w", err)
	}
	t.Cleanup(cancel)
	return tb, nil
}

// open loads path (the fixture's URL is added) and returns the document's
// HTTP status once the page has loaded.
func (tb *tab) open(path string) (int, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(tb.f.URL+path), chromedp.WaitReady("body")); err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	return tb.status(ctx)
}

// status is the HTTP status of the document the tab shows.
func (tb *tab) status(ctx context.Context) (int, error) {
	code, err := chromedp.Run(ctx, chromedp.Evaluate[int](`performance.getEntriesByType("navigation")[0].responseStatus`))
	if err != nil {
		return 0, fmt.Errorf("status of %s: %w", tb.location(), err)
	}
	return code, nil
}

// location is the tab's URL without the fixture's.
func (tb *tab) location() string {
	u, _ := chromedp.Run(tb.ctx, chromedp.Location())
	return strings.TrimPrefix(u, tb.f.URL)
}

// login logs user in through the login form, in lang ("en" or "zh-CN",
// which the language cookie then keeps), and lands on the dashboard.
func (tb *tab) login(user, lang string) error {
	if _, err := tb.open("/login?lang=" + url.QueryEscape(lang)); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SendKeys("#login", user), chromedp.SendKeys("#password", demoPassword)); err != nil {
		return fmt.Errorf("log in as %s: %w", user, err)
	}
	if err := chromedp.Do(ctx, chromedp.Submit("form[action='/login']"), chromedp.WaitReady("#main")); err != nil {
		return fmt.Errorf("log in as %s: %w", user, err)
	}
	for !strings.HasPrefix(tb.location(), "/dashboard") {
		if ctx.Err() != nil {
			return fmt.Errorf("log in as %s: at %s, not the dashboard", user, tb.location())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := chromedp.Do(ctx, chromedp.WaitReady("#main")); err != nil {
		return fmt.Errorf("log in as %s: %w", user, err)
	}
	return nil
}

// width returns how wide the page is and how wide the screen. A phone
// zooms out to show a page wider than its screen, and then reports the
// wider width as innerWidth: the viewport's width counts.
func (tb *tab) width() (page, screen int, err error) {
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	w, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.scrollingElement.scrollWidth, window.innerWidth]`))
	if err != nil {
		return 0, 0, fmt.Errorf("width: %w", err)
	}
	return w[0], min(w[1], tb.screen), nil
}

// unnamedScrollers lists the page's elements that scroll without a way
// for a keyboard to scroll them (tabindex="0", or links and controls
// inside that take focus), and those made focusable (tabindex="0") that
// lack what a screen reader announces when they take focus: a role and a
// name.
func (tb *tab) unnamedScrollers() []string {
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("body *")].filter((el) => {
		const interactive = "a[href], button, input, select, textarea, summary, [tabindex]";
		const st = getComputedStyle(el);
		const scrolls = /auto|scroll/.test(st.overflowX + st.overflowY) && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1);
		const tabstop = el.getAttribute("tabindex") === "0" && !el.matches(interactive.replace(", [tabindex]", ""));
		if (scrolls && !tabstop && !el.querySelector(interactive)) return true;
		if (!tabstop) return false;
		const role = el.getAttribute("role") || el.matches("nav, main, aside, section, form");
		return !(role && (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")));
	}).map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + [...el.classList].join("."))`))
	if err != nil {
		return []string{err.Error()}
	}
	return out
}

// violations runs axe-core on the page and returns its serious and
// critical violations.
func (tb *tab) violations() ([]testbrowser.AxeViolation, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, 60*time.Second)
	defer cancel()
	return testbrowser.Axe(ctx, tb.axe)
}

// keyPage is a page the accessibility check opens, as whom.
type keyPage struct {
	name, user, path string
}

// TestKeyPagesAccessible runs axe-core on the pages people use most —
// login, dashboard, the public batch page, the inspection and receive
// forms, the trace report, the manager's dashboard, cases, EPCIS and the
// scanner — in English and in Chinese, on a desktop and on a phone, and
// fails on any serious or critical violation and on a page wider than the
// screen.
func TestKeyPagesAccessible(t *testing.T) {
	testbrowser.AxeScript(t) // fail at once, with the install command, without axe-core
	f := newFixture(t, true)
	d := findDemo(t, f)
	ship, _ := siteDispatch(t, f, "AXR", "10", "4")
	inspect := siteReceived(t, f, "AXI", "12")
	caseID := demoOpenCase(t, f)
	pages := []keyPage{
		{"login", "", "/login"},
		{"dashboard", siteSupplier, "/dashboard"},
		{"dashboard of the site", siteOperator, "/dashboard"},
		{"public batch page", "", "/b/" + d.recall.BatchCode},
		{"batch page of an involved authority", "hz-construction-bureau.viewer", "/b/" + d.failed},
		{"inspection form", siteInspector, "/inspections/new?batch=" + inspect},
		{"receive", siteOperator, "/shipments/" + ship + "/receive"},
		{"trace report", "qianjiang-urban-dev.admin", "/trace?batch=" + url.QueryEscape(d.recall.BatchCode) + "&direction=both"},
		{"manager dashboard", "qianjiang-urban-dev.admin", "/manager"},
		{"cases", "zhongjian-no8.admin", "/cases"},
		{"a case", "zhongjian-no8.admin", "/cases/" + caseID},
		{"EPCIS", siteSupplier, "/epcis"},
		{"scan", siteInspector, "/scan"},
	}
	browser := testbrowser.Start(t, 1280, 900)
	for _, run := range []struct {
		lang          string
		width, height int64
	}{{"en", 1280, 900}, {"zh-CN", 1280, 900}, {"en", 390, 844}, {"zh-CN", 390, 844}} {
		lang := run.lang
		t.Run(fmt.Sprintf("%s/%d", lang, run.width), func(t *testing.T) {
			tabs := map[string]*tab{}
			for _, p := range pages {
				tb := tabs[p.user]
				if tb == nil {
					tb = newTab(t, f, browser, run.width, run.height)
					if p.user != "" {
						if err := tb.login(p.user, lang); err != nil {
							t.Fatal(err)
						}
					} else if _, err := tb.open("/login?lang=" + lang); err != nil {
						t.Fatal(err)
					}
					tabs[p.user] = tb
				}
				code, err := tb.open(p.path)
				if err != nil || code != 200 {
					t.Errorf("%s (%s as %q): status %d, %v", p.name, p.path, p.user, code, err)
					continue
				}
				if wide, screen, err := tb.width(); err != nil || wide > screen {
					t.Errorf("%s (%s as %q): %d px wide on a screen of %d px (%v)", p.name, p.path, p.user, wide, screen, err)
				}
				if bare := tb.unnamedScrollers(); len(bare) > 0 {
					t.Errorf("%s (%s as %q): regions that scroll or take focus without a role and a name: %q", p.name, p.path, p.user, bare)
				}
				vs, err := tb.violations()
				if err != nil {
					t.Errorf("%s: %v", p.name, err)
					continue
				}
				for _, v := range vs {
					t.Errorf("%s (%s as %q): %s", p.name, p.path, p.user, v)
				}
			}
		})
	}
}

// demoOpenCase returns the ID of the demo's open quality case.
func demoOpenCase(t testing.TB, f *fixture) string {
	t.Helper()
	cs, err := f.store.Cases(context.Background(), store.CaseFilter{Status: models.CaseOpen})
	if err != nil || len(cs.Items) == 0 {
		t.Fatalf("the demo's open case: %v %v", cs.Items, err)
	}
	return cs.Items[0].ID
}
