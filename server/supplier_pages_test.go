package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/models"
)

// TestSupplierPagesRender opens every supplier page as the roles that use
// it and as those who may not write.
func TestSupplierPagesRender(t *testing.T) {
	f := newFixture(t, true)
	cases := []struct {
		user, path string
		want       int
		contains   string
	}{
		{"fuchun-cement.operator", "/products", 200, `id="product-new"`},
		{"fuchun-cement.operator", "/products/new", 200, `id="product-submit"`},
		{"fuchun-cement.operator", "/batches", 200, `id="batch-list"`},
		{"fuchun-cement.operator", "/batches?status=available&q=fc&product=po-42.5", 200, `id="batch-filter"`},
		{"fuchun-cement.operator", "/batches/new", 200, `id="commission-submit"`},
		{"fuchun-cement.operator", "/orders", 200, `id="order-list"`},
		{"fuchun-cement.operator", "/shipments", 200, `id="shipment-list"`},
		{"fuchun-cement.operator", "/shipments?dir=outgoing", 200, `id="shipment-list"`},
		{"fuchun-cement.operator", "/shipments/new", 200, `id="po-pick"`},
		{"fuchun-cement.operator", "/import", 200, `id="import-submit"`},
		{"fuchun-cement.operator", "/import?lang=zh-CN", 200, "批量导入"},
		{"fuchun-cement.admin", "/batches/new", 200, `id="commission-submit"`},
		{"fuchun-cement.viewer", "/products", 200, "po-42.5"},
		{"fuchun-cement.viewer", "/batches", 200, `id="batch-list"`},
		{"fuchun-cement.viewer", "/products/new", 403, ""},
		{"fuchun-cement.viewer", "/batches/new", 403, ""},
		{"fuchun-cement.viewer", "/shipments/new", 403, ""},
		{"fuchun-cement.viewer", "/import", 403, ""},
		{"fuchun-cement.inspector", "/batches/new", 403, ""},
		{"zhehang-logistics.operator", "/batches", 200, "<h1>"},
		{"zhehang-logistics.operator", "/shipments?dir=carried", 200, `id="shipment-list"`},
		{"zhehang-logistics.operator", "/products/new", 403, ""},
		{"zhehang-logistics.operator", "/orders/new", 403, ""},
		{"zhongjian-no8.operator", "/orders/new", 200, `id="order-submit"`},
		{"zhongjian-no8.operator", "/orders", 200, `id="order-new"`},
		{"zhongjian-no8.operator", "/products", 200, "jiangnan-steel"},
		{"zhongjian-no8.operator", "/shipments?dir=incoming", 200, `id="shipment-list"`},
		{"fuchun-cement.operator", "/batches?status=lost", 422, ""},
		{"fuchun-cement.operator", "/shipments?dir=sideways", 422, ""},
		{"fuchun-cement.operator", "/shipments/NO-SUCH", 404, ""},
		{"fuchun-cement.operator", "/import/nosuchjob", 404, ""},
		{"fuchun-cement.operator", "/shipments/new?po=NO-SUCH", 404, ""},
	}
	clients := map[string]*client{}
	for _, tc := range cases {
		c := clients[tc.user]
		if c == nil {
			c = f.login(t, tc.user)
			clients[tc.user] = c
		}
		code, body := c.get(t, tc.path)
		if code != tc.want {
			t.Errorf("%s GET %s: %d, want %d", tc.user, tc.path, code, tc.want)
			continue
		}
		if !strings.Contains(body, tc.contains) {
			t.Errorf("%s GET %s: page lacks %q", tc.user, tc.path, tc.contains)
		}
	}
	// The viewer sees no "new" buttons.
	_, body := clients["fuchun-cement.viewer"].get(t, "/batches")
	if strings.Contains(body, `id="batch-new"`) {
		t.Error("the viewer is offered the commission button")
	}
	// A shipment of the demo is visible to its parties only.
	ship := f.demoShipment(t, "fuchun-cement")
	for user, want := range map[string]int{"fuchun-cement.operator": 200, "zhehang-logistics.viewer": 200, "tonglu-quarry.operator": 404, "hz-construction-bureau.viewer": 200} {
		c := clients[user]
		if c == nil {
			c = f.login(t, user)
		}
		if code, _ := c.get(t, "/shipments/"+ship); code != want {
			t.Errorf("%s GET /shipments/%s: %d, want %d", user, ship, code, want)
		}
	}
	// Logged-out visitors go to the login page.
	code, _ := f.anon().get(t, "/batches")
	if code != http.StatusSeeOther {
		t.Errorf("anonymous /batches: %d", code)
	}
	// The templates download as CSV.
	for _, k := range []string{"batches", "shipments"} {
		code, body := clients["fuchun-cement.operator"].get(t, "/import/template/"+k+".csv")
		if code != 200 || !strings.Contains(body, "code,") {
			t.Errorf("template %s: %d %q", k, code, body)
		}
	}
	if code, _ := clients["fuchun-cement.operator"].get(t, "/import/template/other.csv"); code != 404 {
		t.Errorf("unknown template: %d", code)
	}
	// The nav has purchase orders for buyers and suppliers.
	if _, body := clients["zhongjian-no8.operator"].get(t, "/dashboard"); !strings.Contains(body, `href="/orders"`) {
		t.Error("no purchase orders in the contractor's menu")
	}
}

// demoShipment returns the code of a demo shipment sent by org.
func (f *fixture) demoShipment(t testing.TB, org string) string {
	t.Helper()
	var out shipmentList
	tok := f.token(t, org+".viewer")
	if code := f.call(t, tok, http.MethodGet, "/api/v1/shipments?direction=outgoing&limit=1", nil, &out); code != 200 || len(out.Items) == 0 {
		t.Fatalf("no shipment from %s: %d", org, code)
	}
	return out.Items[0].Code
}

// TestShipAnOrderOfAnotherSupplier: the buyer of an order who opens its
// shipment form learns that only the supplier ships it (403, naming the
// supplier), next to the order field; anyone else still gets a 404 that
// reveals nothing of the order.
func TestShipAnOrderOfAnotherSupplier(t *testing.T) {
	f := newFixture(t, true)
	pos, err := f.store.OrgPurchaseOrders(context.Background(), "zhongjian-no8", "", "", 50)
	if err != nil {
		t.Fatal(err)
	}
	var po models.PurchaseOrder
	for _, p := range pos.Items {
		if p.Buyer == "zhongjian-no8" && p.Supplier != "zhongjian-no8" {
			po = p
			break
		}
	}
	if po.ID == "" {
		t.Fatal("no demo order placed by zhongjian-no8")
	}
	code, body := f.login(t, "zhongjian-no8.operator").get(t, "/shipments/new?po="+url.QueryEscape(po.ID))
	if code != http.StatusForbidden || !strings.Contains(body, "only the supplier of this order can ship it") || !strings.Contains(body, po.Supplier) {
		t.Errorf("the buyer opening the shipment form of its order: %d", code)
	}
	if code, body := f.login(t, "tonglu-quarry.operator").get(t, "/shipments/new?po="+url.QueryEscape(po.ID)); code != http.StatusNotFound || strings.Contains(body, po.Supplier+" ") && strings.Contains(body, "was placed with") {
		t.Errorf("an outsider opening the shipment form of that order: %d", code)
	}
}
