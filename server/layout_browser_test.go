package server

import (
	"fmt"
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

// TestDepletedIsNotRecalledRed: in a supplier's batch list, a depleted
// batch's badge (nothing wrong: all shipped or used) is not drawn in the
// red of a recalled one.
func TestDepletedIsNotRecalledRed(t *testing.T) {
	f := newFixture(t, true)
	b := newBrowser(t, f)
	b.login("fuchun-cement.operator")
	type colors struct {
		Text       string `json:"text"`
		Background string `json:"background"`
		Color      string `json:"color"`
	}
	badge := func(status string) colors {
		t.Helper()
		b.visit("/batches?lang=en&status=" + status)
		c, err := chromedp.Run(b.ctx, chromedp.Evaluate[colors](`(() => {
			const s = document.querySelector("#batch-list tbody tr td:nth-child(4) .badge");
			if (!s) return {text: "", background: "", color: ""};
			const cs = getComputedStyle(s);
			return {text: s.textContent.trim(), background: cs.backgroundColor, color: cs.color};
		})()`))
		if err != nil || c.Text == "" {
			t.Fatalf("no %s batch in the list: %v", status, err)
		}
		return c
	}
	depleted, recalled := badge("depleted"), badge("recalled")
	en := f.srv.cat.Localizer("en")
	if depleted.Text != en.T("supplier.status.depleted") || recalled.Text != en.T("supplier.status.recalled") {
		t.Fatalf("badges %q and %q", depleted.Text, recalled.Text)
	}
	if depleted.Background == recalled.Background || depleted.Color == recalled.Color {
		t.Errorf("depleted (%s on %s) looks like recalled (%s on %s)", depleted.Color, depleted.Background, recalled.Color, recalled.Background)
	}
	var r, g, bl int
	if _, err := fmt.Sscanf(depleted.Background, "rgb(%d, %d, %d)", &r, &g, &bl); err != nil {
		t.Fatalf("background %q: %v", depleted.Background, err)
	}
	if r > g+24 && r > bl+24 {
		t.Errorf("depleted is drawn in a red (%s)", depleted.Background)
	}
}

// graphFit is the trace graph's drawing against its box, on screen.
type graphFit struct {
	Box     [4]float64 `json:"box"`     // left, top, right, bottom
	Content [4]float64 `json:"content"` // the union of the graph's boxes and arrows
	Nodes   int        `json:"nodes"`
}

// TestTraceGraphOpensFitted: a trace report's graph (the demo's recalled
// cement lot, both ways: dozens of boxes) opens with all of it inside its
// box, at a desktop's and a phone's width, and filling the box's width or
// height, not a corner of it at full size.
func TestTraceGraphOpensFitted(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	b := newBrowser(t, f)
	b.login("qianjiang-urban-dev.viewer")
	for _, width := range []string{"desktop", "phone"} {
		if width == "phone" {
			b.phone()
		}
		b.visit("/trace?batch=" + d.recall.BatchCode + "&direction=both&depth=64")
		b.do("graph script", chromedp.WaitVisible("#graph-viewport.js-graph"))
		fit, err := chromedp.Run(b.ctx, chromedp.Evaluate[graphFit](`(() => {
			const box = document.getElementById("graph-viewport").getBoundingClientRect();
			const svg = document.querySelector("#graph-viewport svg.trace-graph");
			let l = Infinity, t = Infinity, r = -Infinity, b = -Infinity, n = 0;
			svg.querySelectorAll("g.node, path, line, polyline").forEach((e) => {
				const q = e.getBoundingClientRect();
				if (q.width === 0 && q.height === 0) return;
				if (e.matches("g.node")) n++;
				l = Math.min(l, q.left); t = Math.min(t, q.top); r = Math.max(r, q.right); b = Math.max(b, q.bottom);
			});
			return {box: [box.left, box.top, box.right, box.bottom], content: [l, t, r, b], nodes: n};
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		bx, c := fit.Box, fit.Content
		if fit.Nodes < 10 {
			t.Fatalf("%s: %d boxes in the graph, want a large trace", width, fit.Nodes)
		}
		if c[0] < bx[0]-1 || c[1] < bx[1]-1 || c[2] > bx[2]+1 || c[3] > bx[3]+1 {
			t.Errorf("%s: the graph (%v) spills out of its box (%v) when it opens (screenshot %s)", width, c, bx, b.shot("graph-"+width))
		}
		fw, fh := (c[2]-c[0])/(bx[2]-bx[0]), (c[3]-c[1])/(bx[3]-bx[1])
		if fw < 0.85 && fh < 0.85 {
			t.Errorf("%s: the fitted graph fills %.0f%% × %.0f%% of its box", width, fw*100, fh*100)
		}
		b.fitsWidth("graph-" + width)
	}
}

// TestCaseImpactCardsOnPhone: a case's impact list is a table on a
// desktop and, on a 390 px phone, one card per place — the row's cells
// stacked, each under its column's name — with nothing scrolling sideways.
func TestCaseImpactCardsOnPhone(t *testing.T) {
	f := newFixture(t, true)
	var l caseList
	if code := f.call(t, f.token(t, "zhongjian-no8.admin"), "GET", "/api/v1/cases?affecting=me", nil, &l); code != 200 || len(l.Items) == 0 {
		t.Fatalf("the contractor's cases: %d %d", code, len(l.Items))
	}
	b := newBrowser(t, f)
	b.login("zhongjian-no8.admin")
	type layout struct {
		Rows     int      `json:"rows"`
		Display  string   `json:"display"`
		Problems []string `json:"problems"`
	}
	measure := func() layout {
		t.Helper()
		v, err := chromedp.Run(b.ctx, chromedp.Evaluate[layout](`(() => {
			const out = {rows: 0, display: "", problems: []};
			const rows = [...document.querySelectorAll("#case-impact tbody tr")];
			out.rows = rows.length;
			if (!rows.length) return out;
			out.display = getComputedStyle(rows[0]).display;
			let prev = null;
			rows.forEach((tr, i) => {
				const r = tr.getBoundingClientRect();
				if (r.left < 0 || r.right > window.innerWidth) out.problems.push("row " + i + " is outside the screen: " + r.left + "–" + r.right);
				if (prev && r.top < prev.bottom) out.problems.push("row " + i + " overlaps the one above");
				prev = r;
				let above = null;
				tr.querySelectorAll("td").forEach((td, j) => {
					const q = td.getBoundingClientRect();
					if (above && q.top < above.bottom - 0.5) out.problems.push("row " + i + ": cell " + j + " is beside the one before, not under it");
					above = q;
					const label = getComputedStyle(td, "::before").content;
					if (label !== '"' + td.dataset.label + '"') out.problems.push("row " + i + ": cell " + j + " has no name (" + label + ")");
				});
			});
			return out;
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	checked := 0
	for _, c := range l.Items {
		b.phone()
		b.visit("/cases/" + c.ID + "?lang=zh-CN")
		got := measure()
		if got.Rows == 0 {
			continue
		}
		checked++
		if got.Display != "block" {
			t.Errorf("case %s on a phone: impact rows are laid out as %q, not as cards", c.ID, got.Display)
		}
		for _, p := range got.Problems {
			t.Errorf("case %s on a phone: %s", c.ID, p)
		}
		b.fitsWidth("case-" + c.ID + "-phone")
		b.shot("case-impact-phone")
		// The same page on a desktop keeps its table.
		b.do("desktop viewport", chromedp.EmulateViewport(1280, 900))
		b.visit("/cases/" + c.ID + "?lang=zh-CN")
		if got := measure(); got.Display != "table-row" {
			t.Errorf("case %s on a desktop: impact rows are %q, want a table", c.ID, got.Display)
		}
	}
	if checked == 0 {
		t.Fatal("no case with an impact list to look at")
	}
}
