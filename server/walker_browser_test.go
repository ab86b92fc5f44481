package server

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/testbrowser"
	"github.com/plumbline/plumbline/models"
)

// walkUsers are the demo users the walker logs in as: every role in one
// organization of every kind (the menu depends on the kind and the role).
func walkUsers() []string {
	var users []string
	kinds := map[models.OrgKind]bool{}
	for _, o := range demo.Organizations() {
		if kinds[o.Kind] {
			continue
		}
		kinds[o.Kind] = true
		for _, r := range models.Roles {
			users = append(users, demo.UserID(o.ID, r))
		}
	}
	return users
}

// menuLinks are the pages the header and the page's navigation outside
// <main> link to (the menu, the brand, the notifications), same-origin,
// without language switches or downloads.
const menuLinks = `(() => {
	const out = [];
	for (const a of document.querySelectorAll("header a[href], nav a[href]")) {
		if (a.closest("main")) continue;
		if (a.hasAttribute("hreflang") || a.hasAttribute("download")) continue;
		const u = new URL(a.href, location.href);
		if (u.origin !== location.origin || u.searchParams.has("lang")) continue;
		const p = u.pathname + u.search;
		if (!out.includes(p)) out.push(p);
	}
	return out;
})()`

// walkPage is what the walker saw on one page.
type walkPage struct {
	user, lang, path string
	status           int
	scrollWidth      int
	innerWidth       int
	axe              []testbrowser.AxeViolation
	axeReused        bool     // the same markup was checked on another page
	unnamed          []string // regions that scroll or take focus without a role and a name
	otherLang, ids   []string
	err              error
	load, axeTime    time.Duration
}

// TestPageWalker logs in as every role of an organization of every kind,
// on a phone (390 × 844) in Chinese and in English, and opens every page
// the header's menu links to. It fails on a page that scrolls sideways, a
// serious or critical axe-core violation, a region that scrolls without a
// role and a name, and a 5xx. It also looks for
// text in the other language and for IDs and hashes shown outside a
// <details> (testbrowser.OtherLanguage, ShownIDs): what they find is
// logged per page, and fails the test only with PLUMBLINE_WALK_STRICT=1.
// PLUMBLINE_WALK_USERS (login names, comma-separated) walks only those.
func TestPageWalker(t *testing.T) {
	if testing.Short() {
		t.Skip("the page walker is skipped in -short mode")
	}
	testbrowser.AxeScript(t) // fail at once, with the install command, without axe-core
	start := time.Now()
	f := newFixture(t, true)
	ids := knownIDs(t, f)
	browser := testbrowser.Start(t, 390, 844)

	type job struct{ user, lang string }
	var jobs []job
	only := strings.Fields(strings.ReplaceAll(os.Getenv("PLUMBLINE_WALK_USERS"), ",", " "))
	for _, lang := range []string{"zh-CN", "en"} {
		for _, u := range walkUsers() {
			if len(only) == 0 || slices.Contains(only, u) {
				jobs = append(jobs, job{u, lang})
			}
		}
	}
	if len(jobs) == 0 {
		t.Fatalf("PLUMBLINE_WALK_USERS=%q names none of the users walked: %q", os.Getenv("PLUMBLINE_WALK_USERS"), walkUsers())
	}
	var (
		mu      sync.Mutex
		pages   []walkPage
		checked = map[string][]testbrowser.AxeViolation{} // axe's result by markup
		wg      sync.WaitGroup
		queue   = make(chan job)
	)
	const tabs = 3
	for range tabs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				ps := walkRole(t, f, browser, j.user, j.lang, ids, func(key string) ([]testbrowser.AxeViolation, bool) {
					mu.Lock()
					defer mu.Unlock()
					v, ok := checked[key]
					return v, ok
				}, func(key string, vs []testbrowser.AxeViolation) {
					mu.Lock()
					defer mu.Unlock()
					checked[key] = vs
				})
				mu.Lock()
				pages = append(pages, ps...)
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		queue <- j
	}
	close(queue)
	wg.Wait()

	strict := os.Getenv("PLUMBLINE_WALK_STRICT") == "1"
	sort.Slice(pages, func(i, j int) bool {
		a, b := pages[i], pages[j]
		return a.lang+a.path+a.user < b.lang+b.path+b.user
	})
	type findings struct{ otherLang, ids []string }
	axeRuns, found := 0, map[string]*findings{}
	var load, axeTime time.Duration
	for _, p := range pages {
		load += p.load
		axeTime += p.axeTime
		where := fmt.Sprintf("%s %s as %s", p.lang, p.path, p.user)
		switch {
		case p.err != nil:
			t.Errorf("%s: %v", where, p.err)
			continue
		case p.status >= 500:
			t.Errorf("%s: status %d", where, p.status)
		}
		if p.scrollWidth > p.innerWidth {
			t.Errorf("%s: scrolls sideways: %d px wide on a %d px screen", where, p.scrollWidth, p.innerWidth)
		}
		if len(p.unnamed) > 0 {
			t.Errorf("%s: regions that scroll or take focus without a role and a name: %q", where, p.unnamed)
		}
		if !p.axeReused {
			axeRuns++
			for _, v := range p.axe {
				t.Errorf("%s: %s", where, v)
			}
		}
		// The detectors' findings, once per page and language, with
		// every user's findings together.
		key := p.lang + " " + p.path
		if len(p.otherLang)+len(p.ids) == 0 {
			continue
		}
		fs := found[key]
		if fs == nil {
			fs = &findings{}
			found[key] = fs
		}
		for _, s := range p.otherLang {
			fs.otherLang = appendNew(fs.otherLang, fmt.Sprintf("%q", s))
		}
		for _, s := range p.ids {
			fs.ids = appendNew(fs.ids, s)
		}
	}
	keys := make([]string, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	report := t.Logf
	if strict {
		report = t.Errorf
	}
	for _, k := range keys {
		var parts []string
		if fs := found[k]; len(fs.otherLang) > 0 {
			parts = append(parts, fmt.Sprintf("other language (%d): %s", len(fs.otherLang), clip(strings.Join(fs.otherLang, ", "), 300)))
		}
		if fs := found[k]; len(fs.ids) > 0 {
			parts = append(parts, fmt.Sprintf("IDs shown (%d): %s", len(fs.ids), clip(strings.Join(fs.ids, ", "), 300)))
		}
		report("%s: %s", k, strings.Join(parts, "; "))
	}
	t.Logf("tabs spent %s loading pages and %s in axe-core", load.Round(time.Second), axeTime.Round(time.Second))
	t.Logf("walked %d pages as %d users in 2 languages (axe-core ran on %d, the others repeat their markup) in %s; the detectors found something on %d of %d page × language pairs (PLUMBLINE_WALK_STRICT=1 fails on them)",
		len(pages), len(jobs)/2, axeRuns, time.Since(start).Round(time.Second), len(keys), countKeys(pages))
}

// walkRole logs user in on a phone in lang and checks the dashboard and
// every page its header links to. Pages whose markup was checked before
// (seen) reuse axe-core's result (a role's page differs from another's in
// text, rarely in markup).
func walkRole(t *testing.T, f *fixture, browser context.Context, user, lang string, ids []string,
	seen func(string) ([]testbrowser.AxeViolation, bool), remember func(string, []testbrowser.AxeViolation)) []walkPage {
	tb, err := openTab(t, f, browser, 390, 844)
	if err != nil {
		return []walkPage{{user: user, lang: lang, path: "/login", err: err}}
	}
	defer tb.cancel()
	if err := tb.login(user, lang); err != nil {
		return []walkPage{{user: user, lang: lang, path: "/login", err: err}}
	}
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](menuLinks))
	cancel()
	if err != nil || len(links) < 3 {
		return []walkPage{{user: user, lang: lang, path: "/dashboard", err: fmt.Errorf("the menu's links: %q %v", links, err)}}
	}
	var out []walkPage
	for _, path := range links {
		p := walkPage{user: user, lang: lang, path: path}
		t0 := time.Now()
		if path == tb.location() { // the dashboard, where logging in lands
			p.status, p.err = tb.status(tb.ctx)
		} else {
			p.status, p.err = tb.open(path)
		}
		p.load = time.Since(t0)
		if p.err == nil {
			p.err = tb.checkPage(&p, ids, seen, remember)
		}
		out = append(out, p)
	}
	return out
}

// checkPage measures the page's width, runs axe-core (unless its markup
// was checked before) and the two detectors.
func (tb *tab) checkPage(p *walkPage, ids []string, seen func(string) ([]testbrowser.AxeViolation, bool), remember func(string, []testbrowser.AxeViolation)) error {
	ctx, cancel := context.WithTimeout(tb.ctx, 60*time.Second)
	defer cancel()
	var err error
	if p.scrollWidth, p.innerWidth, err = tb.width(); err != nil {
		return err
	}
	p.unnamed = tb.unnamedScrollers()
	shape, err := chromedp.Run(ctx, chromedp.Evaluate[string](markupShape))
	if err != nil {
		return fmt.Errorf("markup: %w", err)
	}
	key := p.lang + " " + shape
	if vs, ok := seen(key); ok {
		p.axe, p.axeReused = vs, true
	} else {
		t0 := time.Now()
		if p.axe, err = testbrowser.Axe(ctx, tb.axe); err != nil {
			return err
		}
		p.axeTime = time.Since(t0)
		remember(key, p.axe)
	}
	texts, err := testbrowser.PageTexts(ctx)
	if err != nil {
		return err
	}
	p.otherLang = testbrowser.OtherLanguage(p.lang, texts)
	p.ids = testbrowser.ShownIDs(texts, ids)
	return nil
}

// markupShape is the set of the kinds of element the page holds: each
// element as its parent's tag, its tag and the attributes axe-core's rules
// look at (class, role, type, ARIA…), and whether it scrolls, without text,
// links, IDs or how many there are. Two pages in one language with the
// same set get the same result from axe-core (a role's page differs from
// another's in its rows, rarely in its kinds of element), so the walker
// checks each set once per language.
const markupShape = `(() => {
	const keep = ["class", "role", "type", "tabindex", "hidden", "open", "disabled", "lang", "scope", "style", "fill", "stroke"];
	const named = ["for", "alt", "title", "href", "aria-label", "aria-labelledby", "aria-describedby"];
	const kinds = new Set();
	for (const el of document.querySelectorAll("*")) {
		let s = (el.parentElement ? el.parentElement.tagName : "") + ">" + el.tagName;
		const val = (a) => el.getAttribute(a).replace(/[0-9.]+/g, "0");
		for (const a of keep) if (el.hasAttribute(a)) s += " " + a + "=" + val(a);
		for (const a of named) if (el.hasAttribute(a)) s += " " + a + (el.getAttribute(a).trim() ? "" : "=");
		for (const a of el.getAttributeNames()) if (a.startsWith("aria-") && !named.includes(a)) s += " " + a + "=" + val(a);
		if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible") s += " scrolls";
		if (!el.children.length && el.textContent.trim()) s += " text";
		kinds.add(s);
	}
	const str = [...kinds].sort().join("\n");
	let h = 0;
	for (let i = 0; i < str.length; i++) h = (Math.imul(h, 31) + str.charCodeAt(i)) | 0;
	return kinds.size + ":" + str.length + ":" + h;
})()`

// knownIDs are the organization, product and site IDs of the fixture,
// which pages should show as names.
func knownIDs(t *testing.T, f *fixture) []string {
	t.Helper()
	ctx := context.Background()
	orgs, err := f.store.Organizations(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range orgs {
		ids = append(ids, o.ID)
		ids = append(ids, o.Sites...)
	}
	products, err := f.store.Products(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range products {
		ids = append(ids, p.ID)
	}
	if len(ids) < 10 {
		t.Fatalf("known IDs: %q", ids)
	}
	return ids
}

func appendNew(xs []string, s string) []string {
	if slices.Contains(xs, s) {
		return xs
	}
	return append(xs, s)
}

func countKeys(ps []walkPage) int {
	m := map[string]bool{}
	for _, p := range ps {
		m[p.lang+" "+p.path] = true
	}
	return len(m)
}
