package contract

import (
	"strings"
	"testing"

	"github.com/plumbline/plumbline/models"
)

func TestRecordUsage(t *testing.T) {
	use := func(batch, qty string) RecordUsageArgs {
		return RecordUsageArgs{Batch: batch, Quantity: dec(qty), Location: loc()}
	}
	passed := func(f *fx) { f.delivered(true) }
	runRules(t, []rule{
		{name: "use part of a passed batch", setup: passed, org: buildco, role: operator, typ: "RecordUsage", args: use("CEM-1", "40"),
			check: func(t *testing.T, f *fx) {
				if b := f.batch("CEM-1"); b.Remaining != dec("60") || b.Status != models.StatusAvailable {
					t.Errorf("batch %+v", b)
				}
				ks := f.st.keys(models.PrefixUsage)
				var u models.Usage
				f.load("", ks[0], &u)
				if len(ks) != 1 || u.Contractor != buildco || u.Quantity != dec("40") || u.Unit != "t" || u.Location != loc() || u.ID != u.TxID {
					t.Errorf("usage %+v", u)
				}
			}},
		{name: "using everything depletes", setup: passed, org: buildco, role: admin, typ: "RecordUsage", args: use("RB-1", "50"),
			check: func(t *testing.T, f *fx) {
				if b := f.batch("RB-1"); b.Remaining != 0 || b.Status != models.StatusDepleted {
					t.Errorf("batch %+v", b)
				}
			}},
		{name: "hold point: inspection must pass first", setup: func(f *fx) { f.delivered(false) }, org: buildco, role: operator,
			typ: "RecordUsage", args: use("CEM-1", "1"), kind: models.ErrConflict, field: "batch", msg: "an inspection must pass first (inspection is pending)"},
		{name: "conditional pass is usable", setup: func(f *fx) {
			f.delivered(false)
			f.ok(qalab, inspector, "RecordInspection", RecordInspectionArgs{Batch: "CEM-1", Type: "visual", Verdict: models.VerdictConditional, Condition: "dry storage"})
		}, org: buildco, role: operator, typ: "RecordUsage", args: use("CEM-1", "1")},
		{name: "usage above remaining", setup: passed, org: buildco, role: operator, typ: "RecordUsage", args: use("RB-1", "50.5"),
			kind: models.ErrConflict, field: "quantity", msg: "more than the 50 t remaining"},
		{name: "zero usage", setup: passed, org: buildco, role: operator, typ: "RecordUsage", args: use("RB-1", "0"),
			kind: models.ErrInvalid, field: "quantity"},
		{name: "not the custodian", setup: func(f *fx) { f.commission("RB-1", rebar, "5") }, org: buildco, role: operator,
			typ: "RecordUsage", args: use("RB-1", "1"), kind: models.ErrForbidden, field: "batch", msg: "held by steelco"},
		{name: "manufacturer may not record usage", setup: func(f *fx) { f.commission("RB-1", rebar, "5") }, org: steelco, role: admin,
			typ: "RecordUsage", args: use("RB-1", "1"), kind: models.ErrForbidden, msg: "manufacturer organization may not record usage"},
		{name: "on hold", setup: func(f *fx) { passed(f); f.inspect("RB-1", models.VerdictFail) }, org: buildco, role: operator,
			typ: "RecordUsage", args: use("RB-1", "1"), kind: models.ErrConflict, field: "batch", msg: "on hold"},
		{name: "location element required", setup: passed, org: buildco, role: operator, typ: "RecordUsage",
			args: RecordUsageArgs{Batch: "RB-1", Quantity: dec("1"), Location: models.Location{Project: "P", Building: "B"}},
			kind: models.ErrInvalid, field: "location.element"},
		{name: "location too long names the first long field", setup: passed, org: buildco, role: operator, typ: "RecordUsage",
			args: RecordUsageArgs{Batch: "RB-1", Quantity: dec("1"), Location: models.Location{
				Project: "P", Building: strings.Repeat("b", 129), Floor: strings.Repeat("f", 129), Element: strings.Repeat("e", 129)}},
			kind: models.ErrInvalid, field: "location.building", msg: "at most 128"},
	})
}

func TestTransformBatches(t *testing.T) {
	// buildco holds CEM-1 (100 t, passed unless told) and RB-1 (50 t).
	passed := func(f *fx) { f.delivered(true) }
	out := func(code, product, qty string) TransformOutput {
		return TransformOutput{Code: code, ProductID: product, Quantity: dec(qty), ProducedOn: "2025-03-02"}
	}
	in := func(code, qty string) models.BatchInput { return models.BatchInput{Code: code, Quantity: dec(qty)} }
	split := func(outs ...TransformOutput) TransformBatchesArgs {
		return TransformBatchesArgs{Kind: TransformSplit, Inputs: []models.BatchInput{in("RB-1", "30")}, Outputs: outs}
	}
	mix := func(yield string, ins []models.BatchInput, outs ...TransformOutput) TransformBatchesArgs {
		return TransformBatchesArgs{Kind: TransformMix, Inputs: ins, Outputs: outs, Yield: decp(yield)}
	}
	twoRebar := func(f *fx) {
		passed(f)
		f.commission("RB-2", rebar, "20")
		f.ship("SH-2", steelco, "RB-2", "20")
		f.receiveAll("SH-2")
	}
	runRules(t, []rule{
		{name: "split a coil into cut bars", setup: passed, org: buildco, role: operator, typ: "TransformBatches",
			args: split(out("CUT-1", rebar, "12"), out("CUT-2", rebar, "17.5")),
			check: func(t *testing.T, f *fx) {
				src, c1 := f.batch("RB-1"), f.batch("CUT-1")
				if src.Remaining != dec("20") || len(src.Children) != 2 || src.Children[1] != "CUT-2" {
					t.Errorf("input %+v", src)
				}
				if c1.Producer != buildco || c1.Owner != buildco || c1.Custodian != buildco || c1.Lineage != models.LineageSplit ||
					c1.Parents[0] != in("RB-1", "30") || c1.Inspection != models.InspNotRequired || c1.Site != "tower-a" || c1.Unit != "t" {
					t.Errorf("output %+v", c1)
				}
			}},
		{name: "split outputs may not exceed the input", setup: passed, org: buildco, role: operator, typ: "TransformBatches",
			args: split(out("CUT-1", rebar, "20"), out("CUT-2", rebar, "10.001")),
			kind: models.ErrInvalid, field: "outputs", msg: "outputs total 30.001 but the inputs give only 30"},
		{name: "split keeps the product", setup: passed, org: buildco, role: operator, typ: "TransformBatches",
			args: split(out("CUT-1", rebar16, "1")), kind: models.ErrInvalid, field: "outputs[0].product_id", msg: "keeps the product"},
		{name: "split of two inputs", setup: passed, org: buildco, role: operator, typ: "TransformBatches",
			args: TransformBatchesArgs{Kind: TransformSplit, Inputs: []models.BatchInput{in("RB-1", "1"), in("CEM-1", "1")}, Outputs: []TransformOutput{out("X", rebar, "1")}},
			kind: models.ErrInvalid, field: "inputs", msg: "exactly one input"},
		{name: "merge two batches of one product", setup: twoRebar, org: buildco, role: operator, typ: "TransformBatches",
			args: TransformBatchesArgs{Kind: TransformMerge, Inputs: []models.BatchInput{in("RB-1", "50"), in("RB-2", "20")}, Outputs: []TransformOutput{out("RB-M", rebar, "70")}},
			check: func(t *testing.T, f *fx) {
				m := f.batch("RB-M")
				if m.Lineage != models.LineageMerge || len(m.Parents) != 2 || m.Remaining != dec("70") {
					t.Errorf("output %+v", m)
				}
				if b := f.batch("RB-1"); b.Status != models.StatusDepleted || b.Children[0] != "RB-M" {
					t.Errorf("input %+v", b)
				}
			}},
		{name: "merge of different products", setup: passed, org: buildco, role: operator, typ: "TransformBatches",
			args: TransformBatchesArgs{Kind: TransformMerge, Inputs: []models.BatchInput{in("RB-1", "1"), in("CEM-1", "1")}, Outputs: []TransformOutput{out("M", rebar, "2")}},
			kind: models.ErrInvalid, field: "inputs[1].code", msg: "one product"},
		{name: "merge output above inputs", setup: twoRebar, org: buildco, role: operator, typ: "TransformBatches",
			args: TransformBatchesArgs{Kind: TransformMerge, Inputs: []models.BatchInput{in("RB-1", "5"), in("RB-2", "5")}, Outputs: []TransformOutput{out("M", rebar, "11")}},
			kind: models.ErrInvalid, field: "outputs", msg: "cannot create material"},
		{name: "mix cement into concrete", setup: passed, org: buildco, role: operator, typ: "TransformBatches",
			args: mix("30", []models.BatchInput{in("CEM-1", "10")}, out("POUR-1", concrete, "30")),
			check: func(t *testing.T, f *fx) {
				p := f.batch("POUR-1")
				if p.Lineage != models.LineageTransform || p.Unit != "m3" || p.Inspection != models.InspPending || p.Producer != buildco {
					t.Errorf("output %+v", p)
				}
			}},
		{name: "a mix declares its yield", setup: passed, org: buildco, role: operator, typ: "TransformBatches",
			args: TransformBatchesArgs{Kind: TransformMix, Inputs: []models.BatchInput{in("CEM-1", "1")}, Outputs: []TransformOutput{out("P", concrete, "1")}},
			kind: models.ErrInvalid, field: "yield", msg: "declares its yield"},
		{name: "mix outputs above the yield", setup: passed, org: buildco, role: operator, typ: "TransformBatches",
			args: mix("30", []models.BatchInput{in("CEM-1", "10")}, out("P1", concrete, "20"), out("P2", concrete, "11")),
			kind: models.ErrInvalid, field: "outputs", msg: "may not exceed the declared yield"},
		{name: "hold points apply to mixing", setup: func(f *fx) { f.delivered(false) }, org: buildco, role: operator, typ: "TransformBatches",
			args: mix("30", []models.BatchInput{in("CEM-1", "10")}, out("P", concrete, "30")),
			kind: models.ErrConflict, field: "inputs[0].code", msg: "an inspection must pass first"},
		{name: "mix output product must exist", setup: passed, org: buildco, role: operator, typ: "TransformBatches",
			args: mix("30", []models.BatchInput{in("CEM-1", "10")}, out("P", "c99", "30")),
			kind: models.ErrNotFound, field: "outputs[0].product_id"},
		{name: "input above remaining", setup: passed, org: buildco, role: operator, typ: "TransformBatches",
			args: mix("30", []models.BatchInput{in("CEM-1", "101")}, out("P", concrete, "30")),
			kind: models.ErrConflict, field: "inputs[0].quantity", msg: "more than the 100 t remaining"},
		{name: "custodian of every input", setup: func(f *fx) { passed(f); f.commission("RB-9", rebar, "5") }, org: buildco, role: operator,
			typ: "TransformBatches", args: TransformBatchesArgs{Kind: TransformSplit, Inputs: []models.BatchInput{in("RB-9", "1")}, Outputs: []TransformOutput{out("X", rebar, "1")}},
			kind: models.ErrForbidden, field: "inputs[0].code", msg: "only the custodian"},
		{name: "output code taken", setup: passed, org: buildco, role: operator, typ: "TransformBatches",
			args: split(out("CEM-1", rebar, "1")), kind: models.ErrConflict, field: "outputs[0].code", msg: "already exists"},
		{name: "output code repeated", setup: passed, org: buildco, role: operator, typ: "TransformBatches",
			args: split(out("X", rebar, "1"), out("X", rebar, "1")), kind: models.ErrInvalid, field: "outputs[1].code", msg: "already listed as outputs[0]"},
		{name: "carrier may not transform", setup: passed, org: haul, role: admin, typ: "TransformBatches",
			args: split(out("X", rebar, "1")), kind: models.ErrForbidden, msg: "carrier organization may not transform"},
		{name: "unknown kind", setup: passed, org: buildco, role: operator, typ: "TransformBatches",
			args: TransformBatchesArgs{Kind: "melt", Inputs: []models.BatchInput{in("RB-1", "1")}, Outputs: []TransformOutput{out("X", rebar, "1")}},
			kind: models.ErrInvalid, field: "kind"},
	})
}
