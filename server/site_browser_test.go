package server

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestSitePagesInBrowser drives the site and inspector pages on a phone
// (390 × 844) with site.js running: the receive form reveals the fields of
// the chosen outcome, the inspection form flags an out-of-limit value and
// warns against a pass, the scanner understands trace and Digital Link
// URLs and nothing else, and the manual code form opens the batch.
// Screenshots go to the artifacts folder.
func TestSitePagesInBrowser(t *testing.T) {
	f := newFixture(t, true)
	ship, _ := siteDispatch(t, f, "BRW", "10", "4")
	code := siteReceived(t, f, "BRWI", "12")
	ctx := startChromium(t, 390, 844)
	run := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	eval := func(expr string) bool {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		ok, err := chromedp.Run(tctx, chromedp.Evaluate[bool](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return ok
	}
	shot := func(name string) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(artifactsDir(t), "site-"+name+".png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	login := func(user string) {
		t.Helper()
		run("login "+user, chromedp.Navigate(f.URL+"/login?lang=en"), chromedp.WaitVisible(chromedp.ID("login")),
			chromedp.SendKeys(chromedp.ID("login"), user), chromedp.SendKeys(chromedp.ID("password"), demoPassword),
			chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.CSS("details.menu summary")))
	}

	login(siteOperator)
	run("incoming", chromedp.Navigate(f.URL+"/shipments/incoming"), chromedp.WaitVisible(chromedp.ID("ship-"+ship)))
	shot("incoming")
	run("receive", chromedp.Navigate(f.URL+"/shipments/"+ship+"/receive"), chromedp.WaitVisible(chromedp.ID("receive-form")))
	if eval(`!document.getElementById("line-1-received").closest(".reveal").hidden`) {
		t.Error("the received quantity shows for an accepted line")
	}
	run("choose discrepancy", chromedp.Click(chromedp.ID("line-1-discrepancy")))
	if !eval(`!document.getElementById("line-1-received").closest(".reveal").hidden && !document.getElementById("line-1-reason").closest(".reveal").hidden`) {
		t.Error("choosing 'quantity differs' does not reveal the quantity and reason")
	}
	run("choose reject", chromedp.Click(chromedp.ID("line-2-reject")))
	if !eval(`document.getElementById("line-2-received").closest(".reveal").hidden && !document.getElementById("line-2-reason").closest(".reveal").hidden`) {
		t.Error("choosing 'reject' does not show only the reason")
	}
	shot("receive")
	run("stock", chromedp.Navigate(f.URL+"/stock"), chromedp.WaitVisible(chromedp.ID("stock-summary")))
	shot("stock")
	run("usage", chromedp.Navigate(f.URL+"/usages/new?batch="+code), chromedp.WaitVisible(chromedp.ID("usage-form")))
	shot("usage")

	run("log out", chromedp.Navigate(f.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS("main h1")),
		chromedp.Submit(chromedp.CSS(`form[action="/logout"] button`), chromedp.NodeReady),
		chromedp.WaitVisible(chromedp.ID("login")))
	login(siteInspector)
	run("inspection", chromedp.Navigate(f.URL+"/inspections/new?batch="+code), chromedp.WaitVisible(chromedp.ID("inspection-form")),
		chromedp.SendKeys(chromedp.ID("m-compressive_strength_28d"), "39.5"), chromedp.Click(chromedp.ID("verdict-pass")))
	if !eval(`document.getElementById("m-compressive_strength_28d").closest("[data-limit]").classList.contains("out") && !document.getElementById("verdict-warning").hidden`) {
		t.Error("an out-of-limit value is not flagged, or a pass is not warned against")
	}
	run("conditional", chromedp.Click(chromedp.ID("verdict-conditional")))
	if !eval(`!document.getElementById("insp-condition").closest(".reveal").hidden && document.getElementById("verdict-warning").hidden`) {
		t.Error("a conditional verdict does not ask for its condition")
	}
	shot("inspection")

	run("scan", chromedp.Navigate(f.URL+"/scan"), chromedp.WaitVisible(chromedp.ID("scan-manual")))
	for expr, want := range map[string]string{
		`plumblinePath("https://plumbline.example/b/CB-260604-37")`:               "/b/CB-260604-37",
		`plumblinePath("https://plumbline.example/01/06927583100015/10/FC-2606")`: "/01/06927583100015/10/FC-2606",
		`plumblinePath("CB-260604-37")`:                                           "/b/CB-260604-37",
		`plumblinePath("https://evil.example/login")`:                             "null",
		`plumblinePath("javascript:alert(1)")`:                                    "null",
	} {
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		got, err := chromedp.Run(tctx, chromedp.Evaluate[string](`String(`+expr+`)`))
		cancel()
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", expr, got, err, want)
		}
	}
	shot("scan")
	run("manual code", chromedp.SendKeys(chromedp.ID("scan-code"), code), chromedp.Click(chromedp.ID("scan-open")),
		chromedp.WaitVisible(chromedp.ID("status-banner")))
	if !eval(`location.pathname === "/b/` + code + `"`) {
		t.Errorf("the manual code form does not open /b/%s", code)
	}
	run("holds", chromedp.Navigate(f.URL+"/holds?lang=zh-CN"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if !eval(`document.querySelector("main h1").textContent.includes("隔离")`) {
		t.Error("holds page not in Chinese")
	}
	shot("holds-zh")
}
