package store

import (
	"context"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/models"
)

// lookupFixture applies one event with two batches of a product (one with a
// lot number), a received and an in-transit shipment, a failing and a
// passing inspection, and three recalls.
func lookupFixture(t *testing.T, ctx context.Context, st *Store) {
	t.Helper()
	cs := NewChangeset()
	if err := cs.AddEvent(Event{Seq: 1, TxID: "tx1", Type: "Test", Time: time.Unix(0, 0), Batches: []string{"B2", "B1"}}); err != nil {
		t.Fatal(err)
	}
	cs.PutBatch(1, models.Batch{Code: "B1", ProductID: "p", LotNumber: "L-7", Producer: "maker", Owner: "maker", Custodian: "maker", Status: models.StatusOnHold})
	cs.PutBatch(1, models.Batch{Code: "B2", ProductID: "p", Producer: "maker", Owner: "site", Custodian: "site", Status: models.StatusAvailable})
	cs.PutBatch(1, models.Batch{Code: "B3", ProductID: "q", LotNumber: "L-7", Producer: "other", Status: models.StatusAvailable})
	cs.PutShipment(1, models.Shipment{Code: "S1", From: "maker", To: "site", Carrier: "truck", Status: models.ShipmentReceived,
		ReceivedAt: "2026-03-10T08:00:00.5Z", Lines: []models.ShipmentLine{{Line: 1, Source: "B2", Batch: "B2", Quantity: 1000}}})
	cs.PutShipment(1, models.Shipment{Code: "S2", From: "maker", To: "elsewhere", Carrier: "truck", Status: models.ShipmentReceived,
		ReceivedAt: "2026-03-01T08:00:00Z", Lines: []models.ShipmentLine{{Line: 1, Source: "B1", Batch: "B1.1", Quantity: 1000, ReturnBatch: "B1.2"}}})
	cs.PutInspection(1, models.Inspection{ID: "i1", BatchCode: "B1", Verdict: models.VerdictFail, Agency: "lab", InspectedAt: "2026-03-09T00:00:00Z"})
	cs.PutInspection(1, models.Inspection{ID: "i2", BatchCode: "B2", Verdict: models.VerdictPass, Agency: "lab", InspectedAt: "2026-03-09T00:00:00Z"})
	cs.PutInspection(1, models.Inspection{ID: "i3", BatchCode: "B3", Verdict: models.VerdictFail, Agency: "lab", InspectedAt: "2026-01-01T00:00:00Z"})
	for _, id := range []string{"r1", "r2", "r3"} {
		cs.PutRecall(1, models.Recall{ID: id, BatchCode: "B1", Reason: "x", Severity: "low", Affected: []string{"B1"}})
	}
	if _, err := st.Apply(ctx, cs); err != nil {
		t.Fatal(err)
	}
}

func TestTraceLookups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		ctx, st := openStore(t, dialect)
		lookupFixture(t, ctx, st)
		codes := func(bs []models.Batch) (out []string) {
			for _, b := range bs {
				out = append(out, b.Code)
			}
			return out
		}
		if bs, err := st.BatchesByLot(ctx, "p", "L-7"); err != nil || len(bs) != 1 || bs[0].Code != "B1" {
			t.Errorf("BatchesByLot(p, L-7) = %v, %v", codes(bs), err)
		}
		if bs, err := st.BatchesByLot(ctx, "p", "B2"); err != nil || len(bs) != 1 || bs[0].Code != "B2" {
			t.Errorf("BatchesByLot(p, B2) = %v, %v", codes(bs), err)
		}
		if bs, err := st.BatchesByLot(ctx, "p", "nope"); err != nil || len(bs) != 0 {
			t.Errorf("BatchesByLot(p, nope) = %v, %v", codes(bs), err)
		}
		for code, want := range map[string]string{"B1": "S2", "B1.2": "S2", "B2": "S1", "B9": ""} {
			sh, err := st.BatchShipments(ctx, code)
			got := ""
			for _, s := range sh {
				got += s.Code
			}
			if err != nil || got != want {
				t.Errorf("BatchShipments(%s) = %q, %v; want %q", code, got, err, want)
			}
		}
		if got, err := st.EventBatches(ctx, 1); err != nil || len(got) != 2 || got[0] != "B1" || got[1] != "B2" {
			t.Errorf("EventBatches(1) = %v, %v", got, err)
		}
		since := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
		if sh, err := st.ReceivedSince(ctx, "", since, 0); err != nil || len(sh) != 1 || sh[0].Code != "S1" {
			t.Errorf("ReceivedSince = %v, %v", sh, err)
		}
		if sh, err := st.ReceivedSince(ctx, "elsewhere", since.AddDate(0, 0, -30), 0); err != nil || len(sh) != 1 || sh[0].Code != "S2" {
			t.Errorf("ReceivedSince(elsewhere) = %v, %v", sh, err)
		}
		march := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		for org, want := range map[string]string{"": "i1", "maker": "i1", "lab": "i1", "site": ""} {
			ins, err := st.FailedInspectionsSince(ctx, org, march, 0)
			got := ""
			for _, in := range ins {
				got += in.ID
			}
			if err != nil || got != want {
				t.Errorf("FailedInspectionsSince(%q) = %q, %v; want %q", org, got, err, want)
			}
		}
		var all []string
		for after := ""; ; {
			p, err := st.RecallPage(ctx, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Items {
				all = append(all, r.ID)
				if len(r.Affected) != 1 {
					t.Errorf("recall %s affected %v", r.ID, r.Affected)
				}
			}
			if p.Next == "" {
				break
			}
			after = p.Next
		}
		if len(all) != 3 || all[0] != "r1" || all[2] != "r3" {
			t.Errorf("recall pages = %v", all)
		}
		if _, err := st.RecallPage(ctx, "junk", 2); err == nil {
			t.Error("RecallPage accepted a bad cursor")
		}
	})
}
