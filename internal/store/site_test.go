package store

import (
	"context"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/models"
)

// siteFixture applies two events: the first writes a contractor's stock
// on two sites (one batch depleted, one on hold, one pending inspection),
// usages at three locations and a failing inspection; the second puts
// another organization's batch on hold.
func siteFixture(t *testing.T, ctx context.Context, st *Store) {
	t.Helper()
	cs := NewChangeset()
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	if err := cs.AddEvent(Event{Seq: 1, TxID: "tx1", Type: "Test", Time: t0}); err != nil {
		t.Fatal(err)
	}
	b := func(code, site, product string, rem models.Decimal, st models.BatchStatus, insp models.InspectionState) {
		cs.PutBatch(1, models.Batch{Code: code, ProductID: product, Producer: "maker", Owner: "site-co", Custodian: "site-co", Site: site,
			Quantity: 10000, Remaining: rem, Unit: "t", Status: st, Inspection: insp})
	}
	b("A1", "tower", "cement", 2000, models.StatusAvailable, models.InspPassed)
	b("A2", "tower", "cement", 3000, models.StatusAvailable, models.InspPending)
	b("A3", "tower", "rebar", 1000, models.StatusOnHold, models.InspFailed)
	b("A4", "metro", "cement", 4000, models.StatusAvailable, models.InspNotRequired)
	b("A5", "tower", "cement", 0, models.StatusDepleted, models.InspPassed)
	b("A6", "tower", "cement", 0, models.StatusRecalled, models.InspPassed)
	cs.PutBatch(1, models.Batch{Code: "Z1", ProductID: "cement", Producer: "maker", Owner: "other", Custodian: "other", Remaining: 5, Status: models.StatusAvailable})
	for i, loc := range []models.Location{
		{Project: "P", Building: "T1", Floor: "3F", Element: "slab"},
		{Project: "P", Building: "T1", Floor: "4F", Element: "slab"},
		{Project: "P", Building: "T1", Floor: "3F", Element: "slab"},
	} {
		cs.PutUsage(1, models.Usage{ID: "u" + string(rune('1'+i)), BatchCode: "A1", Quantity: 1, Unit: "t", Location: loc, Contractor: "site-co"})
	}
	cs.PutUsage(1, models.Usage{ID: "u9", BatchCode: "Z1", Quantity: 1, Unit: "t", Location: models.Location{Project: "X", Building: "Y", Element: "Z"}, Contractor: "other"})
	cs.PutInspection(1, models.Inspection{ID: "i1", BatchCode: "A3", Verdict: models.VerdictFail, Agency: "lab", InspectedAt: "2026-02-27T10:00:00.5Z"})
	cs.PutInspection(1, models.Inspection{ID: "i0", BatchCode: "A3", Verdict: models.VerdictFail, Agency: "lab", InspectedAt: "2026-02-20T10:00:00Z"})
	if _, err := st.Apply(ctx, cs); err != nil {
		t.Fatal(err)
	}
	cs = NewChangeset()
	if err := cs.AddEvent(Event{Seq: 2, TxID: "tx2", Type: "Test", Time: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	cs.PutBatch(2, models.Batch{Code: "Z2", ProductID: "cement", Producer: "maker", Owner: "other", Custodian: "other", Remaining: 5, Status: models.StatusOnHold})
	if _, err := st.Apply(ctx, cs); err != nil {
		t.Fatal(err)
	}
}

func TestSiteQueries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		ctx, st := openStore(t, dialect)
		siteFixture(t, ctx, st)

		// Stock: every batch with something left, by site then code, paged.
		var got []string
		after := ""
		for range 5 {
			p, err := st.Stock(ctx, StockFilter{Custodian: "site-co", After: after, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range p.Items {
				got = append(got, b.Site+"/"+b.Code)
			}
			if after = p.Next; after == "" {
				break
			}
		}
		if want := "metro/A4 tower/A1 tower/A2 tower/A3"; siteJoin(got) != want {
			t.Errorf("Stock pages = %q, want %q", siteJoin(got), want)
		}
		p, err := st.Stock(ctx, StockFilter{Custodian: "site-co", Site: "tower", ProductID: "cement"})
		if err != nil || len(p.Items) != 2 || p.Next != "" {
			t.Errorf("Stock(tower, cement) = %d items, next %q, %v", len(p.Items), p.Next, err)
		}
		if _, err := st.Stock(ctx, StockFilter{Custodian: "site-co", After: "nonsense"}); err == nil {
			t.Error("a bad cursor is accepted")
		}
		if _, err := st.Stock(ctx, StockFilter{}); err == nil {
			t.Error("stock without a custodian is accepted")
		}

		sum, err := st.StockSummary(ctx, "site-co")
		if err != nil {
			t.Fatal(err)
		}
		want := []StockLine{
			{Site: "metro", ProductID: "cement", Unit: "t", Batches: 1, Remaining: 4000, Usable: 4000},
			{Site: "tower", ProductID: "cement", Unit: "t", Batches: 2, Remaining: 5000, Usable: 2000},
			{Site: "tower", ProductID: "rebar", Unit: "t", Batches: 1, Remaining: 1000, Usable: 0},
		}
		if len(sum) != len(want) {
			t.Fatalf("StockSummary = %+v", sum)
		}
		for i := range want {
			if sum[i] != want[i] {
				t.Errorf("StockSummary[%d] = %+v, want %+v", i, sum[i], want[i])
			}
		}

		locs, err := st.UsageLocations(ctx, "site-co", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(locs) != 2 || locs[0].Floor != "3F" || locs[1].Floor != "4F" {
			t.Errorf("UsageLocations = %+v, want 3F (latest) then 4F", locs)
		}

		// Holds: the contractor sees its own; everyone's for "".
		hp, err := st.OpenHolds(ctx, HoldFilter{Org: "site-co"})
		if err != nil {
			t.Fatal(err)
		}
		if len(hp.Items) != 1 || hp.Items[0].Batch.Code != "A3" {
			t.Fatalf("OpenHolds(site-co) = %+v", hp.Items)
		}
		if want := time.Date(2026, 2, 27, 10, 0, 0, 5e8, time.UTC); !hp.Items[0].Since.Equal(want) {
			t.Errorf("A3 on hold since %v, want the latest failing inspection %v", hp.Items[0].Since, want)
		}
		var all []string
		after = ""
		for range 5 {
			hp, err = st.OpenHolds(ctx, HoldFilter{After: after, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hp.Items {
				all = append(all, h.Batch.Code)
				if h.Batch.Code == "Z2" && !h.Since.Equal(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)) {
					t.Errorf("Z2 on hold since %v, want its event's time", h.Since)
				}
			}
			if after = hp.Next; after == "" {
				break
			}
		}
		if siteJoin(all) != "Z2 A3" {
			t.Errorf("OpenHolds pages = %q, want Z2 A3", siteJoin(all))
		}
	})
}

func siteJoin(xs []string) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += " "
		}
		s += x
	}
	return s
}
