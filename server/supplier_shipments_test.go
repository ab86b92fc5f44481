package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/models"
)

// newOrderAndBatch has the contractor order 100 t of cement for tower-a and
// the cement plant commission a 50 t batch; it returns the order's ID.
func newOrderAndBatch(t *testing.T, f *fixture, poID, batch string) {
	t.Helper()
	var po models.PurchaseOrder
	if code := f.call(t, f.token(t, "zhongjian-no8.operator"), http.MethodPost, "/api/v1/purchase-orders", map[string]any{
		"id": poID, "supplier": "fuchun-cement", "site": "tower-a", "lines": []any{map[string]any{"line": 1, "product_id": "po-42.5", "quantity": 100}},
	}, &po); code != http.StatusCreated || po.Buyer != "zhongjian-no8" || len(po.Lines) != 1 {
		t.Fatalf("purchase order: %d %+v", code, po)
	}
	if code := f.call(t, f.token(t, "fuchun-cement.operator"), http.MethodPost, "/api/v1/batches",
		map[string]any{"code": batch, "product_id": "po-42.5", "quantity": 50, "produced_on": "2026-03-02"}, nil); code != http.StatusCreated {
		t.Fatalf("commission: %d", code)
	}
}

// TestDispatchPartialThroughPage ships part of a batch against a purchase
// order with the page's form: the shipped part becomes a child batch.
func TestDispatchPartialThroughPage(t *testing.T) {
	f := newFixture(t, true)
	newOrderAndBatch(t, f, "PO-T-1", "FC-S-1")
	c := f.login(t, "fuchun-cement.operator")
	code, body := c.get(t, "/shipments/new?po=PO-T-1")
	if code != 200 || !strings.Contains(body, `value="FC-S-1"`) || !strings.Contains(body, `id="dispatch-submit"`) {
		t.Fatalf("form: %d\n%s", code, body)
	}
	form := url.Values{"po_id": {"PO-T-1"}, "code": {"SH-T-1"}, "site": {"tower-a"}, "carrier": {"zhehang-logistics"}, "vehicle": {"浙A·12345"},
		"batch_0": {"FC-S-1"}, "quantity_0": {"20"}, "po_line_0": {"1"}, "idempotency_key": {"ship-1"}}
	code, body, loc := c.postLoc(t, "/shipments/new", form)
	if code != http.StatusSeeOther || loc != "/shipments/SH-T-1" {
		t.Fatalf("dispatch: %d %q\n%s", code, loc, body)
	}
	ctx := context.Background()
	sh, err := f.store.Shipment(ctx, "SH-T-1")
	if err != nil || len(sh.Lines) != 1 || sh.Lines[0].Source != "FC-S-1" || sh.Lines[0].Batch == "FC-S-1" {
		t.Fatalf("shipment: %+v %v", sh, err)
	}
	child, err := f.store.Batch(ctx, sh.Lines[0].Batch)
	if err != nil || child.Quantity != models.MustDecimal("20") || child.Status != models.StatusInTransit || child.Custodian != "zhehang-logistics" ||
		len(child.Parents) != 1 || child.Parents[0].Code != "FC-S-1" {
		t.Errorf("child batch: %+v %v", child, err)
	}
	parent, _ := f.store.Batch(ctx, "FC-S-1")
	if parent.Remaining != models.MustDecimal("30") || parent.Status != models.StatusAvailable {
		t.Errorf("parent: %+v", parent)
	}
	po, _ := f.store.PurchaseOrder(ctx, "PO-T-1")
	if po.Lines[0].Dispatched != models.MustDecimal("20") {
		t.Errorf("order line dispatched %s", po.Lines[0].Dispatched)
	}
	code, body = c.get(t, "/shipments/SH-T-1")
	if code != 200 || !strings.Contains(body, child.Code) || !strings.Contains(body, `href="/b/FC-S-1"`) {
		t.Errorf("detail: %d\n%s", code, body)
	}

	// Bad input: 4xx next to the row's field, nothing written.
	head := f.head(t)
	for _, tc := range []struct {
		name   string
		change func(url.Values)
		status int
		field  string
	}{
		{"too much", func(v url.Values) { v.Set("quantity_0", "31") }, 409, "quantity_0"},
		{"bad quantity", func(v url.Values) { v.Set("quantity_0", "ten") }, 422, "quantity_0"},
		{"no lines", func(v url.Values) { v.Del("batch_0"); v.Del("quantity_0") }, 422, "batch_0"},
		{"second row", func(v url.Values) { v.Set("batch_2", "FC-S-1"); v.Set("quantity_2", "1"); v.Set("po_line_2", "1") }, 422, "batch_2"},
		{"unknown batch", func(v url.Values) { v.Set("batch_0", "NOPE") }, 404, "batch_0"},
		{"no order line", func(v url.Values) { v.Set("po_line_0", "") }, 422, "po_line_0"},
		{"order line 9", func(v url.Values) { v.Set("po_line_0", "9") }, 404, "po_line_0"},
		{"not a carrier", func(v url.Values) { v.Set("carrier", "tonglu-quarry") }, 422, "carrier"},
		{"wrong site", func(v url.Values) { v.Set("site", "metro-xixing") }, 409, "po_line_0"},
		{"duplicate code", func(v url.Values) { v.Set("code", "SH-T-1") }, 409, "code"},
		{"unknown order", func(v url.Values) { v.Set("po_id", "PO-NOPE") }, 404, "po_id"},
	} {
		v := url.Values{"po_id": {"PO-T-1"}, "code": {"SH-T-2"}, "site": {"tower-a"}, "carrier": {"zhehang-logistics"},
			"batch_0": {"FC-S-1"}, "quantity_0": {"5"}, "po_line_0": {"1"}}
		tc.change(v)
		code, body, _ := c.postLoc(t, "/shipments/new", v)
		if code != tc.status || !hasFieldError(body, tc.field) {
			t.Errorf("%s: %d, want %d next to %s\n%s", tc.name, code, tc.status, tc.field, body[strings.Index(body, "<main"):])
		}
	}
	if code, _, _ := f.login(t, "fuchun-cement.viewer").postLoc(t, "/shipments/new", form); code != 403 {
		t.Errorf("viewer dispatch: %d", code)
	}
	if h := f.head(t); h != head {
		t.Errorf("ledger moved from %d to %d", head, h)
	}
}

func TestDispatchAPI(t *testing.T) {
	f := newFixture(t, true)
	newOrderAndBatch(t, f, "PO-A-1", "FC-A-1")
	tok := f.token(t, "fuchun-cement.operator")
	good := map[string]any{"code": "SH-A-1", "to": "zhongjian-no8", "site": "tower-a", "carrier": "zhehang-logistics",
		"lines": []any{map[string]any{"batch": "FC-A-1", "quantity": "12.5", "po_id": "PO-A-1", "po_line": 1}}}
	var sh models.Shipment
	if code := f.call(t, tok, http.MethodPost, "/api/v1/shipments", good, &sh); code != http.StatusCreated || sh.Lines[0].Batch != "FC-A-1.1" {
		t.Fatalf("dispatch: %d %+v", code, sh)
	}
	line := func(k string, v any) map[string]any {
		l := map[string]any{"batch": "FC-A-1", "quantity": 1, "po_id": "PO-A-1", "po_line": 1}
		l[k] = v
		return map[string]any{"code": "SH-A-2", "to": "zhongjian-no8", "site": "tower-a", "carrier": "zhehang-logistics", "lines": []any{l}}
	}
	runAPICases(t, f, "fuchun-cement.operator", http.MethodPost, "/api/v1/shipments", []apiCase{
		{"duplicate", "", good, 409, "code"},
		{"too much", "", line("quantity", 40), 409, "lines[0].quantity"},
		{"no lines", "", map[string]any{"code": "SH-A-2", "to": "zhongjian-no8", "carrier": "zhehang-logistics", "lines": []any{}}, 422, "lines"},
		{"carrier as receiver", "", map[string]any{"code": "SH-A-2", "to": "zhehang-logistics", "carrier": "zhehang-logistics", "lines": []any{map[string]any{"batch": "FC-A-1", "quantity": 1}}}, 422, "to"},
		{"no site", "", map[string]any{"code": "SH-A-2", "to": "zhongjian-no8", "carrier": "zhehang-logistics", "lines": []any{map[string]any{"batch": "FC-A-1", "quantity": 1}}}, 422, "site"},
		{"bad po line", "", line("po_line", 0), 422, "lines[0].po_line"},
		{"not custodian", "jiangnan-steel.operator", line("quantity", 1), 403, "lines[0].batch"},
		{"viewer", "fuchun-cement.viewer", line("quantity", 1), 403, ""},
	})
	// Only the parties see the shipment.
	for user, want := range map[string]int{"zhongjian-no8.viewer": 200, "zhehang-logistics.viewer": 200, "tonglu-quarry.viewer": 404} {
		if code := f.call(t, f.token(t, user), http.MethodGet, "/api/v1/shipments/SH-A-1", nil, nil); code != want {
			t.Errorf("%s: %d, want %d", user, code, want)
		}
	}
}

func TestPurchaseOrderForms(t *testing.T) {
	f := newFixture(t, true)
	c := f.login(t, "zhongjian-no8.operator")
	good := url.Values{"id": {"PO-F-1"}, "supplier": {"fuchun-cement"}, "site": {"tower-a"}, "product_2": {"po-42.5"}, "quantity_2": {"80"}}
	code, body, loc := c.postLoc(t, "/orders/new", good)
	if code != http.StatusSeeOther || loc != "/orders" {
		t.Fatalf("order: %d %q\n%s", code, loc, body)
	}
	if po, err := f.store.PurchaseOrder(context.Background(), "PO-F-1"); err != nil || len(po.Lines) != 1 || po.Lines[0].Line != 1 {
		t.Fatalf("order: %+v %v", po, err)
	}
	head := f.head(t)
	for _, tc := range []struct {
		name   string
		user   string
		change func(url.Values)
		status int
		field  string
	}{
		{"duplicate", "", func(url.Values) {}, 409, "id"},
		{"no lines", "", func(v url.Values) { v.Del("product_2"); v.Del("quantity_2") }, 422, "product_0"},
		{"bad quantity", "", func(v url.Values) { v.Set("quantity_2", "-3") }, 422, "quantity_2"},
		{"product of another maker", "", func(v url.Values) { v.Set("product_2", "tempered-8mm") }, 422, "product_2"},
		{"not a site", "", func(v url.Values) { v.Set("site", "moon-base") }, 422, "site"},
		{"due before the order date", "", func(v url.Values) { v.Set("deliver_by", "2020-01-01") }, 422, "deliver_by"},
		{"due date not a date", "", func(v url.Values) { v.Set("deliver_by", "next week") }, 422, "deliver_by"},
		{"carrier as supplier", "", func(v url.Values) { v.Set("supplier", "zhehang-logistics") }, 422, "supplier"},
		{"viewer", "zhongjian-no8.viewer", func(url.Values) {}, 403, ""},
		{"carrier", "zhehang-logistics.operator", func(url.Values) {}, 403, ""},
	} {
		v := url.Values{}
		for k, vs := range good {
			v[k] = append([]string{}, vs...)
		}
		if tc.name != "duplicate" {
			v.Set("id", "PO-F-2")
		}
		tc.change(v)
		cl := c
		if tc.user != "" {
			cl = f.login(t, tc.user)
		}
		code, body, _ := cl.postLoc(t, "/orders/new", v)
		if code != tc.status || (tc.field != "" && !hasFieldError(body, tc.field)) {
			t.Errorf("%s: %d, want %d next to %q", tc.name, code, tc.status, tc.field)
		}
	}
	if h := f.head(t); h != head {
		t.Errorf("ledger moved from %d to %d", head, h)
	}
	// The supplier sees the order with a button to ship against it.
	_, body = f.login(t, "fuchun-cement.operator").get(t, "/orders")
	if !strings.Contains(body, `id="ship-PO-F-1"`) {
		t.Error("supplier's order list has no ship button")
	}
}

func TestProductForm(t *testing.T) {
	f := newFixture(t, true)
	c := f.login(t, "qiantang-glass.operator")
	good := url.Values{"id": {"laminated-10mm"}, "name": {"10 mm laminated glass"}, "category": {"glass"}, "standard": {"GB 15763.3-2009"}, "unit": {"m2"},
		"inspection_required": {"1"}, "spec_property_0": {"thickness"}, "spec_min_0": {"9.8"}, "spec_max_0": {"10.2"}, "spec_unit_0": {"mm"}}
	code, body, loc := c.postLoc(t, "/products/new", good)
	if code != http.StatusSeeOther || loc != "/products" {
		t.Fatalf("register: %d %q\n%s", code, loc, body)
	}
	p, err := f.store.Product(context.Background(), "laminated-10mm")
	if err != nil || !p.InspectionRequired || len(p.SpecLimits) != 1 || *p.SpecLimits[0].Max != models.MustDecimal("10.2") {
		t.Fatalf("product: %+v %v", p, err)
	}
	head := f.head(t)
	for _, tc := range []struct {
		name   string
		change func(url.Values)
		status int
		field  string
	}{
		{"duplicate", func(url.Values) {}, 409, "id"},
		{"no name", func(v url.Values) { v.Set("id", "x-1"); v.Del("name") }, 422, "name"},
		{"bad gtin", func(v url.Values) { v.Set("id", "x-1"); v.Set("gtin", "12345678") }, 422, "gtin"},
		{"bad unit", func(v url.Values) { v.Set("id", "x-1"); v.Set("unit", "crates") }, 422, "unit"},
		{"min above max", func(v url.Values) { v.Set("id", "x-1"); v.Set("spec_min_0", "11") }, 422, "spec_min_0"},
		{"bad min", func(v url.Values) { v.Set("id", "x-1"); v.Set("spec_min_0", "1e3") }, 422, "spec_min_0"},
		{"bad property", func(v url.Values) { v.Set("id", "x-1"); v.Set("spec_property_0", "Thickness!") }, 422, "spec_property_0"},
		{"gap in rows", func(v url.Values) { v.Set("id", "x-1"); v.Set("spec_property_2", "flatness"); v.Set("spec_max_2", "1") }, 422, "spec_property_2"},
	} {
		v := url.Values{}
		for k, vs := range good {
			v[k] = append([]string{}, vs...)
		}
		tc.change(v)
		code, body, _ := c.postLoc(t, "/products/new", v)
		if code != tc.status || !hasFieldError(body, tc.field) {
			t.Errorf("%s: %d, want %d next to %s", tc.name, code, tc.status, tc.field)
		}
	}
	if code, _, _ := f.login(t, "qiantang-glass.viewer").postLoc(t, "/products/new", good); code != 403 {
		t.Errorf("viewer: %d", code)
	}
	if h := f.head(t); h != head {
		t.Errorf("ledger moved from %d to %d", head, h)
	}
}

// TestOrdersShowNamesAndOverdue: the order list names the buyer, the
// supplier, the site and the products in the reader's language (not their
// IDs) and marks every open order past its deliver-by date, and only
// those, as overdue.
func TestOrdersShowNamesAndOverdue(t *testing.T) {
	f := newFixture(t, true)
	c := f.login(t, "zhongjian-no8.operator")
	c.get(t, "/?lang=zh-CN")
	code, body := c.get(t, "/orders")
	if code != http.StatusOK {
		t.Fatalf("GET /orders: %d", code)
	}
	page, err := f.store.OrgPurchaseOrders(context.Background(), "zhongjian-no8", "", "", 0)
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("orders: %v", err)
	}
	today := time.Now().UTC().Format(models.DateLayout)
	overdue := 0
	for _, po := range page.Items {
		if po.Status == "open" && po.DeliverBy != "" && po.DeliverBy < today {
			overdue++
		}
	}
	t.Logf("%d of %d orders overdue", overdue, len(page.Items))
	if got := strings.Count(body, "badge bad overdue"); got != overdue {
		t.Errorf("%d orders marked overdue, want %d", got, overdue)
	}
	for _, want := range []string{"中建八局杭州分公司", "钢筋"} {
		if !strings.Contains(body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	for _, id := range []string{">zhongjian-no8<", ">jiangnan-steel<", ">hrb400e-12-coil<", "tower-a"} {
		if strings.Contains(body, id) {
			t.Errorf("the list shows the ID %s", id)
		}
	}
}
