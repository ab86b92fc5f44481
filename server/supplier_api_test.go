package server

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// apiCase is one request of a bad-input table: the status and field of
// the error, and that the ledger did not move.
type apiCase struct {
	name   string
	user   string // "" means the table's default user
	body   any
	status int
	field  string
}

func runAPICases(t *testing.T, f *fixture, defUser, method, path string, cases []apiCase) {
	t.Helper()
	tokens := map[string]string{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			user := tc.user
			if user == "" {
				user = defUser
			}
			if tokens[user] == "" {
				tokens[user] = f.token(t, user)
			}
			head := f.head(t)
			var e apiErr
			if code := f.call(t, tokens[user], method, path, tc.body, &e); code != tc.status {
				t.Fatalf("status %d, want %d: %s", code, tc.status, e)
			}
			if e.Error.Field != tc.field {
				t.Errorf("field %q, want %q (%s)", e.Error.Field, tc.field, e)
			}
			if e.Error.Message == "" {
				t.Error("no message")
			}
			if h := f.head(t); h != head {
				t.Errorf("ledger moved from %d to %d", head, h)
			}
		})
	}
}

func TestProductAPI(t *testing.T) {
	f := newFixture(t, true)
	tok := f.token(t, "fuchun-cement.operator")
	p := map[string]any{"product": map[string]any{"id": "ps-32.5", "name": "P·S 32.5 slag cement", "category": "cement", "standard": "GB 175-2023",
		"unit": "t", "inspection_required": true, "spec_limits": []any{map[string]any{"property": "compressive_strength_28d", "unit": "MPa", "min": "32.5"}}}}
	var got models.Product
	if code := f.call(t, tok, http.MethodPost, "/api/v1/products", p, &got); code != http.StatusCreated || got.Manufacturer != "fuchun-cement" || len(got.SpecLimits) != 1 {
		t.Fatalf("create: %d %+v", code, got)
	}
	if code := f.call(t, tok, http.MethodGet, "/api/v1/products/ps-32.5", nil, &got); code != 200 || got.Standard != "GB 175-2023" {
		t.Errorf("get: %d %+v", code, got)
	}
	var list productList
	if code := f.call(t, tok, http.MethodGet, "/api/v1/products?manufacturer=fuchun-cement", nil, &list); code != 200 || len(list.Items) < 2 {
		t.Errorf("list: %d %d", code, len(list.Items))
	}
	with := func(k string, v any) map[string]any {
		q := map[string]any{}
		for kk, vv := range p["product"].(map[string]any) {
			q[kk] = vv
		}
		q[k] = v
		return map[string]any{"product": q}
	}
	runAPICases(t, f, "fuchun-cement.operator", http.MethodPost, "/api/v1/products", []apiCase{
		{"duplicate", "", p, 409, "product.id"},
		{"no name", "", with("name", ""), 422, "product.name"},
		{"bad unit", "", with("unit", "bags"), 422, "product.unit"},
		{"bad gtin", "", with("gtin", "6901234567890"), 422, "product.gtin"},
		{"bad limit", "", with("spec_limits", []any{map[string]any{"property": "x", "unit": "MPa", "min": "5", "max": "1"}}), 422, "product.spec_limits[0]"},
		{"unknown field", "", map[string]any{"product": map[string]any{"id": "a"}, "extra": 1}, 422, "extra"},
		{"another maker", "", with("manufacturer", "jiangnan-steel"), 403, ""},
		{"viewer", "fuchun-cement.viewer", with("id", "v-1"), 403, ""},
		{"carrier", "zhehang-logistics.operator", with("id", "c-1"), 403, ""},
	})
	if code := f.call(t, tok, http.MethodGet, "/api/v1/products/no-such", nil, nil); code != 404 {
		t.Errorf("unknown product: %d", code)
	}
}

func TestBatchAPI(t *testing.T) {
	f := newFixture(t, true)
	tok := f.token(t, "fuchun-cement.operator")
	var b models.Batch
	body := map[string]any{"code": "FC-API-1", "product_id": "po-42.5", "quantity": "40", "produced_on": "2026-03-02"}
	if code := f.call(t, tok, http.MethodPost, "/api/v1/batches", body, &b); code != http.StatusCreated || b.Remaining != models.MustDecimal("40") {
		t.Fatalf("commission: %d %+v", code, b)
	}
	runAPICases(t, f, "fuchun-cement.operator", http.MethodPost, "/api/v1/batches", []apiCase{
		{"duplicate", "", body, 409, "code"},
		{"zero quantity", "", map[string]any{"code": "X1", "product_id": "po-42.5", "quantity": 0, "produced_on": "2026-03-02"}, 422, "quantity"},
		{"no date", "", map[string]any{"code": "X1", "product_id": "po-42.5", "quantity": 1}, 422, "produced_on"},
		{"unknown product", "", map[string]any{"code": "X1", "product_id": "nope", "quantity": 1, "produced_on": "2026-03-02"}, 404, "product_id"},
		{"other's product", "", map[string]any{"code": "X1", "product_id": "tempered-8mm", "quantity": 1, "produced_on": "2026-03-02"}, 403, "product_id"},
		{"bad hash", "", map[string]any{"code": "X1", "product_id": "po-42.5", "quantity": 1, "produced_on": "2026-03-02", "documents": []string{"abc"}}, 422, "documents[0]"},
		{"quantity as text", "", map[string]any{"code": "X1", "product_id": "po-42.5", "quantity": "lots", "produced_on": "2026-03-02"}, 422, ""},
		{"viewer", "fuchun-cement.viewer", map[string]any{"code": "X1", "product_id": "po-42.5", "quantity": 1, "produced_on": "2026-03-02"}, 403, ""},
	})

	// Documents: a private test report and a public certificate.
	var doc models.Document
	report := pdf("private report")
	if code := f.callMultipart(t, tok, "/api/v1/batches/FC-API-1/documents", url.Values{"kind": {"test_report"}, "visibility": {"private"}},
		[]filePart{{"file", "report.pdf", report}}, &doc); code != http.StatusCreated || doc.SHA256 != sha(report) || doc.Visibility != models.Private {
		t.Fatalf("attach: %d %+v", code, doc)
	}
	if !f.files.Has(sha(report)) {
		t.Error("file not stored")
	}
	for _, tc := range []struct {
		name   string
		path   string
		fields url.Values
		files  []filePart
		status int
		field  string
	}{
		{"wrong type", "/api/v1/batches/FC-API-1/documents", url.Values{}, []filePart{{"file", "a.zip", []byte("PK\x03\x04zip")}}, 422, "file"},
		{"no file", "/api/v1/batches/FC-API-1/documents", url.Values{"kind": {"certificate"}}, nil, 422, "file"},
		{"bad visibility", "/api/v1/batches/FC-API-1/documents", url.Values{"visibility": {"everyone"}}, []filePart{{"file", "a.pdf", pdf("a")}}, 422, "visibility"},
		{"unknown batch", "/api/v1/batches/NO-SUCH/documents", url.Values{}, []filePart{{"file", "a.pdf", pdf("b")}}, 404, "batch"},
		{"twice", "/api/v1/batches/FC-API-1/documents", url.Values{}, []filePart{{"file", "r.pdf", report}}, 409, "sha256"},
	} {
		head := f.head(t)
		var e apiErr
		if code := f.callMultipart(t, tok, tc.path, tc.fields, tc.files, &e); code != tc.status || e.Error.Field != tc.field {
			t.Errorf("%s: %d %s, want %d %s", tc.name, code, e, tc.status, tc.field)
		}
		if f.head(t) != head {
			t.Errorf("%s: the ledger moved", tc.name)
		}
	}
	// Private documents only for organizations involved with the batch.
	for user, want := range map[string]int{"fuchun-cement.viewer": 1, "zj-quality-inspection.viewer": 1, "tonglu-quarry.operator": 0} {
		var d batchDetail
		if code := f.call(t, f.token(t, user), http.MethodGet, "/api/v1/batches/FC-API-1", nil, &d); code != 200 || len(d.DocumentRecords) != want {
			t.Errorf("%s sees %d documents, want %d (%d)", user, len(d.DocumentRecords), want, code)
		}
	}
}

// TestBatchAPIPagination walks every page of a list: all of the
// organization's batches, each once.
func TestBatchAPIPagination(t *testing.T) {
	f := newFixture(t, true)
	for _, org := range []string{"fuchun-cement", "zhongjian-no8", "zhehang-logistics"} {
		tok := f.token(t, org+".viewer")
		seen := map[string]bool{}
		after, pages := "", 0
		for {
			var p batchList
			if code := f.call(t, tok, http.MethodGet, "/api/v1/batches?limit=7&after="+url.QueryEscape(after), nil, &p); code != 200 {
				t.Fatalf("%s page %d: %d", org, pages, code)
			}
			pages++
			for _, b := range p.Items {
				if seen[b.Code] {
					t.Errorf("%s: %s listed twice", org, b.Code)
				}
				seen[b.Code] = true
				if b.Producer != org && b.Owner != org && b.Custodian != org {
					t.Errorf("%s: %s is not theirs", org, b.Code)
				}
			}
			if after = p.Next; after == "" {
				break
			}
		}
		all, err := f.store.OrgBatches(context.Background(), store.OrgBatchFilter{Org: org, Limit: 500})
		if err != nil || all.Next != "" {
			t.Fatal(err)
		}
		if len(seen) != len(all.Items) || (len(seen) == 0 && org != "zhehang-logistics") {
			t.Errorf("%s: walked %d batches in %d pages, want %d", org, len(seen), pages, len(all.Items))
		}
	}
	tok := f.token(t, "fuchun-cement.viewer")
	for _, q := range []string{"limit=0", "limit=501", "limit=x", "status=gone", "after=%00"} {
		var e apiErr
		if code := f.call(t, tok, http.MethodGet, "/api/v1/batches?"+q, nil, &e); code/100 != 4 && q != "after=%00" {
			t.Errorf("?%s: %d", q, code)
		}
	}
	var sp shipmentList
	if code := f.call(t, tok, http.MethodGet, "/api/v1/shipments?limit=2", nil, &sp); code != 200 || len(sp.Items) != 2 || sp.Next == "" {
		t.Errorf("shipments: %d %d %q", code, len(sp.Items), sp.Next)
	}
	var op orderList
	if code := f.call(t, tok, http.MethodGet, "/api/v1/purchase-orders?limit=1", nil, &op); code != 200 || len(op.Items) != 1 {
		t.Errorf("purchase orders: %d %d", code, len(op.Items))
	}
}
