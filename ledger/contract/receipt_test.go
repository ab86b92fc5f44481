package contract

import (
	"testing"

	"github.com/plumbline/plumbline/models"
)

func TestReceiveShipment(t *testing.T) {
	// Steelco ships 20 of RB-1 (split off as RB-1.1) and all 10 of RB-2 to
	// buildco at tower-b against PO-1, which orders 25 on line 1.
	base := func(f *fx) {
		f.commission("RB-1", rebar, "50")
		f.commission("RB-2", rebar, "10")
		f.ok(buildco, operator, "CreatePurchaseOrder", CreatePurchaseOrderArgs{ID: "PO-1", Supplier: steelco,
			Lines: []OrderLine{{Line: 1, ProductID: rebar, Quantity: dec("25")}, {Line: 2, ProductID: rebar16, Quantity: dec("5")}}})
		f.ok(steelco, operator, "DispatchShipment", dispatch("SH-1", buildco, "tower-b",
			DispatchLine{Batch: "RB-1", Quantity: dec("20"), POID: "PO-1", POLine: 1},
			DispatchLine{Batch: "RB-2", Quantity: dec("10"), POID: "PO-1", POLine: 1}))
	}
	recv := func(lines ...ReceiptLine) ReceiveShipmentArgs {
		return ReceiveShipmentArgs{Shipment: "SH-1", Lines: lines}
	}
	rl := func(n int, acc, rej, reason string) ReceiptLine {
		return ReceiptLine{Line: n, Accepted: dec(acc), Rejected: dec(rej), Reason: reason}
	}
	po := func(f *fx) models.PurchaseOrder {
		var p models.PurchaseOrder
		f.load(models.PrefixPO, "PO-1", &p)
		return p
	}
	runRules(t, []rule{
		{name: "all accepted: custody and ownership move", setup: base, org: buildco, role: operator, typ: "ReceiveShipment",
			args: recv(rl(2, "10", "0", ""), rl(1, "20", "0", "")),
			check: func(t *testing.T, f *fx) {
				for _, code := range []string{"RB-1.1", "RB-2"} {
					b := f.batch(code)
					if b.Custodian != buildco || b.Owner != buildco || b.Site != "tower-b" || b.Status != models.StatusAvailable || b.Shipment != "" {
						t.Errorf("batch %+v", b)
					}
				}
				var sh models.Shipment
				f.load(models.PrefixShipment, "SH-1", &sh)
				if sh.Status != models.ShipmentReceived || sh.ReceiptTxID == "" || sh.ReceivedAt == "" || sh.Discrepancy {
					t.Errorf("shipment %+v", sh)
				}
				// 30 accepted against 25 ordered: flagged, not refused.
				if p := po(f); !p.Lines[0].OverDelivered || p.Lines[0].Accepted != dec("30") || p.Status != POOverDelivered {
					t.Errorf("po %+v", p)
				}
			}},
		{name: "partial rejection splits the rejected part back", setup: base, org: buildco, role: operator, typ: "ReceiveShipment",
			args: recv(rl(1, "15", "5", "bent bars"), rl(2, "0", "10", "wrong diameter")),
			check: func(t *testing.T, f *fx) {
				acc, back, whole := f.batch("RB-1.1"), f.batch("RB-1.1.1"), f.batch("RB-2")
				if acc.Remaining != dec("15") || acc.Owner != buildco || acc.Custodian != buildco || acc.Status != models.StatusAvailable {
					t.Errorf("accepted %+v", acc)
				}
				if back.Remaining != dec("5") || back.Owner != steelco || back.Custodian != steelco || back.Status != models.StatusRejected ||
					back.Parents[0].Code != "RB-1.1" {
					t.Errorf("returned %+v", back)
				}
				if whole.Custodian != steelco || whole.Owner != steelco || whole.Status != models.StatusRejected || whole.Remaining != dec("10") {
					t.Errorf("rejected whole %+v", whole)
				}
				var sh models.Shipment
				f.load(models.PrefixShipment, "SH-1", &sh)
				if !sh.Discrepancy || sh.Lines[0].ReturnBatch != "RB-1.1.1" || sh.Lines[1].ReturnBatch != "" || sh.Lines[0].Reason != "bent bars" {
					t.Errorf("shipment %+v", sh)
				}
				if p := po(f); p.Lines[0].Accepted != dec("15") || p.Status != POOpen || p.Lines[0].OverDelivered {
					t.Errorf("po %+v", p)
				}
			}},
		{name: "fulfilled when every line is accepted in full", setup: func(f *fx) {
			f.commission("RB-1", rebar, "50")
			f.commission("RB-3", rebar16, "5")
			f.ok(buildco, operator, "CreatePurchaseOrder", CreatePurchaseOrderArgs{ID: "PO-1", Supplier: steelco,
				Lines: []OrderLine{{Line: 1, ProductID: rebar, Quantity: dec("25")}, {Line: 2, ProductID: rebar16, Quantity: dec("5")}}})
			f.ok(steelco, operator, "DispatchShipment", dispatch("SH-1", buildco, "tower-b",
				DispatchLine{Batch: "RB-1", Quantity: dec("25"), POID: "PO-1", POLine: 1},
				DispatchLine{Batch: "RB-3", Quantity: dec("5"), POID: "PO-1", POLine: 2}))
		}, org: buildco, role: operator, typ: "ReceiveShipment", args: recv(rl(1, "25", "0", ""), rl(2, "5", "0", "")),
			check: func(t *testing.T, f *fx) {
				if p := po(f); p.Status != POFulfilled {
					t.Errorf("po status %s", p.Status)
				}
			}},
		{name: "only the destination may receive", setup: base, org: otherco, role: operator, typ: "ReceiveShipment",
			args: recv(rl(1, "20", "0", ""), rl(2, "10", "0", "")), kind: models.ErrForbidden, field: "shipment", msg: "only the destination"},
		{name: "viewer may not receive", setup: base, org: buildco, role: viewer, typ: "ReceiveShipment",
			args: recv(rl(1, "20", "0", ""), rl(2, "10", "0", "")), kind: models.ErrForbidden, msg: "viewer role"},
		{name: "received twice", setup: func(f *fx) { base(f); f.receiveAll("SH-1") }, org: buildco, role: operator, typ: "ReceiveShipment",
			args: recv(rl(1, "20", "0", ""), rl(2, "10", "0", "")), kind: models.ErrConflict, field: "shipment", msg: "not in transit"},
		{name: "unknown shipment", setup: base, org: buildco, role: operator, typ: "ReceiveShipment",
			args: ReceiveShipmentArgs{Shipment: "SH-9", Lines: []ReceiptLine{rl(1, "1", "0", "")}}, kind: models.ErrNotFound, field: "shipment"},
		{name: "a line unanswered", setup: base, org: buildco, role: operator, typ: "ReceiveShipment",
			args: recv(rl(1, "20", "0", "")), kind: models.ErrInvalid, field: "lines", msg: "line 2 (batch RB-2) is not answered"},
		{name: "a line answered twice", setup: base, org: buildco, role: operator, typ: "ReceiveShipment",
			args: recv(rl(1, "20", "0", ""), rl(1, "20", "0", "")), kind: models.ErrInvalid, field: "lines[1].line", msg: "answered twice"},
		{name: "no such line", setup: base, org: buildco, role: operator, typ: "ReceiveShipment",
			args: recv(rl(1, "20", "0", ""), rl(2, "10", "0", ""), rl(3, "1", "0", "")), kind: models.ErrNotFound, field: "lines[2].line"},
		{name: "accepted + rejected must equal dispatched", setup: base, org: buildco, role: operator, typ: "ReceiveShipment",
			args: recv(rl(1, "19", "0", ""), rl(2, "10", "0", "")), kind: models.ErrInvalid, field: "lines[0]", msg: "must equal the 20 dispatched"},
		{name: "more than dispatched", setup: base, org: buildco, role: operator, typ: "ReceiveShipment",
			args: recv(rl(1, "20", "1", "extra"), rl(2, "10", "0", "")), kind: models.ErrInvalid, field: "lines[0]"},
		{name: "reason required for rejection", setup: base, org: buildco, role: operator, typ: "ReceiveShipment",
			args: recv(rl(1, "20", "0", ""), rl(2, "5", "5", " ")), kind: models.ErrInvalid, field: "lines[1].reason", msg: "say why 5 was rejected"},
		{name: "negative accepted", setup: base, org: buildco, role: operator, typ: "ReceiveShipment",
			args: recv(rl(1, "-1", "21", "x"), rl(2, "10", "0", "")), kind: models.ErrInvalid, field: "lines[0].accepted"},
		{name: "recalled in transit stays recalled", setup: func(f *fx) {
			base(f)
			f.ok(gov, admin, "RecallBatch", RecallBatchArgs{Batch: "RB-2", Reason: "mill fraud", Severity: SeverityCritical})
		}, org: buildco, role: operator, typ: "ReceiveShipment", args: recv(rl(1, "20", "0", ""), rl(2, "6", "4", "rusty")),
			check: func(t *testing.T, f *fx) {
				if b := f.batch("RB-2"); b.Status != models.StatusRecalled || b.Custodian != buildco {
					t.Errorf("accepted part %+v", b)
				}
				if b := f.batch("RB-2.1"); b.Status != models.StatusRecalled || b.Custodian != steelco {
					t.Errorf("returned part %+v", b)
				}
			}},
	})
}
