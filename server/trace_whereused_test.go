package server

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// TestWhereUsed searches the demo project by heat number, product,
// supplier and dates through the API, the page and the CSV: each finds
// every place the forward trace of a matching batch reaches, keeps to its
// filters, and shows places only to organizations involved with the batch
// used. Bad input is a 422 naming the field.
func TestWhereUsed(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	ctx := context.Background()
	lot, err := f.store.Batch(ctx, d.recall.BatchCode)
	if err != nil {
		t.Fatal(err)
	}
	lotFwd, err := f.store.Forward(ctx, lot.Code, 0)
	if err != nil {
		t.Fatal(err)
	}
	// A rebar coil with a heat number that went into the works.
	var heat string
	var heatFwd store.Trace
	pg, err := f.store.Batches(ctx, store.BatchFilter{ProductID: demo.ProdRebarCoil, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range pg.Items {
		if fw, err := f.store.Forward(ctx, b.Code, 0); err == nil && b.HeatNumber != "" && len(fw.Usages) > 0 && len(b.Parents) == 0 {
			heat, heatFwd = b.HeatNumber, fw
			break
		}
	}
	if heat == "" {
		t.Fatal("no demo coil with a heat number was used")
	}
	ids := func(us []models.Usage) map[string]bool {
		m := map[string]bool{}
		for _, u := range us {
			m[u.ID] = true
		}
		return m
	}
	authority := f.token(t, "hz-construction-bureau.viewer")
	for _, c := range []struct {
		name     string
		query    string
		contains map[string]bool // usage IDs that must be found
		check    func(it whereUsedItem) bool
	}{
		{"heat number", "heat=" + url.QueryEscape(heat), ids(heatFwd.Usages), nil},
		{"supplier, product and day produced", "supplier=" + demo.OrgCement + "&product=" + demo.ProdCement + "&from=" + lot.ProducedOn + "&to=" + lot.ProducedOn,
			ids(lotFwd.Usages), nil},
		{"product", "product=" + demo.ProdCement, ids(lotFwd.Usages), nil},
		{"used in the first week of the recall's pours", "dates=used&from=" + lotFwd.Usages[0].UsedAt[:10] + "&to=" + lotFwd.Usages[0].UsedAt[:10],
			map[string]bool{lotFwd.Usages[0].ID: true}, func(it whereUsedItem) bool { return it.UsedAt[:10] == lotFwd.Usages[0].UsedAt[:10] }},
		{"supplier of glass", "supplier=" + demo.OrgGlass, nil, func(it whereUsedItem) bool { return strings.HasPrefix(it.ProductID, "tempered") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r whereUsedResponse
			if code := f.call(t, authority, "GET", "/api/v1/where-used?limit=1000&"+c.query, nil, &r); code != http.StatusOK {
				t.Fatalf("where-used?%s: %d", c.query, code)
			}
			found := map[string]bool{}
			for _, it := range r.Items {
				if found[it.UsageID] {
					t.Errorf("usage %s found twice", it.UsageID)
				}
				found[it.UsageID] = true
				if it.Path[0] != it.Root || it.Path[len(it.Path)-1] != it.Batch || it.Location.Element == "" {
					t.Errorf("item %+v", it)
				}
				if c.check != nil && !c.check(it) {
					t.Errorf("item outside the filter: %+v", it)
				}
			}
			for id := range c.contains {
				if !found[id] {
					t.Errorf("usage %s not found", id)
				}
			}
			if r.Total != len(r.Items) || !r.Complete || r.Total == 0 {
				t.Errorf("total %d, items %d, complete %v", r.Total, len(r.Items), r.Complete)
			}
		})
	}

	// Privacy: the glass maker is involved with no cement; the owner sees
	// at most what the authority sees.
	q := "product=" + demo.ProdCement
	counts := map[string]int{}
	for _, user := range []string{"hz-construction-bureau.viewer", "qianjiang-urban-dev.viewer", "qiantang-glass.viewer"} {
		var r whereUsedResponse
		if code := f.call(t, f.token(t, user), "GET", "/api/v1/where-used?limit=1000&"+q, nil, &r); code != http.StatusOK {
			t.Fatalf("%s: %d", user, code)
		}
		counts[user] = r.Total
	}
	if counts["qiantang-glass.viewer"] != 0 || counts["qianjiang-urban-dev.viewer"] > counts["hz-construction-bureau.viewer"] || counts["hz-construction-bureau.viewer"] == 0 {
		t.Errorf("places seen: %v", counts)
	}
	c := f.login(t, "qiantang-glass.viewer")
	if code, body := c.get(t, "/where-used?"+q); code != http.StatusOK || !strings.Contains(body, `id="wu-none"`) || strings.Contains(body, lotFwd.Usages[0].Location.Element) {
		t.Errorf("uninvolved where-used page: %d", code)
	}

	// The page shows N of M, limited to a page; the CSV has them all.
	c = f.login(t, "hz-construction-bureau.viewer")
	code, body := c.get(t, "/where-used?"+q)
	if code != http.StatusOK || !strings.Contains(body, `id="wu-table"`) || !strings.Contains(body, lotFwd.Usages[0].Location.Element) {
		t.Fatalf("where-used page: %d", code)
	}
	shown := min(counts["hz-construction-bureau.viewer"], whereUsedPage)
	if want := fmt.Sprintf("Showing %d of %d places", shown, counts["hz-construction-bureau.viewer"]); !strings.Contains(body, want) {
		t.Errorf("page does not say %q", want)
	}
	code, body = c.get(t, "/where-used.csv?"+q)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, utf8BOM))).ReadAll()
	if code != http.StatusOK || err != nil || len(rows) != counts["hz-construction-bureau.viewer"]+1 || rows[0][0] != f.srv.cat.Localizer("en").T("csv.col.used_at") {
		t.Errorf("where-used.csv: %d, %d rows, %v", code, len(rows), err)
	}
	if code, _ := c.get(t, "/where-used"); code != http.StatusOK {
		t.Errorf("empty form: %d", code)
	}

	for _, b := range []struct{ query, field string }{
		{"", "product"},
		{"dates=sometime&heat=x", "dates"},
		{"from=2026-13-01", "from"},
		{"from=yesterday", "from"},
		{"from=2026-03-10&to=2026-03-01", "to"},
		{"heat=x&limit=0", "limit"},
		{"heat=x&limit=5000", "limit"},
	} {
		var e apiErr
		if code := f.call(t, authority, "GET", "/api/v1/where-used?"+b.query, nil, &e); code != http.StatusUnprocessableEntity || e.Error.Field != b.field || e.Error.Message == "" {
			t.Errorf("where-used?%s: %d %v, want 422 on %s", b.query, code, e, b.field)
		}
		if b.field == "limit" {
			continue // the page has no limit
		}
		if code, body := c.get(t, "/where-used?"+b.query+"&x=1"); code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-`+b.field+`"`) {
			t.Errorf("page where-used?%s: %d, want 422 with the error on %s", b.query, code, b.field)
		}
	}
	if code := f.call(t, "", "GET", "/api/v1/where-used?heat=x", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("anonymous where-used: %d", code)
	}
}
