package server

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/plumbline/plumbline/internal/demo"
)

// TestTraceGraphOnPhone opens a trace report on a phone (390 × 844, touch)
// and uses the graph with fingers: a one-finger drag moves the view, a
// two-finger pinch zooms it, the buttons zoom and fit; the collapsible
// tree unfolds a branch with a tap, and a usage box opens its list in the
// tree. Screenshots go to $PLUMBLINE_ARTIFACTS.
func TestTraceGraphOnPhone(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	b := &browser{t: t, f: f, ctx: startChromium(t, 390, 844)}
	b.phone()
	b.login("qianjiang-urban-dev.viewer")
	b.visit("/trace?batch=" + url.QueryEscape(d.recall.BatchCode) + "&direction=both&depth=64")
	b.do("graph script", chromedp.WaitVisible(chromedp.CSS("#graph-viewport.js-graph")))

	type view struct{ Scale, X, Y float64 }
	state := func() view {
		t.Helper()
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		defer cancel()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[view](`(() => { const d = document.getElementById("graph-viewport").dataset;
			return {Scale: +d.scale, X: +d.x, Y: +d.y}; })()`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	rect, err := chromedp.Run(b.ctx, chromedp.Evaluate[struct{ X, Y, W, H float64 }](`(() => {
		const r = document.getElementById("graph-viewport"); r.scrollIntoView({block: "center"});
		const b = r.getBoundingClientRect(); return {X: b.x, Y: b.y, W: b.width, H: b.height}; })()`))
	if err != nil || rect.W < 300 || rect.W > 390 || rect.H < 200 {
		t.Fatalf("graph viewport on a phone: %+v %v", rect, err)
	}
	cx, cy := rect.X+rect.W/2, rect.Y+rect.H/2
	touch := func(typ input.DispatchTouchEventType, pts ...[2]float64) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			var tps []*input.TouchPoint
			for i, p := range pts {
				id := float64(i + 1)
				tps = append(tps, &input.TouchPoint{X: p[0], Y: p[1], ID: &id})
			}
			_, err := chromedp.Call(ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: tps})
			return err
		})
	}
	before := state()
	if before.Scale <= 0 {
		t.Fatalf("graph view not set: %+v", before)
	}
	// One finger drags the graph 120 px left and 60 px up.
	drag := []chromedp.Action[chromedp.Void]{touch(input.DispatchTouchEventTypeTouchStart, [2]float64{cx, cy})}
	for i := 1; i <= 6; i++ {
		drag = append(drag, touch(input.DispatchTouchEventTypeTouchMove, [2]float64{cx - float64(20*i), cy - float64(10*i)}))
	}
	drag = append(drag, touch(input.DispatchTouchEventTypeTouchEnd))
	b.do("drag the graph", drag...)
	after := state()
	if dx := (after.X - before.X) * before.Scale; dx < 100 || dx > 140 || after.Scale != before.Scale {
		t.Errorf("a 120 px drag moved the view by %.0f px (%+v → %+v)", dx, before, after)
	}
	// Two fingers spread from 60 to 180 px apart: three times the scale.
	pinch := []chromedp.Action[chromedp.Void]{touch(input.DispatchTouchEventTypeTouchStart, [2]float64{cx - 30, cy}, [2]float64{cx + 30, cy})}
	for i := 1; i <= 6; i++ {
		pinch = append(pinch, touch(input.DispatchTouchEventTypeTouchMove, [2]float64{cx - 30 - float64(10*i), cy}, [2]float64{cx + 30 + float64(10*i), cy}))
	}
	pinch = append(pinch, touch(input.DispatchTouchEventTypeTouchEnd))
	b.do("pinch the graph", pinch...)
	zoomed := state()
	if r := zoomed.Scale / after.Scale; r < 2.5 || r > 3.5 {
		if !(zoomed.Scale == 4 && r > 1) { // the zoom stops at 4×
			t.Errorf("pinching 60 → 180 px scaled the graph by %.2f (%+v → %+v)", r, after, zoomed)
		}
	}
	b.do("zoom out button", chromedp.Click(chromedp.CSS(`[data-graph="out"]`)))
	if out := state(); out.Scale >= zoomed.Scale {
		t.Errorf("zoom out: %+v → %+v", zoomed, out)
	}
	b.do("fit button", chromedp.Click(chromedp.CSS(`[data-graph="reset"]`)))
	fitted := state()
	if fitted.Scale > before.Scale || fitted.Scale <= 0 {
		t.Errorf("fit: scale %.3f, the start was %.3f", fitted.Scale, before.Scale)
	}
	shot, err := chromedp.Run(b.ctx, chromedp.Screenshot(chromedp.CSS("#trace-graph")))
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(artifactsDir(t), "trace-graph-phone.png")
	if err := os.WriteFile(name, shot, 0o644); err != nil {
		t.Fatal(err)
	}

	// The tree: a closed branch opens with a tap; a usage box in the graph
	// opens its list in the tree.
	type branch struct{ Closed, Open int }
	count := func() branch {
		v, err := chromedp.Run(b.ctx, chromedp.Evaluate[branch](`(() => { const all = [...document.querySelectorAll("#trace-tree details")];
			return {Closed: all.filter(d => !d.open).length, Open: all.filter(d => d.open).length}; })()`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	c0 := count()
	if c0.Closed == 0 || c0.Open == 0 {
		t.Fatalf("tree: %+v branches closed/open", c0)
	}
	b.do("unfold a branch", chromedp.Click(chromedp.CSS(`#trace-tree details:not([open]) > summary`)))
	if c1 := count(); c1.Open != c0.Open+1 {
		t.Errorf("tapping a closed branch: %+v → %+v", c0, c1)
	}
	b.do("open a usage box", chromedp.Evaluate[chromedp.Void](`document.querySelector("#graph-viewport a[href^='#uses-']").dispatchEvent(new MouseEvent("click", {bubbles: true}))`))
	ok, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`(() => { const id = location.hash.slice(1); const el = id && document.getElementById(id);
		return !!el && el.querySelector("details").open && el.getBoundingClientRect().height > 0; })()`, chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil || !ok {
		t.Errorf("a usage box did not open its list: %v", err)
	}
	shot, err = chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err == nil {
		err = os.WriteFile(filepath.Join(artifactsDir(t), "trace-tree-phone.png"), shot, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	// Where used, on the same phone: the table of places scrolls inside
	// its box, the page itself does not scroll sideways.
	b.visit("/where-used?product=" + url.QueryEscape(demo.ProdCement))
	b.do("where-used table", chromedp.WaitVisible(chromedp.CSS("#wu-table")))
	wide, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if err != nil || wide {
		t.Errorf("the where-used page scrolls sideways on a phone (%v)", err)
	}
	shot, err = chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err == nil {
		err = os.WriteFile(filepath.Join(artifactsDir(t), "where-used-phone.png"), shot, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("graph view start %+v, dragged %+v, pinched %+v, fitted %+v; screenshot %s", before, after, zoomed, fitted, name)
}
