package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// sitePass records a passing incoming inspection of a cement batch.
func sitePass(t testing.TB, f *fixture, code string) {
	t.Helper()
	req := inspectionRequest{Batch: code, Type: "incoming", Verdict: models.VerdictPass,
		Results: []contract.InspectionResult{{Property: "compressive_strength_28d", Value: models.MustDecimal("48.2")}}}
	if st := f.call(t, f.token(t, siteInspector), http.MethodPost, "/api/v1/inspections", req, nil); st != http.StatusCreated {
		t.Fatalf("passing inspection of %s: %d", code, st)
	}
}

func TestSiteUsageHoldPointAndLocations(t *testing.T) {
	f := newFixture(t, true)
	code := siteReceived(t, f, "USE", "20")
	tok := f.token(t, siteOperator)
	loc := models.Location{Project: "Qianjiang Tower", Building: "Tower A", Floor: "12F", Element: "core wall W2"}

	// Awaiting inspection: the hold point refuses, with the contract's message on the batch.
	head := f.head(t)
	var e apiErr
	if st := f.call(t, tok, http.MethodPost, "/api/v1/usages", contract.RecordUsageArgs{Batch: code, Quantity: models.MustDecimal("2"), Location: loc}, &e); st != http.StatusConflict || e.Error.Field != "batch" || !strings.Contains(e.Error.Message, "inspection must pass") {
		t.Fatalf("usage before inspection: %d %s", st, e)
	}
	if f.head(t) != head {
		t.Error("a refused usage wrote something")
	}
	sitePass(t, f, code)

	var u models.Usage
	if st := f.call(t, tok, http.MethodPost, "/api/v1/usages", contract.RecordUsageArgs{Batch: code, Quantity: models.MustDecimal("2.5"), Location: loc}, &u); st != http.StatusCreated {
		t.Fatalf("usage: %d", st)
	}
	if u.BatchCode != code || u.Quantity.String() != "2.5" || u.Unit != "t" || u.Location != loc || u.Contractor != siteContractor {
		t.Errorf("usage %+v", u)
	}
	var list listJSON[models.Usage]
	if st := f.call(t, tok, http.MethodGet, "/api/v1/batches/"+code+"/usages", nil, &list); st != http.StatusOK || len(list.Items) != 1 {
		t.Errorf("usages of %s: %d %d", code, st, len(list.Items))
	}
	if st := f.call(t, f.token(t, "qiantang-glass.operator"), http.MethodGet, "/api/v1/batches/"+code+"/usages", nil, nil); st != http.StatusForbidden {
		t.Errorf("an uninvolved organization reads the usages: %d", st)
	}

	// The page: the location picker offers the location just used, and a
	// usage recorded from the form lowers the stock.
	c := f.login(t, siteOperator)
	st, body := c.get(t, "/usages/new?batch="+code)
	if st != http.StatusOK {
		t.Fatalf("usage page: %d", st)
	}
	for _, want := range []string{`id="usage-batch-card"`, "17.5 t", `data-fill-location`, `data-element="core wall W2"`, `<option value="Qianjiang Tower">`, `id="usage-submit"`, `value="` + code + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("usage page lacks %s", want)
		}
	}
	st, body, loc2 := c.postLoc(t, "/usages", url.Values{"batch": {code}, "quantity": {"7.5"}, "location.project": {"Qianjiang Tower"},
		"location.building": {"Tower A"}, "location.floor": {"13F"}, "location.element": {"slab S13"}})
	if st != http.StatusSeeOther || loc2 != "/stock" {
		t.Fatalf("usage form: %d %s\n%s", st, loc2, body)
	}
	if b := siteBatchNow(t, f, code); b.Remaining.String() != "10" {
		t.Errorf("remaining %s, want 10", b.Remaining)
	}
	_, body = c.get(t, "/stock?site=tower-a&product=po-42.5")
	if !strings.Contains(body, `id="use-`+code+`"`) || !strings.Contains(body, "<b>10</b> t") {
		t.Error("stock page does not show the 10 t left with a usage button")
	}
	if !strings.Contains(body, "Recorded 7.5 t of "+code) {
		t.Error("no confirmation after recording usage")
	}
	locs, _ := f.store.UsageLocations(context.Background(), siteContractor, 10)
	if len(locs) == 0 || locs[0].Floor != "13F" {
		t.Errorf("latest location %+v", locs)
	}
}

func TestSiteUsageBadInput(t *testing.T) {
	f := newFixture(t, true)
	code := siteReceived(t, f, "UBAD", "5")
	sitePass(t, f, code)
	held := siteReceived(t, f, "UHELD", "5")
	fail := inspectionRequest{Batch: held, Type: "incoming", Verdict: models.VerdictFail,
		Results: []contract.InspectionResult{{Property: "compressive_strength_28d", Value: models.MustDecimal("38")}}}
	if st := f.call(t, f.token(t, siteInspector), http.MethodPost, "/api/v1/inspections", fail, nil); st != http.StatusCreated {
		t.Fatalf("failing inspection: %d", st)
	}
	other := f.orgBatch(t, "jiangnan-steel")
	loc := models.Location{Project: "P", Building: "B", Floor: "1F", Element: "column C1"}
	q := models.MustDecimal
	for _, tc := range []struct {
		name, user string
		args       contract.RecordUsageArgs
		status     int
		field, msg string
	}{
		{"more than remains", siteOperator, contract.RecordUsageArgs{Batch: code, Quantity: q("6"), Location: loc}, 409, "quantity", "remaining"},
		{"zero", siteOperator, contract.RecordUsageArgs{Batch: code, Quantity: 0, Location: loc}, 422, "quantity", ""},
		{"no element", siteOperator, contract.RecordUsageArgs{Batch: code, Quantity: q("1"), Location: models.Location{Project: "P", Building: "B"}}, 422, "location.element", ""},
		{"no project", siteOperator, contract.RecordUsageArgs{Batch: code, Quantity: q("1"), Location: models.Location{Building: "B", Element: "E"}}, 422, "location.project", ""},
		{"batch on hold", siteOperator, contract.RecordUsageArgs{Batch: held, Quantity: q("1"), Location: loc}, 409, "batch", "on hold"},
		{"unknown batch", siteOperator, contract.RecordUsageArgs{Batch: "NOPE-9", Quantity: q("1"), Location: loc}, 404, "batch", ""},
		{"another organization's batch", siteOperator, contract.RecordUsageArgs{Batch: other.Code, Quantity: q("1"), Location: loc}, 403, "batch", ""},
		{"viewer", "zhongjian-no8.viewer", contract.RecordUsageArgs{Batch: code, Quantity: q("1"), Location: loc}, 403, "", ""},
		{"an inspector", siteInspector, contract.RecordUsageArgs{Batch: code, Quantity: q("1"), Location: loc}, 403, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head := f.head(t)
			var e apiErr
			st := f.call(t, f.token(t, tc.user), http.MethodPost, "/api/v1/usages", tc.args, &e)
			if st != tc.status || e.Error.Field != tc.field || !strings.Contains(e.Error.Message, tc.msg) {
				t.Errorf("got %d %s, want %d field %q containing %q", st, e, tc.status, tc.field, tc.msg)
			}
			if f.head(t) != head {
				t.Error("something was written")
			}
		})
	}
	// The form shows each error next to its field, keeping the input.
	c := f.login(t, siteOperator)
	form := func(batch, qty string) url.Values {
		return url.Values{"batch": {batch}, "quantity": {qty}, "location.project": {"P"}, "location.building": {"B"}, "location.element": {"E"}}
	}
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		field  string
	}{
		{"over remaining", form(code, "9"), 409, "quantity"},
		{"not a number", form(code, "lots"), 422, "quantity"},
		{"held", form(held, "1"), 409, "batch"},
		{"no element", url.Values{"batch": {code}, "quantity": {"1"}, "location.project": {"P"}, "location.building": {"B"}}, 422, "location.element"},
		{"no batch", form("", "1"), 422, "batch"},
	} {
		head := f.head(t)
		st, body, _ := c.postLoc(t, "/usages", tc.form)
		if st != tc.status || !hasFieldError(body, tc.field) {
			t.Errorf("%s: %d, error next to %s: %v", tc.name, st, tc.field, hasFieldError(body, tc.field))
		}
		if tc.form.Get("quantity") != "" && !strings.Contains(body, `value="`+tc.form.Get("quantity")+`"`) {
			t.Errorf("%s: the quantity typed is lost", tc.name)
		}
		if f.head(t) != head {
			t.Errorf("%s: something was written", tc.name)
		}
	}
	v := f.login(t, "zhongjian-no8.viewer")
	_, body := v.get(t, "/usages/new?batch="+code)
	if strings.Contains(body, `id="usage-submit"`) || !strings.Contains(body, `id="usage-not-allowed"`) {
		t.Error("a viewer is offered the usage button")
	}
	if st, _, _ := v.postLoc(t, "/usages", form(code, "1")); st != http.StatusForbidden {
		t.Errorf("viewer's usage form: %d", st)
	}
	// Another organization's batch code shows none of its details.
	_, body = c.get(t, "/usages/new?batch="+other.Code)
	if strings.Contains(body, `id="usage-batch-card"`) {
		t.Error("the usage page shows another organization's batch")
	}
}
