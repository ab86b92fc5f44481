package contract

import (
	"testing"

	"github.com/plumbline/plumbline/models"
)

func dispatch(code, to, site string, lines ...DispatchLine) DispatchShipmentArgs {
	return DispatchShipmentArgs{Code: code, To: to, Site: site, Carrier: haul, Vehicle: "TRK-9", Lines: lines}
}

func line(batch, qty string) DispatchLine { return DispatchLine{Batch: batch, Quantity: dec(qty)} }

func TestDispatchShipment(t *testing.T) {
	base := func(f *fx) {
		f.commission("RB-1", rebar, "50")
		f.commission("RB-2", rebar, "10")
	}
	withPO := func(f *fx) {
		base(f)
		f.ok(buildco, operator, "CreatePurchaseOrder", CreatePurchaseOrderArgs{ID: "PO-1", Supplier: steelco,
			Lines: []OrderLine{{Line: 1, ProductID: rebar, Quantity: dec("30")}, {Line: 2, ProductID: rebar16, Quantity: dec("5")}}})
	}
	poLine := func(batch, qty string, po string, n int) DispatchLine {
		return DispatchLine{Batch: batch, Quantity: dec(qty), POID: po, POLine: n}
	}
	runRules(t, []rule{
		{name: "whole batch travels with the carrier", setup: base, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-a", line("RB-2", "10")),
			check: func(t *testing.T, f *fx) {
				b := f.batch("RB-2")
				if b.Custodian != haul || b.Owner != steelco || b.Status != models.StatusInTransit || b.Shipment != "SH-1" || b.Remaining != dec("10") {
					t.Errorf("batch %+v", b)
				}
				var sh models.Shipment
				f.load(models.PrefixShipment, "SH-1", &sh)
				if sh.Status != models.ShipmentInTransit || sh.From != steelco || len(sh.Lines) != 1 ||
					sh.Lines[0] != (models.ShipmentLine{Line: 1, Source: "RB-2", Batch: "RB-2", Quantity: dec("10")}) {
					t.Errorf("shipment %+v", sh)
				}
			}},
		{name: "partial quantity splits off a child", setup: func(f *fx) {
			base(f)
			f.commission("RB-1.1", rebar, "1") // the next free number is checked
		}, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-a", line("RB-1", "20"), line("RB-2", "4")),
			check: func(t *testing.T, f *fx) {
				src, child := f.batch("RB-1"), f.batch("RB-1.2")
				if src.Remaining != dec("30") || src.Status != models.StatusAvailable || src.Custodian != steelco ||
					len(src.Children) != 1 || src.Children[0] != "RB-1.2" {
					t.Errorf("source %+v", src)
				}
				if child.Quantity != dec("20") || child.Remaining != dec("20") || child.Custodian != haul || child.Owner != steelco ||
					child.Producer != steelco || child.Status != models.StatusInTransit || child.Lineage != models.LineageSplit ||
					len(child.Parents) != 1 || child.Parents[0] != (models.BatchInput{Code: "RB-1", Quantity: dec("20")}) ||
					child.ProducedOn != src.ProducedOn || child.LotNumber != src.LotNumber || child.Inspection != src.Inspection {
					t.Errorf("child %+v", child)
				}
				var sh models.Shipment
				f.load(models.PrefixShipment, "SH-1", &sh)
				if sh.Lines[0].Source != "RB-1" || sh.Lines[0].Batch != "RB-1.2" || sh.Lines[1].Batch != "RB-2.1" || sh.Lines[1].Line != 2 {
					t.Errorf("lines %+v", sh.Lines)
				}
			}},
		{name: "against a purchase order", setup: withPO, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-b", poLine("RB-1", "20", "PO-1", 1), poLine("RB-2", "10", "PO-1", 1)),
			check: func(t *testing.T, f *fx) {
				var po models.PurchaseOrder
				f.load(models.PrefixPO, "PO-1", &po)
				if po.Lines[0].Dispatched != dec("30") || po.Lines[1].Dispatched != 0 {
					t.Errorf("po %+v", po.Lines)
				}
			}},
		{name: "only the custodian may dispatch", setup: base, org: cemco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-a", line("RB-1", "1")),
			kind: models.ErrForbidden, field: "lines[0].batch", msg: "only the custodian"},
		{name: "carrier may not dispatch", setup: base, org: haul, role: admin, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-a", line("RB-1", "1")), kind: models.ErrForbidden, msg: "carrier organization may not"},
		{name: "more than remaining", setup: base, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-a", line("RB-2", "10.001")),
			kind: models.ErrConflict, field: "lines[0].quantity", msg: "more than the 10 t remaining"},
		{name: "zero quantity", setup: base, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-a", line("RB-2", "0")), kind: models.ErrInvalid, field: "lines[0].quantity"},
		{name: "batch twice", setup: base, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-a", line("RB-2", "1"), line("RB-2", "1")),
			kind: models.ErrInvalid, field: "lines[1].batch", msg: "already on line 1"},
		{name: "in transit is not movable", setup: func(f *fx) { base(f); f.ship("SH-0", steelco, "RB-2", "10") },
			org: steelco, role: operator, typ: "DispatchShipment", args: dispatch("SH-1", otherco, "", line("RB-1", "1"), line("RB-2", "1")),
			kind: models.ErrForbidden, field: "lines[1].batch", msg: "held by haul"},
		{name: "on hold is not movable", setup: func(f *fx) { base(f); f.inspect("RB-2", models.VerdictFail) },
			org: steelco, role: operator, typ: "DispatchShipment", args: dispatch("SH-1", otherco, "", line("RB-2", "1")),
			kind: models.ErrConflict, field: "lines[0].batch", msg: "is on hold: failed incoming inspection"},
		{name: "recalled is not movable", setup: func(f *fx) {
			base(f)
			f.ok(steelco, admin, "RecallBatch", RecallBatchArgs{Batch: "RB-2", Reason: "bad heat", Severity: SeverityHigh})
		}, org: steelco, role: operator, typ: "DispatchShipment", args: dispatch("SH-1", otherco, "", line("RB-2", "1")),
			kind: models.ErrConflict, field: "lines[0].batch", msg: "is recalled"},
		{name: "unknown batch", setup: base, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-a", line("RB-9", "1")), kind: models.ErrNotFound, field: "lines[0].batch"},
		{name: "to a carrier", setup: base, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", haul, "", line("RB-2", "1")), kind: models.ErrInvalid, field: "to", msg: "is a carrier"},
		{name: "to an unknown org", setup: base, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", "ghost", "", line("RB-2", "1")), kind: models.ErrNotFound, field: "to"},
		{name: "site required when the receiver has sites", setup: base, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "", line("RB-2", "1")), kind: models.ErrInvalid, field: "site", msg: "tower-a, tower-b"},
		{name: "unknown site", setup: base, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-z", line("RB-2", "1")), kind: models.ErrInvalid, field: "site", msg: "not a site of buildco"},
		{name: "carrier must be a carrier", setup: base, org: steelco, role: operator, typ: "DispatchShipment",
			args: DispatchShipmentArgs{Code: "SH-1", To: otherco, Carrier: cemco, Lines: []DispatchLine{line("RB-2", "1")}},
			kind: models.ErrInvalid, field: "carrier", msg: "not a carrier"},
		{name: "duplicate code", setup: func(f *fx) { base(f); f.ship("SH-1", steelco, "RB-2", "1") }, org: steelco, role: operator,
			typ: "DispatchShipment", args: dispatch("SH-1", otherco, "", line("RB-1", "1")), kind: models.ErrConflict, field: "code"},
		{name: "po of another buyer", setup: withPO, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", otherco, "", poLine("RB-1", "1", "PO-1", 1)),
			kind: models.ErrConflict, field: "lines[0].po_id", msg: "placed by buildco"},
		{name: "po line of another product", setup: withPO, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-a", poLine("RB-1", "1", "PO-1", 2)),
			kind: models.ErrConflict, field: "lines[0].po_line", msg: "is for product hrb400-16"},
		{name: "po line missing", setup: withPO, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-a", poLine("RB-1", "1", "PO-1", 3)),
			kind: models.ErrNotFound, field: "lines[0].po_line", msg: "has 2 lines"},
		{name: "po placed with another supplier", setup: func(f *fx) {
			withPO(f)
			f.commission("CEM-1", cement, "5")
		}, org: cemco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-a", poLine("CEM-1", "1", "PO-1", 1)),
			kind: models.ErrConflict, field: "lines[0].po_id", msg: "placed with steelco"},
		{name: "unknown po", setup: base, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-a", poLine("RB-1", "1", "PO-9", 1)), kind: models.ErrNotFound, field: "lines[0].po_id"},
		{name: "po line without po", setup: base, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-a", DispatchLine{Batch: "RB-1", Quantity: dec("1"), POLine: 1}),
			kind: models.ErrInvalid, field: "lines[0].po_id"},
	})
}
