package server

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Layout tests (issue 12): what a page looks like at a desktop's and a
// phone's width, in Chromium.

// fitsWidth fails the test when the page scrolls sideways.
func (b *browser) fitsWidth(what string) {
	b.t.Helper()
	w, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if err != nil {
		b.t.Fatal(err)
	}
	if w[0] > w[1] {
		b.t.Errorf("%s: the page is %d px wide in a %d px window (screenshot %s)", what, w[0], w[1], b.shot("too-wide-"+what))
	}
}

// navLink is a link of the navigation as Chromium lays it out.
type navLink struct {
	Group   string  `json:"group"`
	Href    string  `json:"href"`
	Text    string  `json:"text"`
	Visible bool    `json:"visible"`
	Right   float64 `json:"right"`
}

// navLinks lists the links of the navigation under sel with their group's
// name and whether they are visible (laid out, inside the window).
func (b *browser) navLinks(sel string) []navLink {
	b.t.Helper()
	links, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]navLink](`[...document.querySelectorAll(`+"`"+sel+` a`+"`"+`)].map((a) => {
		const r = a.getBoundingClientRect();
		const g = a.closest(".nav-group");
		const name = g ? g.querySelector(".nav-group-name") : null;
		return {group: name ? name.textContent.trim() : "", href: a.getAttribute("href"), text: a.textContent.trim(),
			visible: r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= window.innerWidth && getComputedStyle(a).visibility === "visible",
			right: r.right};
	})`))
	if err != nil {
		b.t.Fatalf("links of %s: %v", sel, err)
	}
	return links
}

// TestNavGroupedOnDesktop: on a desktop the header shows every page of
// the user's menu, grouped by job, without opening anything; on a 390 px
// phone the same groups sit behind "Menu" and nothing scrolls sideways.
func TestNavGroupedOnDesktop(t *testing.T) {
	f := newFixture(t, true)
	b := newBrowser(t, f)
	for _, tc := range []struct {
		user       string
		groups     []string // in order
		want, not  []string
		minVisible int
	}{
		{"fuchun-cement.admin", []string{"Supply", "Site", "Trace & recalls", "Manage"},
			[]string{"/products", "/batches", "/import", "/labels", "/trace", "/where-used", "/recalls", "/cases", "/manager", "/admin/users", "/admin/webhooks"},
			[]string{"/stock", "/shipments/incoming"}, 17},
		{"zhongjian-no8.operator", []string{"Supply", "Site", "Trace & recalls", "Manage"},
			[]string{"/orders", "/shipments/incoming", "/stock", "/holds", "/labels", "/trace"},
			[]string{"/products", "/manager", "/admin/users"}, 12},
	} {
		b.login(tc.user)
		b.visit("/dashboard?lang=en")
		hidden, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(() => { const m = document.querySelector("details.menu"); return !m || m.getBoundingClientRect().width === 0; })()`))
		if err != nil || !hidden {
			t.Errorf("%s: the desktop header still has a \"Menu\" to open (%v)", tc.user, err)
		}
		links := b.navLinks("header nav.groups")
		visible := map[string]navLink{}
		var groups []string
		for _, l := range links {
			if !l.Visible {
				t.Errorf("%s: %s (%s) is not visible on a desktop (right edge %.0f)", tc.user, l.Href, l.Text, l.Right)
				continue
			}
			visible[l.Href] = l
			if l.Group != "" && (len(groups) == 0 || groups[len(groups)-1] != l.Group) {
				groups = append(groups, l.Group)
			}
		}
		if len(visible) < tc.minVisible {
			t.Errorf("%s: %d links visible in the header, want at least %d: %v", tc.user, len(visible), tc.minVisible, links)
		}
		if strings.Join(groups, "|") != strings.Join(tc.groups, "|") {
			t.Errorf("%s: groups %q, want %q", tc.user, groups, tc.groups)
		}
		for _, h := range tc.want {
			if _, ok := visible[h]; !ok {
				t.Errorf("%s: no visible %s in the header", tc.user, h)
			}
		}
		for _, h := range tc.not {
			if _, ok := visible[h]; ok {
				t.Errorf("%s: the header links %s, which this role does not use", tc.user, h)
			}
		}
		if g := visible["/trace"].Group; g != "Trace & recalls" {
			t.Errorf("%s: the trace report is under %q", tc.user, g)
		}
		b.fitsWidth(tc.user + "-desktop")
	}
	b.shot("nav-desktop")

	// On a phone: "Menu" in the header, the groups inside it.
	b.phone()
	b.visit("/dashboard?lang=zh-CN")
	if links := b.navLinks("header nav.groups"); len(links) == 0 || links[0].Visible {
		t.Errorf("the phone shows the desktop's navigation row: %v", links)
	}
	b.fitsWidth("phone-menu-closed")
	b.do("open the menu", chromedp.Click("details.menu summary"))
	links := b.navLinks("details.menu nav")
	groups := map[string]bool{}
	for _, l := range links {
		if !l.Visible {
			t.Errorf("phone menu: %s is not inside the screen (right edge %.0f)", l.Href, l.Right)
		}
		groups[l.Group] = true
	}
	for _, g := range []string{"供应", "工地", "追溯与召回", "管理"} {
		if !groups[g] {
			t.Errorf("phone menu: no group %s (%v)", g, groups)
		}
	}
	b.fitsWidth("phone-menu-open")
	b.shot("nav-phone")
}

// chartLabels is what Chromium lays out of a chart's category labels.
type chartLabels struct {
	Rows      int      `json:"rows"`      // the chart's rows (categories)
	TableRows int      `json:"tableRows"` // the rows of the table behind it
	Labels    []string `json:"labels"`
	Problems  []string `json:"problems"`
}

// labelsOf measures the labels of the chart in the card #chart-{id}:
// each row's label is there, drawn big enough to read, inside the chart
// (not clipped), clear of its bars and of the other labels.
func (b *browser) labelsOf(id string) chartLabels {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[chartLabels](`(() => {
		const card = document.querySelector("#chart-`+id+`");
		const svg = card.querySelector("svg.chart");
		const out = {rows: 0, tableRows: card.querySelectorAll(".dash-table tbody tr").length, labels: [], problems: []};
		const s = svg.getBoundingClientRect();
		const boxes = [];
		svg.querySelectorAll("g.row").forEach((row, i) => {
			out.rows++;
			const label = row.querySelector("text.cat");
			if (!label || label.textContent.trim() === "") { out.problems.push("row " + i + " has no label"); return; }
			out.labels.push(label.textContent);
			const r = label.getBoundingClientRect();
			if (r.height < 6 || r.width < 4) out.problems.push("label " + i + " is too small to read: " + r.width + "×" + r.height);
			if (r.left < s.left - 0.5 || r.right > s.right + 0.5 || r.top < s.top - 0.5 || r.bottom > s.bottom + 0.5)
				out.problems.push("label " + i + " (" + label.textContent + ") is clipped: " + JSON.stringify(r) + " in " + JSON.stringify(s));
			let top = Infinity, bottom = -Infinity;
			row.querySelectorAll("rect").forEach((bar) => {
				const q = bar.getBoundingClientRect();
				if (q.left < r.right - 0.5) out.problems.push("label " + i + " runs into its bar");
				top = Math.min(top, q.top); bottom = Math.max(bottom, q.bottom);
			});
			const mid = (r.top + r.bottom) / 2;
			if (top !== Infinity && (mid < top - 2 || mid > bottom + 2)) out.problems.push("label " + i + " is not beside its bars");
			boxes.forEach((o, j) => {
				if (r.left < o.right && o.left < r.right && r.top < o.bottom && o.top < r.bottom)
					out.problems.push("labels " + j + " and " + i + " overlap");
			});
			boxes.push(r);
		});
		return out;
	})()`))
	if err != nil {
		b.t.Fatalf("labels of chart %s: %v", id, err)
	}
	return got
}

// TestChartsLabelEveryBar: on the manager's dashboard, at a desktop's and
// a phone's width, every bar of the on-time, inspection and open-case
// charts has its category's whole name beside it, readable, unclipped and
// overlapping nothing (the vertical on-time chart named 2 of 5 suppliers).
func TestChartsLabelEveryBar(t *testing.T) {
	f := newFixture(t, true)
	demoEnd(t, f)
	b := newBrowser(t, f)
	b.login("qianjiang-urban-dev.admin")
	for _, width := range []string{"desktop", "phone"} {
		if width == "phone" {
			b.phone()
		}
		for _, lang := range []string{"en", "zh-CN"} {
			b.visit("/manager?weeks=16&lang=" + lang)
			for _, id := range []string{"on-time", "inspections", "recalls"} {
				got := b.labelsOf(id)
				if got.Rows == 0 || got.Rows != got.TableRows {
					t.Errorf("%s %s %s: %d labelled rows for %d rows in the table behind it (labels %q)", width, lang, id, got.Rows, got.TableRows, got.Labels)
				}
				for _, p := range got.Problems {
					t.Errorf("%s %s %s: %s", width, lang, id, p)
				}
			}
			if width == "desktop" && lang == "en" {
				if got := b.labelsOf("on-time"); got.Rows < 5 {
					t.Errorf("the demo's on-time chart has %d suppliers, want the 5 the issue names: %q", got.Rows, got.Labels)
				}
			}
			b.fitsWidth(width + "-manager-" + lang)
		}
		b.do("scroll to on-time", chromedp.ScrollIntoView("#chart-on-time"))
		b.shot("chart-on-time-" + width)
	}
}

// TestOperatorFiguresOnOperationsPage: the ledger health — with this
// server's commit latency and group size — is on /operations, linked in
// the menu of the admins and viewers who saw it on /manager; the manager's
// dashboard no longer shows it. An operator (no manager link) gets no
// operations link either.
func TestOperatorFiguresOnOperationsPage(t *testing.T) {
	f := newFixture(t, true)
	demoEnd(t, f)
	f.srv.opts.Verify = fixtureVerify(f)
	tok := f.token(t, "fuchun-cement.operator")
	body := map[string]any{"code": "OPS-1", "product_id": "po-42.5", "quantity": "10", "produced_on": "2026-03-02"}
	if code := f.call(t, tok, "POST", "/api/v1/batches", body, nil); code != 201 {
		t.Fatalf("commission: %d", code)
	}
	stats := map[string]string{"en": "1 transactions, ", "zh-CN": "1 笔交易"}
	for _, user := range []string{"qianjiang-urban-dev.admin", "hz-construction-bureau.viewer", "fuchun-cement.admin"} {
		c := f.login(t, user)
		for lang, stat := range stats {
			_, mgr := c.get(t, "/manager?lang="+lang)
			for _, gone := range []string{`id="chart-ledger"`, `id="ledger-health"`, "p99", stat, `id="verify-now"`} {
				if strings.Contains(mgr, gone) {
					t.Errorf("%s %s: the manager's dashboard still shows %s", user, lang, gone)
				}
			}
			if !strings.Contains(mgr, `id="chart-on-time"`) {
				t.Errorf("%s %s: the manager's dashboard lost its supply-chain charts", user, lang)
			}
			code, ops := c.get(t, "/operations?lang="+lang)
			if code != 200 || !strings.Contains(ops, `id="chart-ledger"`) || !strings.Contains(ops, `id="ledger-health"`) || !strings.Contains(ops, stat) {
				t.Errorf("%s %s: /operations %d does not show the commit figures (%q)\n%s", user, lang, code, stat, section(ops, "ledger-health"))
			}
			if !strings.Contains(ops, `href="/operations" aria-current="page"`) {
				t.Errorf("%s %s: the menu has no link to the operations page", user, lang)
			}
		}
	}
	if _, ops := f.login(t, "fuchun-cement.admin").get(t, "/operations"); !strings.Contains(ops, `action="/operations/verify"`) {
		t.Error("an admin cannot start a verification from the operations page")
	}
	if _, ops := f.login(t, "hz-construction-bureau.viewer").get(t, "/operations"); strings.Contains(ops, `id="verify-now"`) {
		t.Error("a viewer gets the verify button")
	}
	if _, dash := f.login(t, "fuchun-cement.operator").get(t, "/dashboard"); strings.Contains(dash, `href="/operations"`) || strings.Contains(dash, `href="/manager"`) {
		t.Error("an operator's menu links the manager or operations page")
	}

	// In Chromium, on a desktop: the link is in the header's Manage group.
	b := newBrowser(t, f)
	b.login("hz-construction-bureau.viewer")
	b.visit("/manager?lang=en")
	var found bool
	for _, l := range b.navLinks("header nav.groups") {
		if l.Href == "/operations" {
			found = l.Visible && l.Group == "Manage"
		}
	}
	if !found {
		t.Error("no visible Operations link under Manage in the desktop header")
	}
	b.do("open operations", chromedp.Click(`header nav.groups a[href="/operations"]`), chromedp.WaitVisible("#ledger-health"))
	b.fitsWidth("operations-desktop")
}
