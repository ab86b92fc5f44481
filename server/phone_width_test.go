package server

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestLongValueNeverWidensAPhonePage: a 300-character code, sent past the
// field's maxlength, comes back in an error next to the field; the page
// still fits a 390-pixel phone screen (it used to grow 3,004 px wide and
// cover the submit button).
func TestLongValueNeverWidensAPhonePage(t *testing.T) {
	f := newFixture(t, true)
	b := newBrowser(t, f)
	b.phone()
	b.login("fuchun-cement.operator")
	b.visit("/batches/new")
	if ml, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector("#code").getAttribute("maxlength") || ""`)); err != nil || ml != "64" {
		t.Errorf("the code field's maxlength: %q %v", ml, err)
	}
	long := strings.Repeat("X", 300)
	b.do("send a 300-character code", chromedp.Evaluate[chromedp.Void](`(() => {
		const c = document.querySelector("#code");
		c.removeAttribute("maxlength");
		c.value = "`+long+`";
		const p = document.querySelector("#product_id");
		p.value = p.options[p.options.length - 1].value;
		document.querySelector("#quantity").value = "5";
		document.querySelector("#produced_on").value = "2026-03-01";
	})()`))
	b.submit("submit", "#commission-submit", "/batches")
	w, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if err != nil {
		t.Fatal(err)
	}
	if main := b.text("main"); !strings.Contains(main, long[:64]) {
		t.Fatalf("the error does not echo the code: %s", clip(main, 600))
	}
	if w[0] > 390 || w[0] > w[1] {
		t.Errorf("the page is %d px wide on a 390 px phone (window %d px; screenshot %s)", w[0], w[1], b.shot("long-code"))
	}
}

// TestDetailsKeepADisclosureMarker: the trace page's collapsible parts
// (proof details, the signed checkpoint) show a marker that says they
// open, although their summaries are laid out as flex, which hides the
// browser's own.
func TestDetailsKeepADisclosureMarker(t *testing.T) {
	f := newFixture(t, true)
	b := newBrowser(t, f)
	b.visit("/b/" + findDemo(t, f).recall.BatchCode)
	markers, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".card details > summary")).map((s) => {
		const flex = getComputedStyle(s).display === "flex";
		const before = getComputedStyle(s, "::before").content;
		return flex ? before : "list-item";
	})`))
	if err != nil || len(markers) == 0 {
		t.Fatalf("summaries: %v %v", markers, err)
	}
	for i, m := range markers {
		if m == "none" || m == "normal" || m == "" {
			t.Errorf("summary %d has no disclosure marker (%q)", i, m)
		}
	}
}
