package contract

import (
	"strings"
	"testing"

	"github.com/plumbline/plumbline/models"
)

// TestReturnToSupplier: material on hold at a site after a failing
// inspection, or rejected on receipt, goes back to its producer and stays
// on hold there.
func TestReturnToSupplier(t *testing.T) {
	// buildco holds RB-1 (50 t of steelco's rebar) on hold after a failing inspection.
	held := func(f *fx) {
		f.delivered(true)
		f.inspect("RB-1", models.VerdictFail)
	}
	ret := func(qty string) DispatchShipmentArgs { return dispatch("RET-1", steelco, "", line("RB-1", qty)) }
	// buildco passed RB-1 on to otherco, which refused all of it: it is back
	// with buildco, rejected.
	rejected := func(f *fx) {
		f.delivered(true)
		f.ok(buildco, operator, "DispatchShipment", dispatch("SH-O", otherco, "", line("RB-1", "50")))
		f.ok(otherco, operator, "ReceiveShipment", ReceiveShipmentArgs{Shipment: "SH-O",
			Lines: []ReceiptLine{{Line: 1, Rejected: dec("50"), Reason: "no heat tags"}}})
	}
	runRules(t, []rule{
		{name: "held batch goes back to its producer", setup: held, org: buildco, role: operator, typ: "DispatchShipment",
			args: ret("50"),
			check: func(t *testing.T, f *fx) {
				b := f.batch("RB-1")
				if b.Status != models.StatusInTransit || b.Custodian != haul || b.HoldReason == "" {
					t.Fatalf("returning batch %+v", b)
				}
				f.receiveAll("RET-1")
				b = f.batch("RB-1")
				if b.Status != models.StatusOnHold || b.Owner != steelco || b.Custodian != steelco ||
					!strings.Contains(b.HoldReason, "cracked bags") || b.Inspection != models.InspFailed {
					t.Fatalf("returned batch %+v; want on hold with steelco, reason kept", b)
				}
				if _, err := f.exec(steelco, operator, "DispatchShipment", dispatch("SH-X", buildco, "tower-a", line("RB-1", "1"))); err == nil ||
					!strings.Contains(err.Error(), "you produced it") {
					t.Errorf("the producer shipped its returned, held batch on: %v", err)
				}
				f.ok(qalab, inspector, "ReleaseHold", ReleaseHoldArgs{Batch: "RB-1", Reason: "re-tested at the mill, conforms"})
				if b := f.batch("RB-1"); b.Status != models.StatusAvailable || b.Custodian != steelco {
					t.Errorf("released batch %+v", b)
				}
			}},
		{name: "part of a held batch goes back; the rest stays on hold", setup: held, org: buildco, role: operator, typ: "DispatchShipment",
			args: ret("20"),
			check: func(t *testing.T, f *fx) {
				if src := f.batch("RB-1"); src.Status != models.StatusOnHold || src.Remaining != dec("30") {
					t.Errorf("source %+v", src)
				}
				f.receiveAll("RET-1")
				if c := f.batch("RB-1.1"); c.Status != models.StatusOnHold || c.Custodian != steelco || c.Remaining != dec("20") {
					t.Errorf("returned part %+v", c)
				}
			}},
		{name: "held batch may not go elsewhere", setup: held, org: buildco, role: operator, typ: "DispatchShipment",
			args: dispatch("RET-1", otherco, "", line("RB-1", "50")),
			kind: models.ErrConflict, field: "lines[0].batch", msg: "may only be returned to its producer steelco, not shipped to otherco"},
		{name: "a return is not a delivery against an order", setup: func(f *fx) {
			held(f)
			f.ok(buildco, operator, "CreatePurchaseOrder", CreatePurchaseOrderArgs{ID: "PO-1", Supplier: steelco,
				Lines: []OrderLine{{Line: 1, ProductID: rebar, Quantity: dec("50")}}})
		}, org: buildco, role: operator, typ: "DispatchShipment",
			args: dispatch("RET-1", steelco, "", DispatchLine{Batch: "RB-1", Quantity: dec("50"), POID: "PO-1", POLine: 1}),
			kind: models.ErrInvalid, field: "lines[0].po_id", msg: "a return does not deliver against a purchase order"},
		{name: "only the custodian returns", setup: held, org: otherco, role: operator, typ: "DispatchShipment",
			args: ret("50"), kind: models.ErrForbidden, field: "lines[0].batch", msg: "only the custodian"},
		{name: "a viewer cannot return", setup: held, org: buildco, role: viewer, typ: "DispatchShipment",
			args: ret("50"), kind: models.ErrForbidden, msg: "viewer role may not dispatch"},
		{name: "rejected batch goes back to its producer", setup: rejected, org: buildco, role: operator, typ: "DispatchShipment",
			args: ret("50"),
			check: func(t *testing.T, f *fx) {
				f.receiveAll("RET-1")
				if b := f.batch("RB-1"); b.Status != models.StatusOnHold || b.Custodian != steelco || !strings.Contains(b.HoldReason, "no heat tags") {
					t.Errorf("returned rejected batch %+v", b)
				}
			}},
		{name: "a recalled batch is not returned", setup: func(f *fx) {
			held(f)
			f.ok(steelco, admin, "RecallBatch", RecallBatchArgs{Batch: "RB-1", Reason: "bad heat", Severity: SeverityHigh})
		}, org: buildco, role: operator, typ: "DispatchShipment", args: ret("50"),
			kind: models.ErrConflict, field: "lines[0].batch", msg: "is recalled"},
		{name: "a held batch is still not usable", setup: held, org: buildco, role: operator, typ: "RecordUsage",
			args: RecordUsageArgs{Batch: "RB-1", Quantity: dec("1"), Location: loc()},
			kind: models.ErrConflict, field: "batch", msg: "is on hold"},
	})
}
