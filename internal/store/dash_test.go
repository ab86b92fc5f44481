package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/models"
)

// dashFixture writes a small scripted history over two weeks (Monday 2
// and Monday 9 March 2026): three suppliers, orders with and without due
// dates, received, late, in-transit and too-early shipments, inspections
// and two holds.
func dashFixture(t *testing.T, ctx context.Context, st *Store) {
	t.Helper()
	d := models.DecimalFromInt
	cs := NewChangeset()
	if err := cs.AddEvent(Event{Seq: 1, TxID: "tx1", Type: "Test", Time: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	b := func(code, product, producer, unit, custodian string, status models.BatchStatus) {
		cs.PutBatch(1, models.Batch{Code: code, ProductID: product, Producer: producer, Owner: custodian, Custodian: custodian,
			Quantity: d(100), Remaining: d(50), Unit: unit, Status: status})
	}
	b("C1", "cement", "cem", "t", "site-co", models.StatusAvailable)
	b("C2", "cement", "cem", "t", "site-co", models.StatusOnHold)
	b("R1", "rebar", "steel", "t", "site-co", models.StatusAvailable)
	b("M1", "concrete", "mix", "m3", "other", models.StatusAvailable)
	po := func(id, buyer, supplier, due string) {
		cs.PutPurchaseOrder(1, models.PurchaseOrder{ID: id, Buyer: buyer, Supplier: supplier, Status: "open", DeliverBy: due,
			Lines: []models.POLine{{Line: 1, ProductID: "p", Quantity: d(100), Unit: "t"}}})
	}
	po("PO1", "site-co", "cem", "2026-03-04")
	po("PO2", "site-co", "steel", "2026-03-05")
	po("PO3", "other", "mix", "")
	type line struct {
		batch    string
		qty, acc int64
		po       string
	}
	ship := func(code, from, to, carrier, status, received string, ls ...line) {
		s := models.Shipment{Code: code, From: from, To: to, Carrier: carrier, Status: status, DispatchedAt: "2026-03-01T00:00:00Z", ReceivedAt: received}
		for i, l := range ls {
			s.Lines = append(s.Lines, models.ShipmentLine{Line: i + 1, Source: l.batch, Batch: l.batch, Quantity: d(l.qty), Accepted: d(l.acc), POID: l.po, POLine: 1})
		}
		cs.PutShipment(1, s)
	}
	rcv := models.ShipmentReceived
	ship("S1", "cem", "site-co", "haul", rcv, "2026-03-03T09:00:00Z", line{"C1", 10, 10, "PO1"}, line{"C2", 5, 4, "PO1"})
	ship("S2", "cem", "site-co", "haul", rcv, "2026-03-06T10:00:00Z", line{"C2", 3, 3, "PO1"})    // 2 days late
	ship("S3", "steel", "site-co", "haul", rcv, "2026-03-10T08:00:00Z", line{"R1", 7, 7, "PO2"})  // 5 days late
	ship("S4", "mix", "other", "haul2", rcv, "2026-03-09T23:59:59.5Z", line{"M1", 20, 20, "PO3"}) // no due date
	ship("S5", "cem", "site-co", "haul", models.ShipmentInTransit, "", line{"C1", 1, 0, "PO1"})
	ship("S6", "cem", "site-co", "haul", rcv, "2026-02-27T09:00:00Z", line{"C1", 2, 2, "PO1"}) // before the window
	insp := func(id, batch string, v models.Verdict, agency, at string) {
		cs.PutInspection(1, models.Inspection{ID: id, BatchCode: batch, Verdict: v, Agency: agency, InspectedAt: at})
	}
	insp("i1", "C1", models.VerdictPass, "lab", "2026-03-03T10:00:00Z")
	insp("i2", "C2", models.VerdictFail, "lab", "2026-03-04T10:00:00Z")
	insp("i3", "R1", models.VerdictFail, "lab", "2026-03-10T10:00:00Z")
	insp("i4", "R1", models.VerdictPass, "lab", "2026-03-11T10:00:00Z")
	insp("i5", "M1", models.VerdictConditional, "lab2", "2026-03-10T10:00:00Z")
	insp("i0", "C1", models.VerdictFail, "lab", "2026-02-20T10:00:00Z") // before the window
	if _, err := st.Apply(ctx, cs); err != nil {
		t.Fatal(err)
	}
	cs = NewChangeset()
	if err := cs.AddEvent(Event{Seq: 2, TxID: "tx2", Type: "Test", Time: time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	cs.PutBatch(2, models.Batch{Code: "H1", ProductID: "cement", Producer: "cem", Owner: "other", Custodian: "other", Unit: "t", Status: models.StatusOnHold, HoldReason: "sampling"})
	if _, err := st.Apply(ctx, cs); err != nil {
		t.Fatal(err)
	}
}

func TestDashboardAggregates(t *testing.T) {
	from, to := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)
	d := models.DecimalFromInt
	uq := func(unit string, n int, q int64) []UnitQuantity {
		return []UnitQuantity{{Unit: unit, Shipments: n, Quantity: d(q)}}
	}
	dbtest.Each(t, func(t *testing.T, dialect string) {
		ctx, st := openStore(t, dialect)
		dashFixture(t, ctx, st)
		for _, tc := range []struct {
			name, org, by string
			want          []DeliveryWeek
		}{
			{"by supplier", "", BySupplier, []DeliveryWeek{
				{Week: "2026-03-02", Key: "cem", Shipments: 2, Quantities: uq("t", 2, 17)},
				{Week: "2026-03-09", Key: "mix", Shipments: 1, Quantities: uq("m3", 1, 20)},
				{Week: "2026-03-09", Key: "steel", Shipments: 1, Quantities: uq("t", 1, 7)},
			}},
			{"by product", "", ByProduct, []DeliveryWeek{
				{Week: "2026-03-02", Key: "cement", Shipments: 2, Quantities: uq("t", 2, 17)},
				{Week: "2026-03-09", Key: "concrete", Shipments: 1, Quantities: uq("m3", 1, 20)},
				{Week: "2026-03-09", Key: "rebar", Shipments: 1, Quantities: uq("t", 1, 7)},
			}},
			{"receiver's own", "other", BySupplier, []DeliveryWeek{{Week: "2026-03-09", Key: "mix", Shipments: 1, Quantities: uq("m3", 1, 20)}}},
			{"carrier's own", "haul2", ByProduct, []DeliveryWeek{{Week: "2026-03-09", Key: "concrete", Shipments: 1, Quantities: uq("m3", 1, 20)}}},
			{"uninvolved", "lab", BySupplier, []DeliveryWeek{}},
		} {
			t.Run("deliveries "+tc.name, func(t *testing.T) {
				got, err := st.Deliveries(ctx, tc.org, from, to, tc.by)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("got  %+v\nwant %+v", got, tc.want)
				}
			})
		}
		if _, err := st.Deliveries(ctx, "", from, to, "colour"); err == nil {
			t.Error("a bad grouping was accepted")
		}

		for _, tc := range []struct {
			org  string
			asOf time.Time
			want []OnTime
		}{
			// Both dated orders are open with nothing accepted: overdue
			// once their due date has passed, not on the day itself.
			{"", to, []OnTime{{Supplier: "cem", Lines: 3, OnTime: 2, LateDays: 2, Overdue: 1}, {Supplier: "steel", Lines: 1, OnTime: 0, LateDays: 5, Overdue: 1}}},
			{"", time.Date(2026, 3, 5, 23, 0, 0, 0, time.UTC), []OnTime{{Supplier: "cem", Lines: 3, OnTime: 2, LateDays: 2, Overdue: 1}, {Supplier: "steel", Lines: 1, OnTime: 0, LateDays: 5}}},
			{"steel", to, []OnTime{{Supplier: "steel", Lines: 1, OnTime: 0, LateDays: 5, Overdue: 1}}},
			{"other", to, []OnTime{}},
		} {
			got, err := st.OnTimeBySupplier(ctx, tc.org, from, to, tc.asOf)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("on time for %q: got %+v, want %+v", tc.org, got, tc.want)
			}
		}

		for _, tc := range []struct {
			org, by string
			want    []InspectionRate
		}{
			{"", ByProduct, []InspectionRate{{"cement", 2, 1}, {"concrete", 1, 0}, {"rebar", 2, 1}}},
			{"", BySupplier, []InspectionRate{{"cem", 2, 1}, {"mix", 1, 0}, {"steel", 2, 1}}},
			{"site-co", ByProduct, []InspectionRate{{"cement", 2, 1}, {"rebar", 2, 1}}},
			{"lab2", BySupplier, []InspectionRate{{"mix", 1, 0}}},
		} {
			got, err := st.InspectionRates(ctx, tc.org, from, to, tc.by)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("inspection rates for %q by %s: got %+v, want %+v", tc.org, tc.by, got, tc.want)
			}
		}

		holds, err := st.HoldAges(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		want := []HoldAge{
			{Code: "C2", ProductID: "cement", Custodian: "site-co", Since: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)},
			{Code: "H1", ProductID: "cement", Custodian: "other", Reason: "sampling", Since: time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)},
		}
		if !reflect.DeepEqual(holds, want) {
			t.Errorf("holds: got %+v\nwant %+v", holds, want)
		}
		if holds, err = st.HoldAges(ctx, "other"); err != nil || len(holds) != 1 || holds[0].Code != "H1" {
			t.Errorf("the other organization's holds: %+v, %v", holds, err)
		}
	})
}

func TestWeekStart(t *testing.T) {
	for in, want := range map[string]string{
		"2026-03-02T00:00:00Z": "2026-03-02", // a Monday
		"2026-03-08T23:59:59Z": "2026-03-02", // Sunday
		"2026-03-09T00:00:00Z": "2026-03-09",
		"2026-01-01T12:00:00Z": "2025-12-29", // across a year
	} {
		at, _ := time.Parse(time.RFC3339, in)
		if got := WeekStart(at).Format(models.DateLayout); got != want {
			t.Errorf("WeekStart(%s) = %s, want %s", in, got, want)
		}
	}
}
