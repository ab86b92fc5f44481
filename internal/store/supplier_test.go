package store

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/models"
)

func TestOrgLists(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		ctx, st := openStore(t, dialect)
		cs := NewChangeset()
		if err := cs.AddEvent(Event{Seq: 1, TxID: "tx1", Type: "Test", Time: time.Unix(0, 0)}); err != nil {
			t.Fatal(err)
		}
		put := func(code, producer, owner, custodian, product string) {
			cs.PutBatch(1, models.Batch{Code: code, ProductID: product, Producer: producer, Owner: owner, Custodian: custodian, Status: models.StatusAvailable, Quantity: 1000, Remaining: 1000})
		}
		put("A-1", "a", "a", "a", "p1")
		put("A-2", "a", "c", "c", "p1")       // sold to c
		put("A_3", "a", "a", "carrier", "p2") // in transit
		put("B-1", "b", "b", "b", "p3")
		put("B-2", "b", "c", "carrier", "p3")
		put("X%1", "x", "x", "x", "p1")
		for i, s := range []models.Shipment{
			{Code: "S1", From: "a", To: "c", Carrier: "carrier", Status: models.ShipmentInTransit},
			{Code: "S2", From: "b", To: "c", Carrier: "carrier", Status: models.ShipmentReceived},
			{Code: "S3", From: "c", To: "a", Carrier: "carrier", Status: models.ShipmentInTransit},
			{Code: "S4", From: "x", To: "y", Carrier: "carrier", Status: models.ShipmentInTransit},
		} {
			s.Lines = []models.ShipmentLine{{Line: 1, Source: fmt.Sprint("B", i), Batch: fmt.Sprint("B", i), Quantity: 1000}}
			cs.PutShipment(1, s)
		}
		for _, po := range []models.PurchaseOrder{
			{ID: "PO-1", Buyer: "c", Supplier: "a", Status: "open"},
			{ID: "PO-2", Buyer: "c", Supplier: "b", Status: "open"},
			{ID: "PO-3", Buyer: "a", Supplier: "b", Status: "fulfilled"},
		} {
			po.Lines = []models.POLine{{Line: 1, ProductID: "p1", Quantity: 1000, Unit: "t"}}
			cs.PutPurchaseOrder(1, po)
		}
		if _, err := st.Apply(ctx, cs); err != nil {
			t.Fatal(err)
		}

		codes := func(f OrgBatchFilter) string {
			t.Helper()
			var out []string
			for {
				p, err := st.OrgBatches(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range p.Items {
					out = append(out, b.Code)
				}
				if p.Next == "" {
					return strings.Join(out, " ")
				}
				f.After = p.Next
			}
		}
		for _, c := range []struct {
			f    OrgBatchFilter
			want string
		}{
			{OrgBatchFilter{Org: "a"}, "A-1 A-2 A_3"},
			{OrgBatchFilter{Org: "a", Limit: 1}, "A-1 A-2 A_3"},
			{OrgBatchFilter{Org: "c"}, "A-2 B-2"},
			{OrgBatchFilter{Org: "carrier"}, "A_3 B-2"},
			{OrgBatchFilter{Org: "a", ProductID: "p2"}, "A_3"},
			{OrgBatchFilter{Org: "a", Search: "a-"}, "A-1 A-2"},
			{OrgBatchFilter{Org: "a", Search: "_"}, "A_3"}, // a literal underscore, not a wildcard
			{OrgBatchFilter{Org: "x", Search: "%"}, "X%1"},
			{OrgBatchFilter{Org: "b", Status: models.StatusOnHold}, ""},
		} {
			if got := codes(c.f); got != c.want {
				t.Errorf("%+v: got %q, want %q", c.f, got, c.want)
			}
		}
		if _, err := st.OrgBatches(ctx, OrgBatchFilter{}); err == nil {
			t.Error("OrgBatches without an org: no error")
		}

		ships := func(f OrgShipmentFilter) string {
			t.Helper()
			var out []string
			for {
				p, err := st.OrgShipments(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range p.Items {
					if len(s.Lines) != 1 {
						t.Errorf("shipment %s: %d lines", s.Code, len(s.Lines))
					}
					out = append(out, s.Code)
				}
				if p.Next == "" {
					return strings.Join(out, " ")
				}
				f.After = p.Next
			}
		}
		for _, c := range []struct {
			f    OrgShipmentFilter
			want string
		}{
			{OrgShipmentFilter{Org: "a"}, "S3 S1"},
			{OrgShipmentFilter{Org: "c", Limit: 1}, "S3 S2 S1"},
			{OrgShipmentFilter{Org: "c", Direction: DirIncoming}, "S2 S1"},
			{OrgShipmentFilter{Org: "c", Direction: DirOutgoing}, "S3"},
			{OrgShipmentFilter{Org: "carrier", Direction: DirCarried, Status: models.ShipmentInTransit}, "S4 S3 S1"},
		} {
			if got := ships(c.f); got != c.want {
				t.Errorf("%+v: got %q, want %q", c.f, got, c.want)
			}
		}
		if _, err := st.OrgShipments(ctx, OrgShipmentFilter{Org: "a", Direction: "sideways"}); err == nil {
			t.Error("unknown direction: no error")
		}
		if _, err := st.OrgShipments(ctx, OrgShipmentFilter{Org: "a", After: "x"}); err == nil {
			t.Error("bad cursor: no error")
		}

		var got []string
		after := ""
		for {
			p, err := st.OrgPurchaseOrders(ctx, "b", "", after, 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, po := range p.Items {
				got = append(got, po.ID+"/"+fmt.Sprint(len(po.Lines)))
			}
			if after = p.Next; after == "" {
				break
			}
		}
		if strings.Join(got, " ") != "PO-3/1 PO-2/1" {
			t.Errorf("purchase orders of b: %v", got)
		}
		p, err := st.OrgPurchaseOrders(ctx, "c", "open", "", 0)
		if err != nil || len(p.Items) != 2 {
			t.Errorf("open purchase orders of c: %+v %v", p, err)
		}
	})
}
