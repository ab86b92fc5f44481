package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/embedded"
)

// fixtureVerify verifies the fixture's embedded ledger, as cmd_serve
// wires the server's Verify.
func fixtureVerify(f *fixture) VerifyFunc {
	return func(ctx context.Context, progress func(done, total uint64)) (ledger.Checkpoint, uint64, error) {
		rep, err := f.ledger.Verify(ctx, embedded.VerifyOptions{Progress: progress})
		return rep.Checkpoint, rep.Entries, err
	}
}

// demoEnd sets the fixture's clock to an hour after the demo's last event,
// so "the last 16 weeks" cover the whole demo.
func demoEnd(t *testing.T, f *fixture) time.Time {
	t.Helper()
	ctx := context.Background()
	head, err := f.ledger.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := f.store.Event(ctx, head)
	if err != nil {
		t.Fatal(err)
	}
	end := ev.Time.Add(time.Hour)
	f.srv.opts.Now = func() time.Time { return end }
	return end
}

// TestDashFiguresScope checks who sees which figures: authorities and
// inspection agencies the whole project (or one organization they pick),
// everyone else their own organization only, and bad queries a 4xx that
// names the field.
func TestDashFiguresScope(t *testing.T) {
	f := newFixture(t, true)
	demoEnd(t, f)
	bureau := f.token(t, "hz-construction-bureau.viewer")
	agency := f.token(t, "zj-quality-inspection.viewer")
	contractor := f.token(t, "zhongjian-no8.viewer")
	cement := f.token(t, "fuchun-cement.operator")
	for _, tc := range []struct {
		name, token, path string
		code              int
		scope, field      string
	}{
		{"authority sees the project", bureau, "/api/v1/dashboard/deliveries?weeks=16", 200, "all", ""},
		{"agency sees the project", agency, "/api/v1/dashboard/inspections?weeks=16", 200, "all", ""},
		{"authority narrows to one organization", bureau, "/api/v1/dashboard/deliveries?org=" + demo.OrgCement, 200, demo.OrgCement, ""},
		{"authority asks for all", bureau, "/api/v1/dashboard/on-time?org=all", 200, "all", ""},
		{"contractor sees its own", contractor, "/api/v1/dashboard/deliveries", 200, demo.OrgContractor, ""},
		{"contractor names itself", contractor, "/api/v1/dashboard/holds?org=" + demo.OrgContractor, 200, demo.OrgContractor, ""},
		{"contractor may not see the project", contractor, "/api/v1/dashboard/deliveries?org=all", 403, "", ""},
		{"supplier may not see another", cement, "/api/v1/dashboard/on-time?org=" + demo.OrgSteel, 403, "", ""},
		{"unknown organization", bureau, "/api/v1/dashboard/deliveries?org=nobody", 404, "", "org"},
		{"weeks not a number", bureau, "/api/v1/dashboard/deliveries?weeks=many", 422, "", "weeks"},
		{"weeks too many", bureau, "/api/v1/dashboard/inspections?weeks=105", 422, "", "weeks"},
		{"weeks zero", bureau, "/api/v1/dashboard/inspections?weeks=0", 422, "", "weeks"},
		{"bad grouping", bureau, "/api/v1/dashboard/deliveries?by=colour", 422, "", "by"},
		{"anonymous", "", "/api/v1/dashboard/deliveries", 401, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out map[string]any
			code := f.call(t, tc.token, "GET", tc.path, nil, &out)
			if code != tc.code {
				t.Fatalf("status %d, want %d: %v", code, tc.code, out)
			}
			if tc.scope != "" && out["scope"] != tc.scope {
				t.Errorf("scope %v, want %s", out["scope"], tc.scope)
			}
			if tc.field != "" {
				if e, _ := out["error"].(map[string]any); e == nil || e["field"] != tc.field || e["message"] == "" {
					t.Errorf("error %v, want one naming %s", out["error"], tc.field)
				}
			}
		})
	}
	// A contractor's figures are only about shipments it is party to.
	var mine, all dashDeliveries
	f.call(t, contractor, "GET", "/api/v1/dashboard/deliveries?weeks=16", nil, &mine)
	f.call(t, bureau, "GET", "/api/v1/dashboard/deliveries?weeks=16", nil, &all)
	if len(mine.Items) == 0 || len(all.Items) <= len(mine.Items) {
		t.Fatalf("contractor %d rows, project %d", len(mine.Items), len(all.Items))
	}
	for _, it := range mine.Items {
		if it.Key == demo.OrgCement || it.Key == demo.OrgQuarry {
			t.Errorf("the contractor sees deliveries from %s, which deliver to the ready-mix plant only", it.Key)
		}
	}
}

// TestDashFiguresMatchTheLedger checks the demo's figures against counts
// made independently from the read model's records.
func TestDashFiguresMatchTheLedger(t *testing.T) {
	f := newFixture(t, true)
	end := demoEnd(t, f)
	ctx := context.Background()
	tok := f.token(t, "hz-construction-bureau.viewer")

	// Deliveries: every received shipment in the window, once.
	var d dashDeliveries
	if code := f.call(t, tok, "GET", "/api/v1/dashboard/deliveries?weeks=20", nil, &d); code != 200 {
		t.Fatal(code)
	}
	got := 0
	for _, it := range d.Items {
		got += it.Shipments
	}
	var want int
	for after := ""; ; {
		p, err := f.store.Shipments(ctx, store.ShipmentFilter{Status: "received", After: after, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range p.Items {
			if sh.ReceivedAt >= d.From.Format(time.RFC3339) {
				want++
			}
		}
		if after = p.Next; after == "" {
			break
		}
	}
	if got != want || want == 0 {
		t.Errorf("deliveries chart counts %d shipments, the read model has %d received", got, want)
	}
	if len(d.Weeks) != 20 || d.Weeks[19] != store.WeekStart(end).Format("2006-01-02") {
		t.Errorf("weeks %v", d.Weeks)
	}

	// On time: the demo's monthly orders have due dates some suppliers miss.
	var o dashOnTime
	f.call(t, tok, "GET", "/api/v1/dashboard/on-time?weeks=20", nil, &o)
	late, onTime := 0, 0
	for _, it := range o.Items {
		late += it.Lines - it.OnTime.OnTime
		onTime += it.OnTime.OnTime
		if want := percent(it.OnTime.OnTime, it.Lines); it.Rate != want {
			t.Errorf("%s: rate %v, want %v", it.Supplier, it.Rate, want)
		}
	}
	if late == 0 || onTime == 0 {
		t.Errorf("on-time figures %+v: the demo should have both on-time and late deliveries", o.Items)
	}
	t.Logf("on time: %+v", o.Items)

	// Inspections: failures per product add up to the failed inspections.
	var in dashInspections
	f.call(t, tok, "GET", "/api/v1/dashboard/inspections?weeks=20&by=product", nil, &in)
	failed := 0
	for _, it := range in.Items {
		failed += it.Failed
	}
	fi, err := f.store.FailedInspectionsSince(ctx, "", in.From, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if failed != len(fi) || failed == 0 {
		t.Errorf("inspection chart has %d failures, the read model %d", failed, len(fi))
	}

	// Holds: the buckets add up to the list, oldest first.
	var h dashHolds
	f.call(t, tok, "GET", "/api/v1/dashboard/holds", nil, &h)
	n := 0
	for _, b := range h.Buckets {
		n += b.Count
	}
	holds, err := f.store.OpenHolds(ctx, store.HoldFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(h.Items) || n != len(holds.Items) {
		t.Errorf("hold buckets sum to %d, list has %d, read model %d", n, len(h.Items), len(holds.Items))
	}
	for i := 1; i < len(h.Items); i++ {
		if h.Items[i].Since.Before(h.Items[i-1].Since) {
			t.Errorf("holds not oldest first at %d", i)
		}
	}
}

// TestDashCSV checks every chart's CSV download: a UTF-8 byte-order mark,
// a header of the stable column names in the reader's language (English
// here: csv.col.<name>), the same rows as the page's table, and cells that
// a spreadsheet would read as a formula neutralised.
func TestDashCSV(t *testing.T) {
	f := newFixture(t, true)
	demoEnd(t, f)
	c := f.login(t, "hz-construction-bureau.viewer")
	heads := map[string]string{
		"deliveries":  "week,supplier,shipments,quantity,unit",
		"on-time":     "supplier,lines,on_time,late,on_time_percent,late_days_total,overdue_open_lines",
		"inspections": "product,inspections,failed,failed_percent",
		"holds":       "batch,product,custodian,since,age_days,reason",
		"recalls":     "case,kind,batch,severity,opened_by,age_days,target_date,overdue,acknowledged_orgs,affected_orgs,dispositioned_usages,affected_usages",
		"ledger":      "minute,groups,transactions,tx_per_second,mean_group_size,p50_ms,p99_ms",
	}
	q := map[string]string{"inspections": "?by=product&weeks=20"}
	for id, head := range heads {
		t.Run(id, func(t *testing.T) {
			req, _ := http.NewRequest("GET", f.URL+"/dashboard/"+id+".csv"+q[id], nil)
			code, body, hdr := c.do(t, req)
			if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(hdr.Get("Content-Disposition"), id+"-all-") {
				t.Fatalf("status %d, %s, %s", code, hdr.Get("Content-Type"), hdr.Get("Content-Disposition"))
			}
			if !strings.HasPrefix(body, utf8BOM) {
				t.Errorf("no byte-order mark: %q", body[:min(len(body), 8)])
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, utf8BOM))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			L := f.srv.cat.Localizer("en")
			var want []string
			for _, col := range strings.Split(head, ",") {
				want = append(want, L.T("csv.col."+col))
			}
			if strings.Join(rows[0], ",") != strings.Join(want, ",") {
				t.Errorf("header %q, want %q", strings.Join(rows[0], ","), strings.Join(want, ","))
			}
			for _, r := range rows[1:] {
				for _, cell := range r {
					if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
						t.Errorf("cell %q would be read as a formula", cell)
					}
				}
			}
		})
	}
	// The CSV of inspections by product has the demo's products and adds up.
	req, _ := http.NewRequest("GET", f.URL+"/dashboard/inspections.csv?by=product&weeks=20", nil)
	_, body, _ := c.do(t, req)
	rows, _ := csv.NewReader(strings.NewReader(body)).ReadAll()
	var api dashInspections
	f.call(t, f.token(t, "hz-construction-bureau.viewer"), "GET", "/api/v1/dashboard/inspections?by=product&weeks=20", nil, &api)
	if len(rows)-1 != len(api.Items) || len(api.Items) == 0 {
		t.Fatalf("CSV rows %d, API items %d", len(rows)-1, len(api.Items))
	}
	for i, it := range api.Items {
		if rows[i+1][1] != strconv.Itoa(it.Inspections) || rows[i+1][2] != strconv.Itoa(it.Failed) {
			t.Errorf("row %d %v, API %+v", i+1, rows[i+1], it)
		}
	}
	// A contractor's CSV is its own; asking for another's is refused.
	cc := f.login(t, "zhongjian-no8.viewer")
	if code, _ := cc.get(t, "/dashboard/deliveries.csv?org=all"); code != http.StatusForbidden {
		t.Errorf("contractor's project-wide CSV: %d", code)
	}
	if code, _ := cc.get(t, "/dashboard/nothing.csv"); code != http.StatusNotFound {
		t.Errorf("unknown chart: %d", code)
	}
	if code, _ := c.get(t, "/dashboard/deliveries.csv?weeks=-1"); code != http.StatusUnprocessableEntity {
		t.Errorf("bad weeks: %d", code)
	}
}

// TestDashPage checks the charts on /manager: one accessible SVG per chart
// that parses as XML, the table behind it in a <details>, the CSV link
// with the page's query, and the page in both languages.
func TestDashPage(t *testing.T) {
	f := newFixture(t, true)
	demoEnd(t, f)
	c := f.login(t, "qianjiang-urban-dev.admin")
	for _, lang := range []string{"en", "zh-CN"} {
		code, body := c.get(t, "/manager?weeks=16&by=product&lang="+lang)
		if code != 200 {
			t.Fatalf("%s: %d", lang, code)
		}
		for _, id := range []string{"deliveries", "on-time", "inspections", "holds", "recalls", "ledger"} {
			page := body
			if id == "ledger" { // the operator's chart, on the operations page
				_, page = c.get(t, "/operations?lang="+lang)
			}
			i := strings.Index(page, `id="chart-`+id+`"`)
			if i < 0 {
				t.Fatalf("%s: no chart %s", lang, id)
			}
			sec := page[i:]
			sec = sec[:strings.Index(sec, "</section>")]
			s, e := strings.Index(sec, "<svg"), strings.Index(sec, "</svg>")
			if s < 0 || e < 0 {
				t.Fatalf("%s: chart %s has no SVG", lang, id)
			}
			svg := sec[s : e+6]
			if !strings.Contains(svg, `role="img"`) || !strings.Contains(svg, `aria-label="`) || !strings.Contains(svg, `viewBox="`) {
				t.Errorf("%s: chart %s is not accessible", lang, id)
			}
			dec := xml.NewDecoder(bytes.NewReader([]byte(svg)))
			for {
				if _, err := dec.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("%s: chart %s is not well-formed: %v", lang, id, err)
				}
			}
			csv := `href="/dashboard/` + id + `.csv?by=product&amp;weeks=16"`
			if id == "ledger" {
				csv = `href="/dashboard/ledger.csv"`
			}
			if !strings.Contains(sec, "<details") || !strings.Contains(sec, csv) {
				t.Errorf("%s: chart %s lacks its table or CSV link", lang, id)
			}
		}
		if lang == "zh-CN" && !strings.Contains(body, "准时交货率") {
			t.Error("no Chinese chart titles")
		}
	}
	if logs := f.logs.take(); len(logs) > 0 {
		t.Errorf("warnings while rendering: %v", logs)
	}
	// The dashboard's figures card for admins and viewers, linking here.
	_, body := c.get(t, "/dashboard")
	if i := strings.Index(body, `id="dash-figures"`); i < 0 || !strings.Contains(body[i:], `href="/manager#chart-on-time"`) || !strings.Contains(body[i:], "%") {
		t.Error("no figures card on the authority's dashboard")
	}
	if _, body := f.login(t, "fuchun-cement.operator").get(t, "/dashboard"); strings.Contains(body, `id="dash-figures"`) {
		t.Error("an operator gets the figures card")
	}
	// A contractor has no scope picker; the authority does.
	_, body = f.login(t, "zhongjian-no8.viewer").get(t, "/manager")
	if strings.Contains(body, `name="org"`) {
		t.Error("a contractor can pick whose figures to see")
	}
	if _, body := c.get(t, "/manager"); !strings.Contains(body, `name="org"`) {
		t.Error("the authority cannot pick whose figures to see")
	}
}

// TestDashLedgerHealth checks the ledger health figures: commits on this
// server show in the window, and an administrator's "verify now" records a
// passing run that the page and the API then show.
func TestDashLedgerHealth(t *testing.T) {
	f := newFixture(t, true)
	f.srv.opts.Verify = fixtureVerify(f)
	tok := f.token(t, "fuchun-cement.admin")
	for i := 0; i < 3; i++ {
		body := map[string]any{"code": "DASH-" + strconv.Itoa(i), "product_id": demo.ProdCement, "quantity": "10", "produced_on": "2026-03-02"}
		if code := f.call(t, tok, "POST", "/api/v1/batches", body, nil); code != http.StatusCreated {
			t.Fatalf("commission: %d", code)
		}
	}
	var l dashLedger
	if code := f.call(t, tok, "GET", "/api/v1/dashboard/ledger", nil, &l); code != 200 {
		t.Fatal(code)
	}
	head, _ := f.ledger.Head(context.Background())
	if l.Entries != head || l.Checkpoint == nil || l.Checkpoint.Size != head || len(l.Checkpoint.Root) != 64 {
		t.Errorf("entries %d checkpoint %+v, head %d", l.Entries, l.Checkpoint, head)
	}
	if l.Last5.Txs != 3 || l.Last60.Txs != 3 || l.Last5.P50 <= 0 || l.Last5.P99 < l.Last5.P50 || len(l.Minutes) != 60 {
		t.Errorf("commit window: last 5 %+v, last 60 %+v, %d minutes", l.Last5, l.Last60, len(l.Minutes))
	}
	if l.LastVerify != nil {
		t.Errorf("a verification before any ran: %+v", l.LastVerify)
	}

	// Only administrators may start one.
	if code := f.call(t, f.token(t, "fuchun-cement.viewer"), "POST", "/api/v1/ledger/verify", nil, nil); code != http.StatusForbidden {
		t.Errorf("viewer starts a verification: %d", code)
	}
	c := f.login(t, "fuchun-cement.admin")
	if code, _ := c.post(t, "/manager/verify", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("verify now: %d", code)
	}
	f.srv.dash.verify.wg.Wait()
	f.call(t, tok, "GET", "/api/v1/dashboard/ledger", nil, &l)
	if v := l.LastVerify; v == nil || !v.OK || v.Source != store.VerifyServer || v.User != "fuchun-cement.admin" || v.ToSeq != head || v.FromSeq != 1 {
		t.Fatalf("last verify %+v, want a passing server run over 1..%d", v, head)
	}
	_, body := c.get(t, "/operations")
	i := strings.Index(body, `id="ledger-verify"`)
	if i < 0 || !strings.Contains(body[i:i+400], "badge ok") {
		t.Errorf("the page does not show the passing verification")
	}
	if !strings.Contains(body, `id="verify-now"`) {
		t.Error("no verify button for an admin")
	}
	for lang, want := range map[string]string{"en": `badge ok">passed`, "zh-CN": `badge ok">通过`} {
		if _, body := c.get(t, "/dashboard?lang="+lang); !strings.Contains(body, want) {
			t.Errorf("%s: the dashboard's figures card does not show the passing verification", lang)
		}
	}
	if logs := f.logs.take(); len(logs) > 0 {
		t.Errorf("warnings: %v", logs)
	}

	// Damage entry 7 behind the ledger's back: the next run fails, names
	// it, and the dashboard says so.
	db, err := sql.Open("sqlite3", filepath.Join(f.dir, "plumbline.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE ledger_entries SET data = substr(data, 1, 40) || x'00' || substr(data, 42) WHERE seq = 7`); err != nil {
		t.Fatal(err)
	}
	var started verifyStarted
	if code := f.call(t, tok, "POST", "/api/v1/ledger/verify", nil, &started); code != http.StatusAccepted || !started.Started {
		t.Fatalf("verify via the API: %d %+v", code, started)
	}
	f.srv.dash.verify.wg.Wait()
	f.call(t, tok, "GET", "/api/v1/dashboard/ledger", nil, &l)
	if v := l.LastVerify; v == nil || v.OK || !strings.Contains(v.Message, "entry 7") || v.ToSeq != head {
		t.Fatalf("last verify after damage %+v, want a failed run naming entry 7 over 1..%d", v, head)
	}
	if code, body := c.get(t, "/operations?lang=en"); !strings.Contains(body, `badge bad">FAILED`) {
		i := strings.Index(body, `id="ledger-verify"`)
		t.Errorf("the page does not show the failed verification: %d %s", code, body[max(i, 0):min(len(body), max(i, 0)+600)])
	}
	f.logs.take() // the failure is logged as an error, as it should be
}

// TestOrderDueDate checks the purchase order's due date on the form, the
// order list and the API.
func TestOrderDueDate(t *testing.T) {
	f := newFixture(t, true)
	due := time.Now().UTC().AddDate(0, 0, 14).Format("2006-01-02")
	c := f.login(t, "zhongjian-no8.operator")
	code, body, _ := c.postLoc(t, "/orders/new", url.Values{"id": {"PO-DUE-1"}, "supplier": {demo.OrgSteel}, "site": {"tower-a"},
		"product_0": {demo.ProdRebarBar}, "quantity_0": {"5"}, "deliver_by": {due}})
	if code != http.StatusSeeOther {
		t.Fatalf("order with a due date: %d\n%s", code, body)
	}
	po, err := f.store.PurchaseOrder(context.Background(), "PO-DUE-1")
	if err != nil || po.DeliverBy != due {
		t.Fatalf("stored %+v %v, want deliver_by %s", po, err, due)
	}
	if _, body := f.login(t, "jiangnan-steel.viewer").get(t, "/orders"); !strings.Contains(body, `<dd class="deliver-by">`+due+`</dd>`) {
		t.Error("the supplier's order list does not show the due date")
	}
	tok := f.token(t, "zhongjian-no8.operator")
	order := func(id, due string) map[string]any {
		return map[string]any{"id": id, "supplier": demo.OrgSteel, "deliver_by": due, "lines": []map[string]any{{"line": 1, "product_id": demo.ProdRebarBar, "quantity": "3"}}}
	}
	var got map[string]any
	if code := f.call(t, tok, "POST", "/api/v1/purchase-orders", order("PO-DUE-2", due), &got); code != http.StatusCreated || got["deliver_by"] != due {
		t.Errorf("API order: %d %v", code, got)
	}
	for _, bad := range []string{"2020-01-01", "31/12/2030", "2030-02-30"} {
		var e map[string]map[string]any
		if code := f.call(t, tok, "POST", "/api/v1/purchase-orders", order("PO-DUE-3", bad), &e); code != http.StatusUnprocessableEntity || e["error"]["field"] != "deliver_by" {
			t.Errorf("deliver_by %s: %d %v", bad, code, e)
		}
	}
	// Without a due date the order has none (and encodes as before).
	got = nil
	if code := f.call(t, tok, "POST", "/api/v1/purchase-orders", order("PO-DUE-4", ""), &got); code != http.StatusCreated || got["deliver_by"] != nil {
		t.Errorf("order without a due date: %d %v", code, got)
	}
}

// TestDashBrowser opens /manager on a phone in Chromium: every chart is
// drawn, fits the screen (the page never scrolls sideways), and the table
// behind a chart opens with one tap.
func TestDashBrowser(t *testing.T) {
	f := newFixture(t, true)
	demoEnd(t, f)
	b := newBrowser(t, f)
	b.login("qianjiang-urban-dev.admin")
	b.phone()
	b.visit("/manager?weeks=16")
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.dash-figure svg.chart').length`))
	if err != nil || n != 5 {
		t.Fatalf("%d charts drawn (%v)", n, err)
	}
	b.do("open the holds table", chromedp.Click("#chart-holds details summary"))
	// With the widest table open, the page still fits a phone (390 CSS
	// pixels): charts scale down, tables scroll inside their card.
	fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.innerWidth <= 400 && [...document.querySelectorAll('svg.chart')].every(s => s.getBoundingClientRect().width > 250 && s.getBoundingClientRect().right <= window.innerWidth + 1) && document.documentElement.scrollWidth <= window.innerWidth + 1`))
	if err != nil || !fits {
		w, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`window.innerWidth + ' ' + document.documentElement.scrollWidth`))
		t.Errorf("charts do not fit a phone's width (%v; viewport and page width %s)", err, w)
	}
	open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#chart-holds details').open && document.querySelector('#chart-holds details table').getBoundingClientRect().height > 0`))
	if err != nil || !open {
		t.Errorf("the holds table did not open (%v)", err)
	}
	for _, id := range []string{"deliveries", "holds"} {
		b.do("scroll to "+id, chromedp.ScrollIntoView("#chart-"+id))
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(artifactsDir(t), "dash-"+id+"-phone.png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", p)
	}
}

// TestDashCases checks the open cases chart against the cases themselves:
// the demo leaves non-conformance cases open with some usages still to
// disposition; each item's progress counts what its case records, and an
// organization sees only the cases it is party to.
func TestDashCases(t *testing.T) {
	f := newFixture(t, true)
	demoEnd(t, f)
	ctx := context.Background()
	var all dashRecalls
	if code := f.call(t, f.token(t, "hz-construction-bureau.viewer"), "GET", "/api/v1/dashboard/recalls", nil, &all); code != 200 {
		t.Fatal(code)
	}
	if len(all.Items) == 0 {
		t.Fatal("the demo has no open case")
	}
	partial := false
	for i, it := range all.Items {
		c, err := f.store.Case(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		acked, disp := 0, 0
		for _, o := range c.Orgs {
			if o.Acked() {
				acked++
			}
		}
		for _, u := range c.Usages {
			if u.Disposition != "" {
				disp++
			}
		}
		if c.Status != "open" || it.AckedOrgs != acked || it.Orgs != len(c.Orgs) || it.Dispositioned != disp || it.Usages != len(c.Usages) {
			t.Errorf("case %s (%s): dashboard %d/%d acked, %d/%d dispositioned; case %d/%d, %d/%d", it.ID, c.Status, it.AckedOrgs, it.Orgs, it.Dispositioned, it.Usages, acked, len(c.Orgs), disp, len(c.Usages))
		}
		if it.DispositionPercent != percent(disp, len(c.Usages)) {
			t.Errorf("case %s: %v%% dispositioned", it.ID, it.DispositionPercent)
		}
		partial = partial || (disp > 0 && disp < len(c.Usages))
		if i > 0 && it.At < all.Items[i-1].At {
			t.Errorf("cases not oldest first")
		}
	}
	if !partial {
		t.Error("no partly dispositioned case in the demo")
	}
	// The quarry opened none and is affected by none: it sees no case.
	var quarry dashRecalls
	f.call(t, f.token(t, "tonglu-quarry.viewer"), "GET", "/api/v1/dashboard/recalls", nil, &quarry)
	if len(quarry.Items) != 0 {
		t.Errorf("the quarry sees %d cases", len(quarry.Items))
	}
	var contractor dashRecalls
	f.call(t, f.token(t, "zhongjian-no8.viewer"), "GET", "/api/v1/dashboard/recalls", nil, &contractor)
	if len(contractor.Items) == 0 || contractor.Scope != demo.OrgContractor {
		t.Errorf("the contractor, whose pours the cases are about, sees %d cases (scope %s)", len(contractor.Items), contractor.Scope)
	}
}

// TestDashCacheFollowsWrites checks that cached figures never outlive a
// write: releasing a hold takes it off the holds chart at once.
func TestDashCacheFollowsWrites(t *testing.T) {
	f := newFixture(t, true)
	demoEnd(t, f)
	tok := f.token(t, "zj-quality-inspection.inspector")
	var before, again, after dashHolds
	f.call(t, tok, "GET", "/api/v1/dashboard/holds", nil, &before)
	f.call(t, tok, "GET", "/api/v1/dashboard/holds", nil, &again) // from the cache
	if len(before.Items) == 0 || len(again.Items) != len(before.Items) {
		t.Fatalf("holds %d then %d", len(before.Items), len(again.Items))
	}
	code := before.Items[0].Code
	if st := f.call(t, tok, "POST", "/api/v1/holds/"+code+"/release", map[string]any{"reason": "re-test passed"}, nil); st != http.StatusOK {
		t.Fatalf("release %s: %d", code, st)
	}
	f.call(t, tok, "GET", "/api/v1/dashboard/holds", nil, &after)
	if len(after.Items) != len(before.Items)-1 {
		t.Errorf("after releasing %s the chart has %d holds, before %d", code, len(after.Items), len(before.Items))
	}
	for _, h := range after.Items {
		if h.Code == code {
			t.Errorf("released %s is still on the chart", code)
		}
	}
}

// TestDashVerifyRunning holds a real verification at its first progress
// report: meanwhile the page shows its progress and refreshes itself, and
// a second start is refused as already running.
func TestDashVerifyRunning(t *testing.T) {
	f := newFixture(t, true)
	reached, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	real := fixtureVerify(f)
	f.srv.opts.Verify = func(ctx context.Context, progress func(done, total uint64)) (ledger.Checkpoint, uint64, error) {
		return real(ctx, func(done, total uint64) {
			progress(done, total)
			once.Do(func() { close(reached); <-release })
		})
	}
	tok := f.token(t, "hz-construction-bureau.admin")
	var first, second verifyStarted
	if code := f.call(t, tok, "POST", "/api/v1/ledger/verify", nil, &first); code != http.StatusAccepted || !first.Started {
		t.Fatalf("start: %d %+v", code, first)
	}
	select {
	case <-reached:
	case <-time.After(30 * time.Second):
		t.Fatal("the verification reported no progress within 30 s")
	}
	if code := f.call(t, tok, "POST", "/api/v1/ledger/verify", nil, &second); code != http.StatusAccepted || second.Started || second.Running == nil {
		t.Errorf("second start while running: %d %+v", code, second)
	}
	_, body := f.login(t, "hz-construction-bureau.admin").get(t, "/operations")
	if !strings.Contains(body, `<meta http-equiv="refresh" content="5">`) || !strings.Contains(body, "<progress") {
		t.Error("the page shows no progress of the running verification")
	}
	close(release)
	f.srv.dash.verify.wg.Wait()
	var l dashLedger
	f.call(t, tok, "GET", "/api/v1/dashboard/ledger", nil, &l)
	if l.Running != nil || l.LastVerify == nil || !l.LastVerify.OK {
		t.Errorf("after the run: running %+v, last %+v", l.Running, l.LastVerify)
	}
	if _, body := f.login(t, "hz-construction-bureau.admin").get(t, "/operations"); strings.Contains(body, `http-equiv="refresh"`) {
		t.Error("the page keeps refreshing after the run")
	}
}

// TestDashCSVFormulaEscaped puts a product whose name a spreadsheet would
// run as a formula on hold: the holds CSV quotes it, the page shows it as
// typed.
func TestDashCSVFormulaEscaped(t *testing.T) {
	f := newFixture(t, true)
	maker := f.token(t, "fuchun-cement.operator")
	evil := `=HYPERLINK("http://example.com","x")`
	if code := f.call(t, maker, "POST", "/api/v1/products", map[string]any{"product": map[string]any{
		"id": "evil-cement", "name": evil, "category": "cement", "standard": "GB 175-2023", "unit": "t", "manufacturer": demo.OrgCement}}, nil); code != http.StatusCreated {
		t.Fatalf("register: %d", code)
	}
	if code := f.call(t, maker, "POST", "/api/v1/batches", map[string]any{"code": "EVIL-1", "product_id": "evil-cement", "quantity": "5", "produced_on": "2026-03-02"}, nil); code != http.StatusCreated {
		t.Fatalf("commission: %d", code)
	}
	insp := f.token(t, "zj-quality-inspection.inspector")
	if code := f.call(t, insp, "POST", "/api/v1/inspections", map[string]any{"batch": "EVIL-1", "type": "sampling", "verdict": "fail", "notes": "+1 bad"}, nil); code != http.StatusCreated {
		t.Fatalf("inspect: %d", code)
	}
	c := f.login(t, "hz-construction-bureau.viewer")
	req, _ := http.NewRequest("GET", f.URL+"/dashboard/holds.csv", nil)
	_, body, _ := c.do(t, req)
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows[1:] {
		if r[0] == "EVIL-1" {
			found = true
			if r[1] != "'"+evil {
				t.Errorf("product cell %q, want it quoted", r[1])
			}
		}
	}
	if !found {
		t.Fatalf("EVIL-1 not in the holds CSV:\n%s", body)
	}
	if _, page := c.get(t, "/manager"); !strings.Contains(page, `=HYPERLINK(&#34;http://example.com&#34;,&#34;x&#34;)`) {
		t.Error("the page does not show the name as typed (escaped HTML)")
	}
}
