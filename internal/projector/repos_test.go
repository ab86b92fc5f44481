package projector

import (
	"errors"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

func codes(bs []models.Batch) string {
	s := make([]string, len(bs))
	for i, b := range bs {
		s[i] = b.Code
	}
	return strings.Join(s, " ")
}

// TestRepositories reads the projected fixture through every repository.
func TestRepositories(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		e.applyDirect(e.c.events, 100)
		ctx, st := e.ctx, e.st

		// Batch lists: filters and both cursors walk every match exactly once.
		p, err := st.Batches(ctx, store.BatchFilter{ProductID: rebar})
		if err != nil || codes(p.Items) != "BAR-1 BAR-2 COIL-1 COIL-2 HEAT-1" || p.Next != "" {
			t.Fatalf("rebar batches: %q next %q %v", codes(p.Items), p.Next, err)
		}
		p, _ = st.Batches(ctx, store.BatchFilter{Custodian: buildco, Status: models.StatusAvailable})
		if got := codes(p.Items); got != "CON-1" {
			t.Errorf("available at buildco: %q", got)
		}
		p, _ = st.Batches(ctx, store.BatchFilter{Inspection: models.InspPending, Status: models.StatusAvailable})
		if got := codes(p.Items); got != "CEM-1 CON-2" {
			t.Errorf("waiting at a hold point: %q", got)
		}
		p, _ = st.Batches(ctx, store.BatchFilter{Site: "tower-a"})
		if got := codes(p.Items); got != "BAR-1 BAR-2 COIL-1 CON-1" {
			t.Errorf("at tower-a: %q", got)
		}
		for _, order := range []store.BatchOrder{store.ByCode, store.ByRecent} {
			var all []string
			f := store.BatchFilter{Order: order, Limit: 3}
			for pages := 0; ; pages++ {
				p, err := st.Batches(ctx, f)
				if err != nil || pages > 10 {
					t.Fatalf("page %d: %v", pages, err)
				}
				all = append(all, codes(p.Items))
				if p.Next == "" {
					break
				}
				f.After = p.Next
			}
			got := strings.Fields(strings.Join(all, " "))
			if len(got) != 12 {
				t.Errorf("order %d: paged through %d batches %v, want 12", order, len(got), got)
			}
			seen := map[string]bool{}
			for _, c := range got {
				if seen[c] {
					t.Errorf("order %d: %s twice", order, c)
				}
				seen[c] = true
			}
		}
		if _, err := st.Batches(ctx, store.BatchFilter{Order: store.ByRecent, After: "junk"}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("bad cursor: %v", err)
		}
		if _, err := st.Batch(ctx, "NOPE"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("Batch(NOPE): %v", err)
		}

		// Timeline of the concrete: made, shipped, received, inspected, used, and
		// the correction of its usage.
		tl, err := st.Timeline(ctx, "CON-1", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for i, ev := range tl {
			types = append(types, ev.Type)
			if i > 0 && ev.Seq <= tl[i-1].Seq {
				t.Errorf("timeline out of order at %d", i)
			}
		}
		if got := strings.Join(types, " "); got != "TransformBatches DispatchShipment ReceiveShipment RecordInspection RecordUsage CorrectEntry" {
			t.Errorf("timeline of CON-1: %s", got)
		}
		if tl[0].TxID == "" || tl[0].Org != mixco || len(tl[0].Args) == 0 || tl[0].Time.IsZero() {
			t.Errorf("timeline event: %+v", tl[0])
		}
		if _, err := st.Timeline(ctx, "NOPE", 0, 0); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("Timeline(NOPE): %v", err)
		}
		ev, err := st.Event(ctx, tl[0].Seq)
		if err != nil || ev.TxID != tl[0].TxID || !ev.Time.Equal(tl[0].Time) {
			t.Errorf("Event(%d) = %+v, %v", tl[0].Seq, ev, err)
		}

		sp, err := st.Shipments(ctx, store.ShipmentFilter{To: buildco})
		if err != nil || len(sp.Items) != 2 || sp.Items[0].Code != "SH-4" || len(sp.Items[0].Lines) != 1 {
			t.Fatalf("shipments to buildco: %+v %v", sp, err)
		}
		if l := sp.Items[0].Lines[0]; l.Rejected != dec("5") || l.ReturnBatch != "CON-1.1" || !sp.Items[0].Discrepancy {
			t.Errorf("SH-4 line: %+v", l)
		}
		sp, _ = st.Shipments(ctx, store.ShipmentFilter{Status: models.ShipmentReceived, Limit: 1})
		sp2, _ := st.Shipments(ctx, store.ShipmentFilter{Status: models.ShipmentReceived, Limit: 10, After: sp.Next})
		if len(sp.Items) != 1 || len(sp2.Items) != 3 {
			t.Errorf("received shipments paged: %d then %d", len(sp.Items), len(sp2.Items))
		}

		ins, err := st.Inspections(ctx, "CON-1")
		if err != nil || len(ins) != 1 || ins[0].Verdict != models.VerdictPass || len(ins[0].Results) != 1 ||
			ins[0].Results[0].Min == nil || *ins[0].Results[0].Min != dec("160") {
			t.Errorf("inspections of CON-1: %+v %v", ins, err)
		}
		us, err := st.Usages(ctx, "CON-1")
		if err != nil || len(us) != 1 || us[0].Location.Element != "slab S2" || us[0].Location.Project != "Riverside" {
			t.Errorf("usages of CON-1: %+v %v", us, err)
		}
		if u, err := st.Usage(ctx, us[0].ID); err != nil || u.BatchCode != "CON-1" {
			t.Errorf("Usage: %+v %v", u, err)
		}
		cs, err := st.Corrections(ctx, "usage", us[0].ID)
		if err != nil || len(cs) != 1 || cs[0].OldValue != "slab" || cs[0].NewValue != "slab S2" {
			t.Errorf("corrections: %+v %v", cs, err)
		}

		holds, err := st.Holds(ctx, "", 0)
		if err != nil || codes(holds) != "AGG-1" || !strings.Contains(holds[0].HoldReason, "clay") {
			t.Errorf("holds: %q %v", codes(holds), err)
		}
		rcs, err := st.Recalls(ctx, 0)
		if err != nil || len(rcs) != 1 || strings.Join(rcs[0].Affected, " ") != "HEAT-1 COIL-1 BAR-1 BAR-2 COIL-2" {
			t.Fatalf("recalls: %+v %v", rcs, err)
		}
		if of, err := st.RecallsOf(ctx, "BAR-2"); err != nil || len(of) != 1 || of[0].ID != rcs[0].ID {
			t.Errorf("recalls of BAR-2: %+v %v", of, err)
		}
		if of, _ := st.RecallsOf(ctx, "CON-1"); len(of) != 0 {
			t.Errorf("recalls of CON-1: %+v", of)
		}
		if r, err := st.Recall(ctx, rcs[0].ID); err != nil || r.Severity != "high" {
			t.Errorf("Recall: %+v %v", r, err)
		}

		docs, err := st.Documents(ctx, "CEM-1.1") // inherited from CEM-1 by the split
		if err != nil || len(docs) != 1 || docs[0].SHA256 != certHash || docs[0].BatchCode != "CEM-1" {
			t.Errorf("documents of CEM-1.1: %+v %v", docs, err)
		}
		if d, err := st.Document(ctx, certHash); err != nil || d.Name != "cert.pdf" {
			t.Errorf("Document: %+v %v", d, err)
		}

		prods, err := st.Products(ctx, "")
		if err != nil || len(prods) != 4 || prods[0].ID != agg {
			t.Errorf("products: %+v %v", prods, err)
		}
		if p, err := st.ProductByGTIN(ctx, "06901234567892"); err != nil || p.ID != cement || len(p.SpecLimits) != 1 {
			t.Errorf("product by GTIN: %+v %v", p, err)
		}
		orgs, err := st.Organizations(ctx, models.KindManufacturer)
		if err != nil || len(orgs) != 4 || orgs[0].ID != cemco {
			t.Errorf("manufacturers: %+v %v", orgs, err)
		}
		if o, err := st.Organization(ctx, buildco); err != nil || strings.Join(o.Sites, ",") != "tower-a,tower-b" {
			t.Errorf("Organization: %+v %v", o, err)
		}
		po, err := st.PurchaseOrder(ctx, "PO-1")
		if err != nil || len(po.Lines) != 1 || po.Lines[0].Accepted != dec("20") {
			t.Errorf("PO-1: %+v %v", po, err)
		}
		if pos, err := st.PurchaseOrders(ctx, buildco, "", 0); err != nil || len(pos) != 1 {
			t.Errorf("purchase orders of buildco: %+v %v", pos, err)
		}
		for _, err := range []error{
			func() error { _, err := st.Shipment(ctx, "NOPE"); return err }(),
			func() error { _, err := st.Inspection(ctx, "NOPE"); return err }(),
			func() error { _, err := st.Recall(ctx, "NOPE"); return err }(),
			func() error { _, err := st.Product(ctx, "NOPE"); return err }(),
			func() error { _, err := st.Organization(ctx, "NOPE"); return err }(),
			func() error { _, err := st.PurchaseOrder(ctx, "NOPE"); return err }(),
			func() error { _, err := st.Document(ctx, "NOPE"); return err }(),
			func() error { _, err := st.Event(ctx, 9999); return err }(),
		} {
			if !errors.Is(err, models.ErrNotFound) {
				t.Errorf("lookup of a missing record: %v, want ErrNotFound", err)
			}
		}
	})
}
