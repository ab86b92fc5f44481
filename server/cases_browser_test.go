package server

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// onlyContractorHolds keeps traces in which nothing is left anywhere but
// at the contractor, so that the contractor is the only organization a
// case on the batch affects.
func onlyContractorHolds(tr store.Trace) bool {
	for _, n := range tr.Nodes {
		if n.Remaining > 0 && n.Custodian != demo.OrgContractor {
			return false
		}
	}
	return true
}

// TestCaseWorkflowInTheBrowser: the inspection agency raises a
// non-conformance on concrete already poured; the contractor sees the
// notification, acknowledges, and records a disposition for every place
// (one accepted as is, which needs a justification); the case closes and
// the agency sees it closed. Screenshots go to $PLUMBLINE_ARTIFACTS.
func TestCaseWorkflowInTheBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser workflow skipped in -short mode")
	}
	f := newFixture(t, true)
	b := newBrowser(t, f)
	code, tr := usedBatch(t, f, demo.OrgReadyMix, demo.ProdConcreteC30, onlyContractorHolds)
	inspector, contractor := user(demo.OrgInspection, models.RoleInspector), user(demo.OrgContractor, models.RoleOperator)

	// 1. The inspector raises the case from the batch's page.
	b.login(inspector)
	b.visit("/b/" + code)
	b.submit("open the case form", "#action-case", "/cases/new")
	if got := b.text("#impact-usages"); got != itoa(len(tr.Usages)) {
		t.Fatalf("the form previews %s places, the trace has %d", got, len(tr.Usages))
	}
	b.do("fill the case",
		chromedp.SetValue("#case-severity", "high"),
		chromedp.SetValue("#case-target", target(10)),
		chromedp.SendKeys("#case-reason", "28-day cubes 24.6 MPa against C30; assess every element"))
	b.shot("cases-1-new")
	b.submit("raise the case", "#case-submit", "/cases/")
	caseURL := b.url()
	if !strings.Contains(b.text("#case-status"), "Open") {
		t.Fatalf("new case: %s", b.text("#case-status"))
	}

	// 2. The contractor sees the notification and opens the case from it.
	b.login(contractor)
	if n := b.text("#nav-unread"); n == "" || n == "0" {
		t.Fatalf("no unread count in the header: %q", n)
	}
	b.visit("/notifications")
	b.shot("cases-2-notification")
	if !strings.Contains(b.text("#notification-list li"), code) {
		t.Fatalf("the newest notification is not about %s: %s", code, b.text("#notification-list li"))
	}
	b.submit("open the case from the notification", "#notification-list li button", "/cases/")
	if b.url() != caseURL {
		t.Fatalf("the notification led to %s, not %s", b.url(), caseURL)
	}

	// 3. The contractor acknowledges.
	b.do("note", chromedp.SendKeys("#ack-note", "pours marked on the drawings; cores ordered"))
	b.submit("acknowledge", "#ack-submit", caseURL)
	b.shot("cases-3-acknowledged")
	if !strings.Contains(b.text("#case-orgs"), "acknowledged") {
		t.Fatalf("orgs: %s", b.text("#case-orgs"))
	}

	// 4. Dispositions: accepting as is without a justification is refused
	// next to the field; with one, every place is decided.
	b.do("accept the first as is", chromedp.SetValue("#d-0", "accept_as_is"))
	for i := 1; i < len(tr.Usages); i++ {
		b.do("rework the others", chromedp.SetValue("#d-"+itoa(i), "rework"))
	}
	b.submit("dispositions without a justification", "#disposition-submit", "/dispositions")
	if msg := b.text("#err-items\\[0\\]\\.justification"); !strings.Contains(msg, "required") {
		t.Fatalf("no error next to the justification: %q", msg)
	}
	b.shot("cases-4-justification-required")
	b.do("justify", chromedp.SetValue("#d-0", "accept_as_is"), chromedp.SendKeys("#j-0", "three cores average 32.4 MPa; the designer accepts the slab"))
	for i := 1; i < len(tr.Usages); i++ {
		b.do("rework the others", chromedp.SetValue("#d-"+itoa(i), "rework"))
	}
	b.submit("record the dispositions", "#disposition-submit", caseURL)
	b.shot("cases-5-closed-for-contractor")

	// 5. The inspector sees the case closed, and was told so.
	b.login(inspector)
	b.visit("/notifications")
	if !strings.Contains(b.text("#notification-list"), "is closed") {
		t.Errorf("the opener was not told the case closed: %s", b.text("#notification-list"))
	}
	b.visit(strings.TrimPrefix(caseURL, f.URL))
	status := b.text("#case-status")
	b.shot("cases-6-closed")
	if !strings.Contains(status, "Closed") || !strings.Contains(b.text("#case-impact"), "three cores average 32.4 MPa") {
		t.Fatalf("the opener sees %q", status)
	}
	if !strings.Contains(b.text("#case-steps"), "Closed") {
		t.Errorf("the ledger record has no closing step: %s", b.text("#case-steps"))
	}
}
