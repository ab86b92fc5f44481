package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// failing28d is a failing 28-day cube result of a C30 batch.
func failing28d(code string) inspectionRequest {
	return inspectionRequest{Batch: code, Type: "strength_28d", Verdict: models.VerdictFail,
		Results: []contract.InspectionResult{{Property: "compressive_strength_28d", Value: models.MustDecimal("24.6")}},
		Notes:   "150 mm cubes, 3 specimens"}
}

func TestLateResultOpensCase(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	// The demo's failing results either opened their cases, were recalled,
	// or came before any use: the sweep has nothing to do.
	if n, err := f.srv.late.sweep(ctx); err != nil || n != 0 {
		t.Fatalf("sweep of the demo opened %d cases: %v", n, err)
	}
	insp := f.token(t, user(demo.OrgInspection, models.RoleInspector))
	code, tr := usedBatch(t, f, demo.OrgReadyMix, demo.ProdConcreteC30)

	// Through the API: the case opens right after the inspection.
	var in inspectionResponse
	if got := f.call(t, insp, "POST", "/api/v1/inspections", failing28d(code), &in); got != http.StatusCreated {
		t.Fatalf("inspection: %d", got)
	}
	var l caseList
	f.call(t, insp, "GET", "/api/v1/cases?batch="+code, nil, &l)
	if len(l.Items) != 1 || l.Items[0].Usages != len(tr.Usages) || l.Items[0].Kind != models.CaseNonConformance {
		t.Fatalf("cases of %s after its late failing result: %+v", code, l.Items)
	}
	c, err := f.store.Case(ctx, l.Items[0].ID)
	if err != nil || c.SourceInspection != in.ID || c.Org != demo.OrgInspection {
		t.Fatalf("case %+v %v", c, err)
	}
	// The reason goes to every affected organization: it names the
	// failing property but not the inspection's notes, which are private.
	if !strings.Contains(c.Reason, "compressive_strength_28d") || strings.Contains(c.Reason, failing28d(code).Notes) {
		t.Errorf("automatic case reason %q: want the failing property and no inspection notes", c.Reason)
	}

	// Behind the server's back (another server, or a crash between the
	// two transactions): the sweep opens it, once.
	other, _ := usedBatch(t, f, demo.OrgReadyMix, demo.ProdConcreteC40)
	raw, _ := json.Marshal(contract.RecordInspectionArgs{Batch: other, Type: "strength_28d", Verdict: models.VerdictFail,
		Results: []contract.InspectionResult{{Property: "compressive_strength_28d", Value: models.MustDecimal("31.2")}}})
	rec, err := f.ledger.Submit(ctx, ledger.Tx{Type: "RecordInspection", Args: raw, Org: demo.OrgInspection,
		User: user(demo.OrgInspection, models.RoleInspector), Role: models.RoleInspector})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.proj.WaitFor(ctx, rec.Seq); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{1, 0} {
		if n, err := f.srv.late.sweep(ctx); err != nil || n != want {
			t.Fatalf("sweep %d opened %d cases (%v), want %d", i+1, n, err, want)
		}
	}
	// A fresh sweeper (a restarted server) finds nothing left to do either.
	if n, err := (&lateResults{s: f.srv}).sweep(ctx); err != nil || n != 0 {
		t.Fatalf("sweep after a restart opened %d: %v", n, err)
	}
	cs, _ := f.store.Cases(ctx, store.CaseFilter{Batch: other})
	if len(cs.Items) != 1 || cs.Items[0].Org != demo.OrgInspection {
		t.Fatalf("cases of %s: %+v", other, cs.Items)
	}

	// A failing result before any use opens nothing (the hold point does
	// its job).
	fresh := unusedBatch(t, f)
	var in2 inspectionResponse
	req := failing28d(fresh.Code)
	req.Type, req.Results, req.Notes = "incoming", nil, "bags torn"
	if got := f.call(t, insp, "POST", "/api/v1/inspections", req, &in2); got != http.StatusCreated {
		t.Fatalf("inspection of an unused batch: %d", got)
	}
	if cs, _ := f.store.Cases(ctx, store.CaseFilter{Batch: fresh.Code}); len(cs.Items) != 0 {
		t.Fatalf("a failing result before use opened %+v", cs.Items)
	}
}

// unusedBatch finds a batch whose forward trace has no usage, held by the
// contractor, not recalled.
func unusedBatch(t *testing.T, f *fixture) models.Batch {
	t.Helper()
	ctx := context.Background()
	p, err := f.store.Batches(ctx, store.BatchFilter{Custodian: demo.OrgContractor, Status: models.StatusAvailable, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range p.Items {
		tr, err := f.store.Forward(ctx, b.Code, 0)
		if err == nil && len(tr.Usages) == 0 {
			return b
		}
	}
	t.Fatal("no unused batch at the contractor")
	return models.Batch{}
}
