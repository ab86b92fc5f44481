package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/models"
)

func TestSiteReceivePerLineOutcomes(t *testing.T) {
	f := newFixture(t, true)
	code, batches := siteDispatch(t, f, "RCV", "10", "8", "12.5")
	c := f.login(t, siteOperator)

	// The shipment is on the incoming list, newest first, with a receive button.
	st, body := c.get(t, "/shipments/incoming")
	if st != http.StatusOK || !strings.Contains(body, `id="ship-`+code+`"`) || !strings.Contains(body, `id="receive-`+code+`"`) {
		t.Fatalf("incoming list: %d, shipment or button missing", st)
	}
	if !strings.Contains(body, `href="/shipments/incoming"`) {
		t.Error("no Incoming navigation item for a contractor")
	}
	st, body = c.get(t, "/shipments/"+code+"/receive")
	if st != http.StatusOK || !strings.Contains(body, `id="receive-submit"`) || !strings.Contains(body, `name="lines[2].received"`) {
		t.Fatalf("receive page: %d", st)
	}

	// Line 1 accepted, line 2 rejected, line 3 short: 11 of 12.5 t arrived.
	form := url.Values{
		"idempotency_key":   {"rcv-1"},
		"lines[0].outcome":  {"accept"},
		"lines[1].outcome":  {"reject"},
		"lines[1].reason":   {"bags torn and wet"},
		"lines[2].outcome":  {"discrepancy"},
		"lines[2].received": {"11"},
		"lines[2].reason":   {"1.5 t short against the delivery note"},
	}
	st, body, loc := c.postLoc(t, "/shipments/"+code+"/receive", form)
	if st != http.StatusSeeOther {
		t.Fatalf("receive: %d\n%s", st, body)
	}
	if !strings.HasPrefix(loc, "/shipments/incoming") {
		t.Errorf("redirect to %q", loc)
	}
	sh, err := f.store.Shipment(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	if sh.Status != models.ShipmentReceived || !sh.Discrepancy {
		t.Fatalf("shipment %s discrepancy=%v", sh.Status, sh.Discrepancy)
	}
	want := []struct{ acc, rej string }{{"10", "0"}, {"0", "8"}, {"11", "1.5"}}
	for i, w := range want {
		l := sh.Lines[i]
		if l.Accepted.String() != w.acc || l.Rejected.String() != w.rej {
			t.Errorf("line %d: accepted %s rejected %s, want %s/%s", i+1, l.Accepted, l.Rejected, w.acc, w.rej)
		}
	}
	if sh.Lines[1].Reason != "bags torn and wet" {
		t.Errorf("line 2 reason %q", sh.Lines[1].Reason)
	}
	if b := siteBatchNow(t, f, batches[0]); b.Custodian != siteContractor || b.Site != "tower-a" || b.Status != models.StatusAvailable {
		t.Errorf("accepted batch: custodian %s site %s status %s", b.Custodian, b.Site, b.Status)
	}
	if b := siteBatchNow(t, f, batches[1]); b.Custodian != "fuchun-cement" || b.Status != models.StatusRejected {
		t.Errorf("rejected batch: custodian %s status %s", b.Custodian, b.Status)
	}

	// Stock shows what arrived: 10 t and the 11 t of line 3, awaiting inspection.
	st, body = c.get(t, "/stock?site=tower-a&product=po-42.5")
	if st != http.StatusOK {
		t.Fatalf("stock: %d", st)
	}
	for _, want := range []string{`id="stock-` + batches[0] + `"`, `id="stock-` + batches[2] + `"`, "<b>11</b> t", "awaiting inspection"} {
		if !strings.Contains(body, want) {
			t.Errorf("stock page lacks %q", want)
		}
	}
	if strings.Contains(body, `id="stock-`+batches[1]+`"`) {
		t.Error("the rejected batch is in the contractor's stock")
	}
	if strings.Contains(body, `id="use-`+batches[0]+`"`) {
		t.Error("a batch awaiting inspection offers usage")
	}
	// The page now shows the receipt, not the form; receiving again is a conflict.
	_, body = c.get(t, "/shipments/"+code+"/receive")
	if !strings.Contains(body, `id="receive-done"`) || strings.Contains(body, `id="receive-form"`) {
		t.Error("a received shipment still shows the receive form")
	}
	form.Set("idempotency_key", "rcv-2")
	if st, _, _ := c.postLoc(t, "/shipments/"+code+"/receive", form); st != http.StatusConflict {
		t.Errorf("second receipt: %d, want 409", st)
	}
	// The received tab lists it.
	if _, body = c.get(t, "/shipments/incoming?status=received"); !strings.Contains(body, `id="ship-`+code+`"`) {
		t.Error("not on the received tab")
	}
	// In Chinese.
	if _, body = c.get(t, "/shipments/incoming?status=received&lang=zh-CN"); !strings.Contains(body, "验收有差异") {
		t.Error("no Chinese incoming page")
	}
}

func TestSiteReceiveAcceptAllAPI(t *testing.T) {
	f := newFixture(t, true)
	code, batches := siteDispatch(t, f, "RAPI", "5", "6")
	tok := f.token(t, siteOperator)
	var list struct {
		Items []models.Shipment `json:"items"`
	}
	if st := f.call(t, tok, http.MethodGet, "/api/v1/shipments/incoming", nil, &list); st != http.StatusOK || len(list.Items) == 0 || list.Items[0].Code != code {
		t.Fatalf("incoming: %d, %d items, want %s first", st, len(list.Items), code)
	}
	var sh models.Shipment
	req := receiveRequest{Lines: []receiveLine{{Line: 1, Outcome: "accept"}, {Line: 2, Outcome: "accept"}}}
	if st := f.call(t, tok, http.MethodPost, "/api/v1/shipments/"+code+"/receive", req, &sh); st != http.StatusOK {
		t.Fatalf("receive: %d", st)
	}
	if sh.Status != models.ShipmentReceived || sh.Discrepancy || sh.Lines[1].Accepted.String() != "6" {
		t.Errorf("received shipment %+v", sh)
	}
	if b := siteBatchNow(t, f, batches[1]); b.Owner != siteContractor {
		t.Errorf("owner %s", b.Owner)
	}
	list.Items = nil
	f.call(t, tok, http.MethodGet, "/api/v1/shipments/incoming", nil, &list)
	for _, s := range list.Items {
		if s.Code == code {
			t.Error("a received shipment is still listed as in transit")
		}
	}
	var stock stockResponse
	if st := f.call(t, tok, http.MethodGet, "/api/v1/stock?site=tower-a&product=po-42.5", nil, &stock); st != http.StatusOK {
		t.Fatalf("stock: %d", st)
	}
	found := false
	for _, b := range stock.Items {
		found = found || b.Code == batches[1] && b.Remaining.String() == "6"
	}
	if !found || len(stock.Summary) != 1 || stock.Summary[0].Site != "tower-a" {
		t.Errorf("stock: batch found %v, summary %+v", found, stock.Summary)
	}
}

func TestSiteReceiveBadInput(t *testing.T) {
	f := newFixture(t, true)
	code, _ := siteDispatch(t, f, "RBAD", "10", "4")
	accept := receiveLine{Line: 2, Outcome: "accept"}
	recv := func(s string) *models.Decimal { d := models.MustDecimal(s); return &d }
	for _, tc := range []struct {
		name, user, shipment string
		lines                []receiveLine
		status               int
		field                string
	}{
		{"reject without reason", siteOperator, code, []receiveLine{{Line: 1, Outcome: "reject"}, accept}, 422, "lines[0].reason"},
		{"discrepancy without reason", siteOperator, code, []receiveLine{{Line: 1, Outcome: "discrepancy", Received: recv("9")}, accept}, 422, "lines[0].reason"},
		{"discrepancy without quantity", siteOperator, code, []receiveLine{{Line: 1, Outcome: "discrepancy", Reason: "short"}, accept}, 422, "lines[0].received"},
		{"more than dispatched", siteOperator, code, []receiveLine{{Line: 1, Outcome: "discrepancy", Received: recv("12"), Reason: "extra"}, accept}, 422, "lines[0].received"},
		{"negative received", siteOperator, code, []receiveLine{{Line: 1, Outcome: "discrepancy", Received: recv("-1"), Reason: "x"}, accept}, 422, "lines[0].received"},
		{"unknown outcome", siteOperator, code, []receiveLine{{Line: 1, Outcome: "keep"}, accept}, 422, "lines[0].outcome"},
		{"a line unanswered", siteOperator, code, []receiveLine{{Line: 1, Outcome: "accept"}}, 422, "lines"},
		{"no such line", siteOperator, code, []receiveLine{{Line: 3, Outcome: "accept"}}, 422, "lines[0].line"},
		{"line answered twice", siteOperator, code, []receiveLine{{Line: 1, Outcome: "accept"}, {Line: 1, Outcome: "accept"}}, 422, "lines[1].line"},
		{"other organization's shipment", "jiangnan-steel.operator", code, []receiveLine{{Line: 1, Outcome: "accept"}, accept}, 403, "shipment"},
		{"viewer", "zhongjian-no8.viewer", code, []receiveLine{{Line: 1, Outcome: "accept"}, accept}, 403, ""},
		{"unknown shipment", siteOperator, "NOPE-1", []receiveLine{{Line: 1, Outcome: "accept"}}, 404, "shipment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head := f.head(t)
			var e apiErr
			st := f.call(t, f.token(t, tc.user), http.MethodPost, "/api/v1/shipments/"+tc.shipment+"/receive", receiveRequest{Lines: tc.lines}, &e)
			if st != tc.status || e.Error.Field != tc.field {
				t.Errorf("got %d %s, want %d field %q", st, e, tc.status, tc.field)
			}
			if e.Error.Message == "" {
				t.Error("no message")
			}
			if f.head(t) != head {
				t.Error("something was written")
			}
		})
	}
	// Unknown JSON fields are named.
	var e apiErr
	if st := f.call(t, f.token(t, siteOperator), http.MethodPost, "/api/v1/shipments/"+code+"/receive", map[string]any{"lines": []any{}, "accept_all": true}, &e); st != 422 || e.Error.Field != "accept_all" {
		t.Errorf("unknown field: %d %s", st, e)
	}
	// The form shows the contract's message next to the reason field, keeps
	// the input, and the viewer sees no submit button.
	c := f.login(t, siteOperator)
	st, body, _ := c.postLoc(t, "/shipments/"+code+"/receive", url.Values{"lines[0].outcome": {"reject"}, "lines[1].outcome": {"discrepancy"}, "lines[1].received": {"3"}, "lines[1].reason": {"one pallet missing"}})
	if st != 422 || !hasFieldError(body, "lines[0].reason") || !strings.Contains(body, "one pallet missing") || !strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("form error: %d, field error shown %v", st, hasFieldError(body, "lines[0].reason"))
	}
	st, body, _ = c.postLoc(t, "/shipments/"+code+"/receive", url.Values{"lines[0].outcome": {"discrepancy"}, "lines[0].received": {"ten"}, "lines[1].outcome": {"accept"}})
	if st != 422 || !hasFieldError(body, "lines[0].received") {
		t.Errorf("non-numeric received: %d", st)
	}
	v := f.login(t, "zhongjian-no8.viewer")
	_, body = v.get(t, "/shipments/"+code+"/receive")
	if strings.Contains(body, `id="receive-submit"`) || !strings.Contains(body, `id="receive-not-allowed"`) {
		t.Error("a viewer is offered the receive button")
	}
	if st, _, _ := v.postLoc(t, "/shipments/"+code+"/receive", url.Values{"lines[0].outcome": {"accept"}, "lines[1].outcome": {"accept"}}); st != http.StatusForbidden {
		t.Errorf("viewer's form post: %d", st)
	}
	o := f.login(t, "jiangnan-steel.operator")
	if st, _ := o.get(t, "/shipments/"+code+"/receive"); st != http.StatusForbidden {
		t.Errorf("other organization opens the receive page: %d", st)
	}
	if sh, _ := f.store.Shipment(context.Background(), code); sh.Status != models.ShipmentInTransit {
		t.Errorf("shipment is %s after only bad input", sh.Status)
	}
}
