package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/models"
)

// TestTotalsCannotWrap: quantities are each at most models.MaxDecimal, but
// their totals must not wrap around int64 or exceed what can be read back.
func TestTotalsCannotWrap(t *testing.T) {
	const huge = "999999999999999"
	bigPair := func(f *fx) {
		f.commission("RB-1", rebar, huge)
		f.commission("RB-2", rebar, huge)
		f.ok(buildco, operator, "CreatePurchaseOrder", CreatePurchaseOrderArgs{ID: "PO-1", Supplier: steelco,
			Lines: []OrderLine{{Line: 1, ProductID: rebar, Quantity: dec("1")}}})
	}
	var outs []TransformOutput
	for i := range 10 {
		outs = append(outs, TransformOutput{Code: fmt.Sprintf("CUT-%d", i), ProductID: rebar, Quantity: dec(huge), ProducedOn: "2025-03-02"})
	}
	runRules(t, []rule{
		{name: "split outputs whose total wraps around", setup: func(f *fx) { f.commission("RB-1", rebar, "50") },
			org: steelco, role: operator, typ: "TransformBatches",
			args: TransformBatchesArgs{Kind: TransformSplit, Inputs: []models.BatchInput{{Code: "RB-1", Quantity: dec("50")}}, Outputs: outs},
			kind: models.ErrInvalid, field: "outputs", msg: "more than the largest quantity"},
		{name: "purchase order total beyond the largest quantity", setup: bigPair, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-a",
				DispatchLine{Batch: "RB-1", Quantity: dec(huge), POID: "PO-1", POLine: 1},
				DispatchLine{Batch: "RB-2", Quantity: dec(huge), POID: "PO-1", POLine: 1}),
			kind: models.ErrInvalid, field: "lines[1].quantity", msg: "more than the largest quantity"},
	})
}

// TestConditionSurvivesSplitAndMerge: a conditional pass records its
// condition, and cutting or combining the material must not drop it.
func TestConditionSurvivesSplitAndMerge(t *testing.T) {
	const cond = "non-structural elements only"
	setup := func(f *fx) {
		f.delivered(true) // CEM-1 passed, at buildco
		f.commission("CEM-2", cement, "40")
		f.ship("SH-2", cemco, "CEM-2", "40")
		f.receiveAll("SH-2")
		f.ok(qalab, inspector, "RecordInspection", RecordInspectionArgs{Batch: "CEM-2", Type: "incoming", Verdict: models.VerdictConditional, Condition: cond})
	}
	out := func(code, qty string) TransformOutput {
		return TransformOutput{Code: code, ProductID: cement, Quantity: dec(qty), ProducedOn: "2025-03-02"}
	}
	conditional := func(code string) func(t *testing.T, f *fx) {
		return func(t *testing.T, f *fx) {
			if b := f.batch(code); b.Inspection != models.InspConditional || b.Condition != cond {
				t.Errorf("%s: inspection %q, condition %q; want conditional, %q", code, b.Inspection, b.Condition, cond)
			}
		}
	}
	runRules(t, []rule{
		{name: "split of a conditional batch", setup: setup, org: buildco, role: operator, typ: "TransformBatches",
			args:  TransformBatchesArgs{Kind: TransformSplit, Inputs: []models.BatchInput{{Code: "CEM-2", Quantity: dec("40")}}, Outputs: []TransformOutput{out("CEM-2A", "20"), out("CEM-2B", "20")}},
			check: conditional("CEM-2B")},
		{name: "merge of a conditional and a passed batch", setup: setup, org: buildco, role: operator, typ: "TransformBatches",
			args: TransformBatchesArgs{Kind: TransformMerge, Inputs: []models.BatchInput{{Code: "CEM-1", Quantity: dec("10")}, {Code: "CEM-2", Quantity: dec("10")}},
				Outputs: []TransformOutput{out("CEM-M", "20")}},
			check: conditional("CEM-M")},
	})
}

// TestRuleHoles covers rules that were missing: text fields, the submitting
// user, GTIN uniqueness, order sites, mixing into others' products, list sizes.
func TestRuleHoles(t *testing.T) {
	gtinProduct := func(org, id, gtin string) RegisterProductArgs {
		return RegisterProductArgs{Product: models.Product{ID: id, Name: id, Category: models.CatRebar, Standard: "GB 1499.2",
			Unit: "t", GTIN: gtin, Manufacturer: org}}
	}
	shipped := func(f *fx) {
		f.commission("RB-1", rebar, "50")
		f.ship("SH-1", steelco, "RB-1", "50")
	}
	receipt := func(reason string) ReceiveShipmentArgs {
		return ReceiveShipmentArgs{Shipment: "SH-1", Lines: []ReceiptLine{{Line: 1, Accepted: dec("49"), Rejected: dec("1"), Reason: reason}}}
	}
	many := make([]DispatchLine, models.MaxListLen+1)
	for i := range many {
		many[i] = line(fmt.Sprintf("B-%d", i), "1")
	}
	runRules(t, []rule{
		{name: "reason with an escape sequence", setup: shipped, org: buildco, role: operator, typ: "ReceiveShipment",
			args: receipt("rust\x1b[2J"), kind: models.ErrInvalid, field: "lines[0].reason", msg: "control characters (found U+001B"},
		{name: "reason on two lines is fine", setup: shipped, org: buildco, role: operator, typ: "ReceiveShipment",
			args: receipt("rust pitting\nno heat tag")},
		{name: "vehicle with a bidi override", setup: func(f *fx) { f.commission("RB-1", rebar, "50") }, org: steelco, role: operator, typ: "DispatchShipment",
			args: DispatchShipmentArgs{Code: "SH-1", To: buildco, Site: "tower-a", Carrier: haul, Vehicle: "浙A\u202e1234", Lines: []DispatchLine{line("RB-1", "1")}},
			kind: models.ErrInvalid, field: "vehicle", msg: "U+202E"},
		{name: "usage element on two lines", setup: func(f *fx) { f.delivered(true) }, org: buildco, role: operator, typ: "RecordUsage",
			args: RecordUsageArgs{Batch: "RB-1", Quantity: dec("1"), Location: models.Location{Project: "P", Building: "B", Element: "column\nC3"}},
			kind: models.ErrInvalid, field: "location.element", msg: "control characters"},
		{name: "organization name with a NUL", org: gov, role: admin, typ: "RegisterOrganization",
			args: RegisterOrganizationArgs{Organization: models.Organization{ID: "newco", Name: "New\x00Co", Kind: models.KindCarrier}},
			kind: models.ErrInvalid, field: "organization.name", msg: "control characters"},
		{name: "duplicate GTIN, padded", setup: func(f *fx) {
			f.ok(steelco, operator, "RegisterProduct", gtinProduct(steelco, "bar-a", "6901234567892"))
		},
			org: cemco, role: operator, typ: "RegisterProduct", args: gtinProduct(cemco, "bar-b", "06901234567892"),
			kind: models.ErrConflict, field: "product.gtin", msg: "already registered for product bar-a of steelco"},
		{name: "order delivered to another site", setup: func(f *fx) {
			f.commission("RB-1", rebar, "50")
			f.ok(buildco, operator, "CreatePurchaseOrder", CreatePurchaseOrderArgs{ID: "PO-1", Supplier: steelco, Site: "tower-a",
				Lines: []OrderLine{{Line: 1, ProductID: rebar, Quantity: dec("50")}}})
		}, org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-b", DispatchLine{Batch: "RB-1", Quantity: dec("5"), POID: "PO-1", POLine: 1}),
			kind: models.ErrConflict, field: "lines[0].po_id", msg: "for delivery to site tower-a"},
		{name: "order placed with oneself", org: steelco, role: operator, typ: "CreatePurchaseOrder",
			args: CreatePurchaseOrderArgs{ID: "PO-1", Supplier: steelco, Lines: []OrderLine{{Line: 1, ProductID: rebar, Quantity: dec("1")}}},
			kind: models.ErrInvalid, field: "supplier", msg: "your own organization"},
		{name: "a manufacturer mixes into another's product", setup: func(f *fx) { f.commission("RB-1", rebar, "50") },
			org: steelco, role: operator, typ: "TransformBatches",
			args: TransformBatchesArgs{Kind: TransformMix, Inputs: []models.BatchInput{{Code: "RB-1", Quantity: dec("1")}},
				Outputs: []TransformOutput{{Code: "FAKE-C30", ProductID: concrete, Quantity: dec("1"), ProducedOn: "2025-03-02"}}, Yield: decp("1")},
			kind: models.ErrForbidden, field: "outputs[0].product_id", msg: "its own products only"},
		{name: "too many lines", org: steelco, role: operator, typ: "DispatchShipment",
			args: dispatch("SH-1", buildco, "tower-a", many...), kind: models.ErrInvalid, field: "lines", msg: "at most 200"},
	})
}

// TestCallIdentity: the transaction ID and user end up in records and keys,
// so both must be plain IDs.
func TestCallIdentity(t *testing.T) {
	for _, c := range []struct{ name, txID, user, field string }{
		{"user with a line break", "tx1", "li.wei\nadmin", "user"},
		{"very long user", "tx1", strings.Repeat("u", 65), "user"},
		{"tx id with a slash", "a/../b", "li.wei", "tx_id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFx(t)
			_, err := Execute(f.st, Call{TxID: c.txID, Type: "ReleaseHold", Args: json.RawMessage(`{"batch":"B","reason":"r"}`),
				Org: qalab, User: c.user, Role: inspector, Time: t0})
			var me *models.Error
			if !errors.As(err, &me) || me.Field != c.field {
				t.Fatalf("err = %v, want an error on %s", err, c.field)
			}
		})
	}
}

// TestViewerDoesNothing: a viewer reads only, whatever its organization's
// kind allows.
func TestViewerDoesNothing(t *testing.T) {
	delivered := func(f *fx) { f.delivered(true) }
	runRules(t, []rule{
		{name: "register organization", org: gov, role: viewer, typ: "RegisterOrganization",
			args: RegisterOrganizationArgs{Organization: models.Organization{ID: "newco", Name: "New Co", Kind: models.KindCarrier}},
			kind: models.ErrForbidden, msg: "viewer role"},
		{name: "commission", org: steelco, role: viewer, typ: "CommissionBatch",
			args: CommissionBatchArgs{Code: "RB-9", ProductID: rebar, Quantity: dec("1"), ProducedOn: "2025-02-20"},
			kind: models.ErrForbidden, msg: "viewer role"},
		{name: "order", org: buildco, role: viewer, typ: "CreatePurchaseOrder",
			args: CreatePurchaseOrderArgs{ID: "PO-1", Supplier: steelco, Lines: []OrderLine{{Line: 1, ProductID: rebar, Quantity: dec("1")}}},
			kind: models.ErrForbidden, msg: "viewer role"},
		{name: "use", setup: delivered, org: buildco, role: viewer, typ: "RecordUsage",
			args: RecordUsageArgs{Batch: "RB-1", Quantity: dec("1"), Location: loc()}, kind: models.ErrForbidden, msg: "viewer role"},
		{name: "transform", setup: delivered, org: buildco, role: viewer, typ: "TransformBatches",
			args: TransformBatchesArgs{Kind: TransformSplit, Inputs: []models.BatchInput{{Code: "RB-1", Quantity: dec("1")}},
				Outputs: []TransformOutput{{Code: "CUT-1", ProductID: rebar, Quantity: dec("1"), ProducedOn: "2025-03-02"}}},
			kind: models.ErrForbidden, msg: "viewer role"},
		{name: "correct", setup: delivered, org: steelco, role: viewer, typ: "CorrectEntry",
			args: CorrectEntryArgs{TargetKind: TargetBatch, TargetID: "RB-1", Field: "origin", Value: "Plant 2", Reason: "typo"},
			kind: models.ErrForbidden, msg: "viewer role"},
		{name: "release", setup: func(f *fx) { delivered(f); f.inspect("RB-1", models.VerdictFail) }, org: qalab, role: viewer, typ: "ReleaseHold",
			args: ReleaseHoldArgs{Batch: "RB-1", Reason: "reviewed"}, kind: models.ErrForbidden, msg: "viewer role"},
	})
}
