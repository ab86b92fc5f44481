package server

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// ruleCell is one user of the button matrix: an organization of a kind,
// and a role.
type ruleCell struct {
	org  string
	kind models.OrgKind
	role models.Role
}

// ruleProbe is one action a page offers: the page, the element id that
// marks the action (or "" for a form page, which answers 200 to those who
// may use it and 403 to the others), and when it must be there.
type ruleProbe struct {
	page string
	id   string
	want func(c ruleCell) bool
}

// allows is contract.Rule(tx).Allows(kind, role); a transaction type
// without a rule fails the test.
func allows(t *testing.T, tx string, c ruleCell) bool {
	t.Helper()
	p, ok := contract.Rule(tx)
	if !ok {
		t.Fatalf("contract.Rule(%q): no rule", tx)
	}
	return p.Allows(c.kind, c.role)
}

// recallAllows is the contract's recall permission for c on a batch
// produced by producer.
func recallAllows(c ruleCell, producer string) bool {
	p, ok := contract.RecallRule(c.kind, c.org == producer)
	return ok && p.Allows(c.kind, c.role)
}

// ruleShipment commissions a batch and dispatches it to org, which gets a
// shipment in transit to receive; it returns the shipment's code.
func ruleShipment(t *testing.T, f *fixture, to string) string {
	t.Helper()
	from, product := "fuchun-cement", "po-42.5"
	if to == from {
		from, product = "jiangnan-steel", "hrb400e-12-coil"
	}
	o, err := f.store.Organization(t.Context(), to)
	if err != nil {
		t.Fatal(err)
	}
	site := ""
	if len(o.Sites) > 0 {
		site = o.Sites[0]
	}
	code := "RULE-" + strings.ToUpper(to)
	submitAs(t, f, from+".operator", "CommissionBatch", contract.CommissionBatchArgs{Code: code, ProductID: product, Quantity: models.MustDecimal("5"), ProducedOn: "2026-03-01"})
	submitAs(t, f, from+".operator", "DispatchShipment", contract.DispatchShipmentArgs{Code: code + "-SH", To: to, Site: site, Carrier: "zhehang-logistics",
		Lines: []contract.DispatchLine{{Batch: code, Quantity: models.MustDecimal("5")}}})
	return code + "-SH"
}

// checkProbes renders every probe's page for every user of the matrix and
// checks that the action is offered exactly when the probe wants it.
func checkProbes(t *testing.T, clients map[ruleCell]*client, cells []ruleCell, probes []ruleProbe) {
	t.Helper()
	for _, c := range cells {
		cl := clients[c]
		for _, p := range probes {
			want := p.want(c)
			code, body := cl.get(t, p.page)
			who := fmt.Sprintf("%s (%s %s) on %s", cl.user, c.kind, c.role, p.page)
			if p.id == "" {
				if wantCode := map[bool]int{true: http.StatusOK, false: http.StatusForbidden}[want]; code != wantCode {
					t.Errorf("%s: status %d, want %d", who, code, wantCode)
				}
				continue
			}
			if code >= 500 || want && code != http.StatusOK {
				t.Errorf("%s: status %d", who, code)
				continue
			}
			if got := strings.Contains(body, `id="`+p.id+`"`); got != want {
				t.Errorf("%s: #%s shown = %v, want %v", who, p.id, got, want)
			}
		}
	}
}

// TestActionButtonsFollowContractRules renders every page that offers a
// contract transaction, for a user of every organization kind and every
// role, and checks that each action button or form is there exactly when
// the contract's permission table (contract.Rule, and RecallRule for
// recalls) allows the kind and role, given the state the page needs (a
// shipment in transit to the organization, a batch on hold, an open case
// that affects it…). A page that decides from a list of its own that
// disagrees with the contract fails here.
func TestActionButtonsFollowContractRules(t *testing.T) {
	f := newFixture(t, true)
	const (
		producer   = "fuchun-cement" // produced the batches below
		contractor = siteContractor  // holds them
	)
	held := siteReceived(t, f, "RULE-H", "10")
	submitAs(t, f, siteInspector, "RecordInspection", contract.RecordInspectionArgs{Batch: held, Type: "incoming", Verdict: models.VerdictFail, Notes: "bags wet"})
	avail := siteReceived(t, f, "0RULE-A", "10") // "0" sorts it first on the stock page
	submitAs(t, f, siteInspector, "RecordInspection", contract.RecordInspectionArgs{Batch: avail, Type: "incoming", Verdict: models.VerdictPass})
	incoming := map[string]string{}
	for _, o := range matrixOrgs {
		if o.kind != models.KindCarrier { // a carrier is never a shipment's destination
			incoming[o.id] = ruleShipment(t, f, o.id)
		}
	}

	var cells []ruleCell
	clients := map[ruleCell]*client{}
	kinds := map[models.OrgKind]bool{}
	for _, o := range matrixOrgs {
		kinds[o.kind] = true
		for _, r := range models.Roles {
			c := ruleCell{org: o.id, kind: o.kind, role: r}
			cells = append(cells, c)
			clients[c] = f.login(t, o.id+"."+string(r))
		}
	}
	for _, k := range models.OrgKinds {
		if !kinds[k] {
			t.Fatalf("the matrix has no organization of kind %s", k)
		}
	}
	can := func(tx string) func(ruleCell) bool {
		return func(c ruleCell) bool { return allows(t, tx, c) }
	}
	involved := func(c ruleCell) bool {
		return c.kind == models.KindAuthority || c.kind == models.KindInspection || c.org == producer || c.org == contractor
	}
	never := func(ruleCell) bool { return false }

	t.Run("pages", func(t *testing.T) {
		checkProbes(t, clients, cells, []ruleProbe{
			// Supplier pages.
			{"/products", "product-new", can("RegisterProduct")},
			{"/products/new", "", can("RegisterProduct")},
			{"/batches", "batch-new", can("CommissionBatch")},
			{"/batches/new", "", can("CommissionBatch")},
			{"/orders", "order-new", can("CreatePurchaseOrder")},
			{"/orders/new", "", can("CreatePurchaseOrder")},
			{"/shipments", "shipment-new", can("DispatchShipment")},
			{"/shipments/new", "", can("DispatchShipment")},
			{"/import", "", func(c ruleCell) bool { return allows(t, "CommissionBatch", c) || allows(t, "DispatchShipment", c) }},
			{"/import", "kind-batches", can("CommissionBatch")},
			{"/import", "kind-shipments", can("DispatchShipment")},
			// Site pages.
			{"/usages/new", "usage-submit", can("RecordUsage")},
			{"/stock?site=tower-a", "use-" + avail, func(c ruleCell) bool { return allows(t, "RecordUsage", c) && c.org == contractor }},
			{"/inspections/new?batch=" + avail, "inspection-submit", can("RecordInspection")},
			{"/holds", "release-" + held, can("ReleaseHold")},
			{"/holds/" + held + "/release", "release-submit", can("ReleaseHold")},
			{"/cases", "case-new", can("OpenCase")},
			// The trace page of a batch on hold and of one in use.
			{"/b/" + held, "action-inspect", can("RecordInspection")},
			{"/b/" + held, "action-release", can("ReleaseHold")},
			{"/b/" + held, "action-use", never},
			{"/b/" + held, "action-recall", func(c ruleCell) bool { return recallAllows(c, producer) }},
			{"/b/" + held, "action-case", func(c ruleCell) bool { return allows(t, "OpenCase", c) && involved(c) }},
			{"/b/" + avail, "action-inspect", can("RecordInspection")},
			{"/b/" + avail, "action-release", never},
			{"/b/" + avail, "action-use", func(c ruleCell) bool { return allows(t, "RecordUsage", c) && c.org == contractor }},
			{"/b/" + avail, "action-recall", func(c ruleCell) bool { return recallAllows(c, producer) }},
			{"/b/" + avail, "action-case", func(c ruleCell) bool { return allows(t, "OpenCase", c) && involved(c) }},
		})
		var receive []ruleCell
		for _, c := range cells {
			if incoming[c.org] != "" {
				receive = append(receive, c)
			}
		}
		for _, c := range receive {
			checkProbes(t, clients, []ruleCell{c}, []ruleProbe{
				{"/shipments/" + incoming[c.org] + "/receive", "receive-submit", can("ReceiveShipment")},
			})
		}
	})

	// A non-conformance on the batch in use: the contractor, which used it,
	// is affected and acknowledges; an authority records dispositions at
	// any time, the contractor once it has acknowledged.
	usage := submitAs(t, f, siteOperator, "RecordUsage", contract.RecordUsageArgs{Batch: avail, Quantity: models.MustDecimal("1"),
		Location: models.Location{Project: "Riverside", Building: "Tower A", Floor: "3", Element: "column C3"}})
	opened := submitAs(t, f, "hz-construction-bureau.admin", "OpenCase", contract.OpenCaseArgs{Kind: models.CaseNonConformance, Batch: avail,
		Severity: contract.SeverityHigh, Reason: "cracks", TargetDate: time.Now().UTC().AddDate(0, 1, 0).Format(models.DateLayout), Usages: []string{usage.TxID}})
	page := "/cases/" + opened.TxID
	t.Run("case", func(t *testing.T) {
		checkProbes(t, clients, cells, []ruleProbe{
			{page, "ack-form", func(c ruleCell) bool { return allows(t, "AcknowledgeCase", c) && c.org == contractor }},
			{page, "disposition-form", func(c ruleCell) bool {
				return allows(t, "RecordDisposition", c) && c.kind == models.KindAuthority
			}},
		})
	})
	submitAs(t, f, siteOperator, "AcknowledgeCase", contract.AcknowledgeCaseArgs{Case: opened.TxID})
	t.Run("case acknowledged", func(t *testing.T) {
		checkProbes(t, clients, cells, []ruleProbe{
			{page, "ack-form", never},
			{page, "disposition-form", func(c ruleCell) bool {
				return allows(t, "RecordDisposition", c) && (c.kind == models.KindAuthority || c.org == contractor)
			}},
		})
	})
}
