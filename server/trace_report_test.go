package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/models"
)

// TestTraceReport traces a concrete batch of the demo back to its cement
// and aggregate origins and the recalled cement lot forward to where it
// was built in: the API, the page and the CSV agree.
func TestTraceReport(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	token := f.token(t, "qianjiang-urban-dev.viewer")

	var back traceResponse
	if code := f.call(t, token, "GET", "/api/v1/batches/"+d.concrete+"/trace?direction=backward", nil, &back); code != http.StatusOK || back.Backward == nil || back.Forward != nil {
		t.Fatalf("backward trace: %d %+v", code, back)
	}
	origins := map[string]string{}
	for _, n := range back.Backward.Nodes {
		if len(n.Lineage) == 0 || n.Lineage == "" {
			origins[n.ProductID] = n.Code
		}
	}
	for _, p := range []string{demo.ProdCement, demo.ProdAggregate} {
		if origins[p] == "" {
			t.Errorf("backward trace of %s reaches no %s origin: %+v", d.concrete, p, back.Backward.Nodes)
		}
	}
	var fwd traceResponse
	if code := f.call(t, token, "GET", "/api/v1/batches/"+d.recall.BatchCode+"/trace?direction=forward&depth=64", nil, &fwd); code != http.StatusOK || fwd.Forward == nil || len(fwd.Forward.Usages) == 0 {
		t.Fatalf("forward trace: %d", code)
	}
	u := fwd.Forward.Usages[0]

	c := f.login(t, "qianjiang-urban-dev.viewer")
	code, body := c.get(t, "/trace?batch="+url.QueryEscape(d.concrete)+"&direction=both")
	if code != http.StatusOK || !strings.Contains(body, `id="trace-backward"`) || !strings.Contains(body, `id="trace-forward"`) ||
		!strings.Contains(body, origins[demo.ProdCement]) || !strings.Contains(body, origins[demo.ProdAggregate]) {
		t.Errorf("trace page of %s: %d", d.concrete, code)
	}
	code, body = c.get(t, "/trace?batch="+url.QueryEscape(d.recall.BatchCode)+"&direction=forward")
	if code != http.StatusOK || !strings.Contains(body, u.Location.Element) || strings.Contains(body, `id="trace-backward"`) {
		t.Errorf("forward trace page: %d", code)
	}

	code, body = c.get(t, "/trace.csv?batch="+url.QueryEscape(d.recall.BatchCode)+"&direction=both")
	if code != http.StatusOK {
		t.Fatalf("trace.csv: %d", code)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, utf8BOM))).ReadAll()
	if err != nil || len(rows) < 3 || rows[0][0] != f.srv.cat.Localizer("en").T("csv.col.direction") || rows[1][2] != d.recall.BatchCode {
		t.Fatalf("trace.csv: %v %v", rows[:min(3, len(rows))], err)
	}
	found := false
	for _, r := range rows {
		if r[0] == "forward" && r[2] == u.BatchCode && r[14] == u.Location.Project && r[15] == u.Location.Building && r[17] == u.Location.Element {
			found = true
		}
	}
	if !found {
		t.Errorf("trace.csv has no row for usage %+v", u.Location)
	}

	// Bad input: the page shows the error next to its field, the API
	// names it.
	for _, b := range []struct {
		query, field string
		code         int
	}{
		{"batch=" + d.lot + "&direction=sideways", "direction", http.StatusUnprocessableEntity},
		{"batch=" + d.lot + "&depth=0", "depth", http.StatusUnprocessableEntity},
		{"batch=" + d.lot + "&depth=x", "depth", http.StatusUnprocessableEntity},
		{"batch=" + d.lot + "&depth=999", "depth", http.StatusUnprocessableEntity},
		{"batch=NO-SUCH", "batch", http.StatusNotFound},
		{"batch=", "batch", http.StatusUnprocessableEntity},
	} {
		code, body := c.get(t, "/trace?"+b.query)
		if code != b.code || !strings.Contains(body, `id="err-`+b.field+`"`) {
			t.Errorf("/trace?%s = %d, want %d with an error on %s", b.query, code, b.code, b.field)
		}
		if code, _ := c.get(t, "/trace.csv?"+b.query); code != b.code {
			t.Errorf("/trace.csv?%s = %d, want %d", b.query, code, b.code)
		}
		code2 := b.code
		path := "/api/v1/batches/" + d.lot + "/trace?" + strings.SplitN(b.query, "&", 2)[len(strings.SplitN(b.query, "&", 2))-1]
		if b.field == "batch" {
			path, code2 = "/api/v1/batches/NO-SUCH/trace", http.StatusNotFound
		}
		var e apiErr
		if code := f.call(t, token, "GET", path, nil, &e); code != code2 || e.Error.Field != b.field {
			t.Errorf("GET %s = %d %v, want %d on %s", path, code, e, code2, b.field)
		}
	}
	if code := f.call(t, "", "GET", "/api/v1/batches/"+d.lot+"/trace", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("anonymous trace API: %d", code)
	}
}

// TestTraceRecall recalls an unrecalled cement lot through the API: the
// recall reaches every batch made from it and its impact lists every
// usage of the forward trace; the page shows the places. Bad input and
// unauthorised recalls are refused and write nothing.
func TestTraceRecall(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	ctx := context.Background()
	before, _ := f.store.Recalls(ctx, 1000)
	fw, err := f.store.Forward(ctx, d.lot, 0)
	if err != nil {
		t.Fatal(err)
	}
	producer := f.token(t, "fuchun-cement.operator")
	for _, c := range []struct {
		user  string
		body  map[string]any
		code  int
		field string
	}{
		{"fuchun-cement.operator", map[string]any{"batch": d.lot, "severity": "high"}, http.StatusUnprocessableEntity, "reason"},
		{"fuchun-cement.operator", map[string]any{"batch": d.lot, "reason": "   ", "severity": "high"}, http.StatusUnprocessableEntity, "reason"},
		{"fuchun-cement.operator", map[string]any{"batch": d.lot, "reason": "x", "severity": "dire"}, http.StatusUnprocessableEntity, "severity"},
		{"fuchun-cement.operator", map[string]any{"batch": d.lot, "reason": "x", "severity": "high", "extra": 1}, http.StatusUnprocessableEntity, "extra"},
		{"fuchun-cement.operator", map[string]any{"batch": "NO-SUCH", "reason": "x", "severity": "high"}, http.StatusNotFound, "batch"},
		{"qiantang-glass.operator", map[string]any{"batch": d.lot, "reason": "x", "severity": "high"}, http.StatusForbidden, ""},
		{"fuchun-cement.viewer", map[string]any{"batch": d.lot, "reason": "x", "severity": "high"}, http.StatusForbidden, ""},
		{"zhongjian-no8.admin", map[string]any{"batch": d.lot, "reason": "x", "severity": "high"}, http.StatusForbidden, ""},
	} {
		var e apiErr
		if code := f.call(t, f.token(t, c.user), "POST", "/api/v1/recalls", c.body, &e); code != c.code || e.Error.Field != c.field {
			t.Errorf("%s recalls %v: %d %v, want %d on %q", c.user, c.body, code, e, c.code, c.field)
		}
	}
	if after, _ := f.store.Recalls(ctx, 1000); len(after) != len(before) {
		t.Fatalf("a refused recall wrote something: %d → %d recalls", len(before), len(after))
	}
	if b, _ := f.store.Batch(ctx, d.lot); b.Status == models.StatusRecalled {
		t.Fatal("refused recalls recalled the lot")
	}

	var r recallResponse
	code := f.call(t, producer, "POST", "/api/v1/recalls", map[string]any{"batch": d.lot, "reason": "chloride content above 0.06%", "severity": "critical"}, &r)
	if code != http.StatusCreated || r.Recall.BatchCode != d.lot || len(r.Recall.Affected) == 0 {
		t.Fatalf("recall: %d %+v", code, r.Recall)
	}
	if len(r.Impact.Usages) != len(fw.Usages) || len(r.Impact.Batches) != len(fw.Nodes) {
		t.Errorf("impact: %d usages, %d batches; the forward trace has %d and %d", len(r.Impact.Usages), len(r.Impact.Batches), len(fw.Usages), len(fw.Nodes))
	}
	var again recallResponse
	if code := f.call(t, producer, "GET", "/api/v1/recalls/"+r.Recall.ID, nil, &again); code != http.StatusOK || again.Recall.TxID != r.Recall.TxID {
		t.Errorf("GET recall: %d", code)
	}
	var list struct {
		Items []models.Recall `json:"items"`
	}
	if code := f.call(t, producer, "GET", "/api/v1/recalls", nil, &list); code != http.StatusOK || len(list.Items) == 0 || list.Items[0].ID != r.Recall.ID {
		t.Errorf("recall list: %d %d", code, len(list.Items))
	}
	// Recalling it again is a conflict.
	if code := f.call(t, producer, "POST", "/api/v1/recalls", map[string]any{"batch": d.lot, "reason": "again", "severity": "low"}, nil); code != http.StatusConflict {
		t.Errorf("second recall: %d", code)
	}

	c := f.login(t, "hz-construction-bureau.viewer")
	code, body := c.get(t, "/recalls/"+r.Recall.ID)
	if code != http.StatusOK {
		t.Fatalf("recall page: %d", code)
	}
	for _, u := range fw.Usages {
		if !strings.Contains(body, u.Location.Building) || !strings.Contains(body, u.Location.Element) || !strings.Contains(body, u.BatchCode) {
			t.Errorf("recall page misses usage %s at %s", u.BatchCode, u.Location.Path())
		}
	}
	if code, body := c.get(t, "/recalls"); code != http.StatusOK || !strings.Contains(body, "/recalls/"+r.Recall.ID) {
		t.Errorf("recalls page: %d", code)
	}
	if code, _ := c.get(t, "/recalls/no-such-recall"); code != http.StatusNotFound {
		t.Errorf("unknown recall page: %d", code)
	}
}

// TestTraceRecallForm recalls through the page: errors next to their
// fields, the form kept; success redirects to the impact page.
func TestTraceRecallForm(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	c := f.login(t, "zj-quality-inspection.inspector")
	code, body := c.get(t, "/recalls/new?batch="+url.QueryEscape(d.lot))
	if code != http.StatusOK || !strings.Contains(body, `value="`+d.lot+`"`) || !strings.Contains(body, `id="recall-submit"`) {
		t.Fatalf("recall form: %d", code)
	}
	code, body = c.post(t, "/recalls", url.Values{"batch": {d.lot}, "reason": {""}, "severity": {"high"}, "idempotency_key": {"k1"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-reason"`) || !strings.Contains(body, `value="`+d.lot+`"`) {
		t.Errorf("recall without reason: %d", code)
	}
	v := f.login(t, "zj-quality-inspection.viewer")
	if code, body := v.post(t, "/recalls", url.Values{"batch": {d.lot}, "reason": {"x"}, "severity": {"high"}}); code != http.StatusForbidden || !strings.Contains(body, "alert") {
		t.Errorf("viewer recall: %d", code)
	}
	code, _ = c.post(t, "/recalls", url.Values{"batch": {d.lot}, "reason": {"retained sample failed"}, "severity": {"high"}, "idempotency_key": {"k2"}})
	if code != http.StatusSeeOther {
		t.Fatalf("recall: %d", code)
	}
	// The batch's page now says so.
	if code, body := f.anon().get(t, "/b/"+d.lot); code != http.StatusOK || !strings.Contains(body, "retained sample failed") || !strings.Contains(body, `class="banner bad"`) {
		t.Errorf("trace page after recall: %d", code)
	}
}

// TestTraceDashboard checks the manager's dashboard: the authority sees
// everyone's figures, a contractor its own; both as a page and as JSON.
func TestTraceDashboard(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	evs, err := f.store.Events(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for len(evs) == 1000 {
		more, _ := f.store.Events(ctx, evs[len(evs)-1].Seq, 1000)
		if len(more) == 0 {
			break
		}
		evs = more
	}
	end := evs[len(evs)-1].Time.Add(time.Hour)
	f.srv.opts.Now = func() time.Time { return end } // the demo's last day
	var all, mine dashboardResponse
	if code := f.call(t, f.token(t, "hz-construction-bureau.admin"), "GET", "/api/v1/dashboard", nil, &all); code != http.StatusOK || all.Scope != "all" {
		t.Fatalf("bureau dashboard: %d %s", code, all.Scope)
	}
	if len(all.Deliveries) == 0 || len(all.Recalls) == 0 || len(all.FailedInspections) == 0 {
		t.Errorf("bureau dashboard: %d deliveries, %d failed, %d recalls", len(all.Deliveries), len(all.FailedInspections), len(all.Recalls))
	}
	for _, sh := range all.Deliveries {
		if sh.ReceivedAt < end.AddDate(0, 0, -7).Format(time.RFC3339) {
			t.Errorf("delivery %s received %s, before the week", sh.Code, sh.ReceivedAt)
		}
	}
	if code := f.call(t, f.token(t, "zhongjian-no8.viewer"), "GET", "/api/v1/dashboard", nil, &mine); code != http.StatusOK || mine.Scope != "zhongjian-no8" {
		t.Fatalf("contractor dashboard: %d %s", code, mine.Scope)
	}
	for _, sh := range mine.Deliveries {
		if sh.To != "zhongjian-no8" {
			t.Errorf("contractor sees delivery %s to %s", sh.Code, sh.To)
		}
	}
	for _, b := range mine.Holds {
		if b.Custodian != "zhongjian-no8" {
			t.Errorf("contractor sees hold %s of %s", b.Code, b.Custodian)
		}
	}
	c := f.login(t, "hz-construction-bureau.admin")
	code, body := c.get(t, "/manager")
	if code != http.StatusOK || !strings.Contains(body, `id="stat-deliveries"`) || !strings.Contains(body, `href="/manager"`) {
		t.Errorf("/manager: %d", code)
	}
	if code, body := f.login(t, "fuchun-cement.operator").get(t, "/dashboard"); code != http.StatusOK || strings.Contains(body, `href="/manager"`) {
		t.Errorf("an operator of a manufacturer gets the manager link")
	}
	if code := f.call(t, "", "GET", "/api/v1/dashboard", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("anonymous dashboard: %d", code)
	}
}
