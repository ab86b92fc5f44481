package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// lateBatch finds a batch of product the demo used at least twice, not
// recalled (nor anything made from it), without a case.
func lateBatch(t *testing.T, w *jobsWorld, product string) (string, store.Trace) {
	t.Helper()
	ctx := context.Background()
	p, err := w.store.Batches(ctx, store.BatchFilter{ProductID: product, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range p.Items {
		if b.Lineage == models.LineageSplit || b.Status == models.StatusRecalled {
			continue
		}
		tr, err := w.store.Forward(ctx, b.Code, 0)
		if err != nil {
			t.Fatal(err)
		}
		cs, _ := w.store.Cases(ctx, store.CaseFilter{Batch: b.Code})
		recalled := false
		for _, n := range tr.Nodes {
			recalled = recalled || n.Status == models.StatusRecalled
		}
		if len(tr.Usages) >= 2 && len(cs.Items) == 0 && !recalled {
			return b.Code, tr
		}
	}
	t.Fatalf("no used %s batch of the demo without a case", product)
	return "", store.Trace{}
}

// unusedBatch finds a batch the contractor holds that went into nothing.
func unusedBatch(t *testing.T, w *jobsWorld) string {
	t.Helper()
	ctx := context.Background()
	p, err := w.store.Batches(ctx, store.BatchFilter{Custodian: demo.OrgContractor, Status: models.StatusAvailable, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range p.Items {
		if tr, err := w.store.Forward(ctx, b.Code, 0); err == nil && len(tr.Usages) == 0 {
			return b.Code
		}
	}
	t.Fatal("no unused batch at the contractor")
	return ""
}

// failResult records a failing result of batch straight on the ledger, as
// another server would — a 28-day cube strength, or an incoming inspection
// without measurements — and returns the inspection and the entry it
// committed at.
func failResult(t *testing.T, w *jobsWorld, batch string, cubes bool) (models.Inspection, uint64) {
	t.Helper()
	ctx := context.Background()
	args := contract.RecordInspectionArgs{Batch: batch, Type: "incoming", Verdict: models.VerdictFail, Notes: "bags torn"}
	if cubes {
		args.Type, args.Notes = "strength_28d", "150 mm cubes, 3 specimens, lab book 7"
		args.Results = []contract.InspectionResult{{Property: "compressive_strength_28d", Value: models.MustDecimal("24.6")}}
	}
	raw, _ := json.Marshal(args)
	rec, err := w.ledger.Submit(ctx, ledger.Tx{Type: "RecordInspection", Args: raw, Org: demo.OrgInspection,
		User: demo.UserID(demo.OrgInspection, models.RoleInspector), Role: models.RoleInspector})
	if err != nil {
		t.Fatal(err)
	}
	w.caughtUp(t)
	ins, err := w.store.Inspections(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		if in.TxID == rec.TxID {
			return in, rec.Seq
		}
	}
	t.Fatalf("inspection %s of %s not in the read model", rec.TxID, batch)
	return models.Inspection{}, 0
}

// TestLateResultCases opens the case of a late failing result right after
// the inspection (AfterInspection) and in the sweep, once each, and never
// for a result that came before any use.
func TestLateResultCases(t *testing.T) {
	w := newJobsWorld(t, true)
	a, tb := w.app(nil)
	defer tb.Close(0)
	ctx := context.Background()
	cases := func(batch string) []store.CaseSummary {
		t.Helper()
		p, err := w.store.Cases(ctx, store.CaseFilter{Batch: batch})
		if err != nil {
			t.Fatal(err)
		}
		return p.Items
	}
	// The demo's failing results opened their cases, were recalled, or came
	// before any use: nothing to do.
	if n, err := a.LateResults().Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("sweep of the demo opened %d cases: %v", n, err)
	}

	// Right after the inspection.
	now, tr := lateBatch(t, w, demo.ProdConcreteC30)
	in, seq := failResult(t, w, now, true)
	a.AfterInspection(ctx, in, seq)
	cs := cases(now)
	if len(cs) != 1 || cs[0].Kind != models.CaseNonConformance || cs[0].Org != demo.OrgInspection {
		t.Fatalf("cases of %s after its late failing result: %+v", now, cs)
	}
	c, err := w.store.Case(ctx, cs[0].ID)
	if err != nil || c.SourceInspection != in.ID || len(c.Usages) != len(tr.Usages) {
		t.Fatalf("case %+v (%v), want inspection %s and %d usages", c, err, in.ID, len(tr.Usages))
	}
	// The reason goes to every affected organization: the failing property,
	// not the private notes.
	if !strings.Contains(c.Reason, "compressive_strength_28d") || strings.Contains(c.Reason, "lab book") {
		t.Errorf("reason %q", c.Reason)
	}
	a.AfterInspection(ctx, in, seq) // a retry opens nothing more
	if n, err := a.LateResults().Sweep(ctx); err != nil || n != 0 || len(cases(now)) != 1 {
		t.Fatalf("sweep after the case opened: %d (%v), %d cases", n, err, len(cases(now)))
	}

	// Behind the app's back (a crash between the two transactions): the
	// sweep opens it, once, and a restarted server's sweep finds nothing.
	later, _ := lateBatch(t, w, demo.ProdConcreteC40)
	failResult(t, w, later, true)
	for i, want := range []int{1, 0} {
		if n, err := a.LateResults().Sweep(ctx); err != nil || n != want {
			t.Fatalf("sweep %d opened %d cases (%v), want %d", i+1, n, err, want)
		}
	}
	if n, err := a.NewLateResults().Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("sweep after a restart opened %d: %v", n, err)
	}
	if cs := cases(later); len(cs) != 1 || cs[0].Org != demo.OrgInspection {
		t.Fatalf("cases of %s: %+v", later, cs)
	}

	// Before any use: the hold point does its job, no case.
	unused := unusedBatch(t, w)
	in, seq = failResult(t, w, unused, false)
	a.AfterInspection(ctx, in, seq)
	if n, err := a.NewLateResults().Sweep(ctx); err != nil || n != 0 || len(cases(unused)) != 0 {
		t.Fatalf("a failing result before use: sweep opened %d (%v), %d cases", n, err, len(cases(unused)))
	}
}

func TestLateReason(t *testing.T) {
	long := make([]string, 200)
	for i := range long {
		long[i] = "property_" + strings.Repeat("x", 10)
	}
	for _, c := range []struct {
		name string
		in   models.Inspection
		want string
	}{
		{"no limits named", models.Inspection{Type: "strength_28d", Notes: "private"}, "failing strength_28d result after the material was placed"},
		{"out of spec", models.Inspection{Type: "strength_28d", OutOfSpec: []string{"compressive_strength_28d", "slump"}, Notes: "private"},
			"failing strength_28d result after the material was placed: out of spec compressive_strength_28d, slump"},
	} {
		if got := lateReason(c.in); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if got := lateReason(models.Inspection{Type: "incoming", OutOfSpec: long}); len(got) != models.MaxLine {
		t.Errorf("a reason naming 200 properties is %d bytes, want it cut at %d", len(got), models.MaxLine)
	}
}
