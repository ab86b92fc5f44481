package contract

import (
	"testing"

	"github.com/plumbline/plumbline/models"
)

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
		{name: "split keeps the inspection the lot passed", setup: passed, org: buildco, role: operator, typ: "TransformBatches",
			args: TransformBatchesArgs{Kind: TransformSplit, Inputs: []models.BatchInput{in("CEM-1", "10")}, Outputs: []TransformOutput{out("CEM-1A", cement, "10")}},
			check: func(t *testing.T, f *fx) {
				if c := f.batch("CEM-1A"); c.Inspection != models.InspPassed || c.Lineage != models.LineageSplit {
					t.Errorf("a split of a passed lot must stay usable, got inspection %q", c.Inspection)
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
