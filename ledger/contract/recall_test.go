package contract

import (
	"slices"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/models"
)

func TestRecallBatch(t *testing.T) {
	// RB-1 (50) → RB-1.1 (20, shipped to buildco) → CUT-1, CUT-2 (split);
	// RB-1.1 and CEM-1 are both inputs of nothing else. CUT-2 was already
	// recalled on its own in one case.
	family := func(f *fx) {
		f.commission("RB-1", rebar, "50")
		f.ship("SH-1", steelco, "RB-1", "20")
		f.receiveAll("SH-1")
		f.ok(buildco, operator, "TransformBatches", TransformBatchesArgs{Kind: TransformSplit,
			Inputs: []models.BatchInput{{Code: "RB-1.1", Quantity: dec("20")}},
			Outputs: []TransformOutput{
				{Code: "CUT-1", ProductID: rebar, Quantity: dec("10"), ProducedOn: "2025-03-02"},
				{Code: "CUT-2", ProductID: rebar, Quantity: dec("10"), ProducedOn: "2025-03-02"},
			}})
	}
	recall := func(batch string) RecallBatchArgs {
		return RecallBatchArgs{Batch: batch, Reason: "yield strength below spec", Severity: SeverityHigh}
	}
	affected := func(f *fx) []string {
		var rc models.Recall
		f.load("", f.st.keys(models.PrefixRecall)[0], &rc)
		return rc.Affected
	}
	runRules(t, []rule{
		{name: "producer recalls the batch and every descendant", setup: family, org: steelco, role: operator, typ: "RecallBatch", args: recall("RB-1"),
			check: func(t *testing.T, f *fx) {
				if got, want := affected(f), []string{"RB-1", "RB-1.1", "CUT-1", "CUT-2"}; !slices.Equal(got, want) {
					t.Errorf("affected %v, want %v", got, want)
				}
				for _, c := range []string{"RB-1", "RB-1.1", "CUT-1", "CUT-2"} {
					if b := f.batch(c); b.Status != models.StatusRecalled || !strings.Contains(b.HoldReason, "yield strength below spec") {
						t.Errorf("batch %+v", b)
					}
				}
			}},
		{name: "already recalled descendants are not listed again", setup: func(f *fx) {
			family(f)
			f.ok(qalab, inspector, "RecallBatch", recall("CUT-2"))
		}, org: gov, role: admin, typ: "RecallBatch", args: recall("RB-1"),
			check: func(t *testing.T, f *fx) {
				var rc models.Recall
				ks := f.st.keys(models.PrefixRecall)
				f.load("", ks[len(ks)-1], &rc)
				if want := []string{"RB-1", "RB-1.1", "CUT-1"}; !slices.Equal(rc.Affected, want) || rc.Org != gov || rc.Severity != SeverityHigh {
					t.Errorf("recall %+v", rc)
				}
			}},
		{name: "inspection agency recalls", setup: family, org: qalab, role: inspector, typ: "RecallBatch", args: recall("CUT-1"),
			check: func(t *testing.T, f *fx) {
				if got := affected(f); !slices.Equal(got, []string{"CUT-1"}) {
					t.Errorf("affected %v", got)
				}
			}},
		{name: "already recalled", setup: func(f *fx) { family(f); f.ok(steelco, admin, "RecallBatch", recall("RB-1")) },
			org: gov, role: admin, typ: "RecallBatch", args: recall("RB-1"), kind: models.ErrConflict, field: "batch", msg: "already recalled"},
		{name: "authority operator may not", setup: family, org: gov, role: operator, typ: "RecallBatch", args: recall("RB-1"),
			kind: models.ErrForbidden, msg: "operator role may not recall batches (allowed: admin)"},
		{name: "another manufacturer may not", setup: family, org: cemco, role: admin, typ: "RecallBatch", args: recall("RB-1"),
			kind: models.ErrForbidden, msg: "only the producer of batch RB-1 (steelco)"},
		{name: "contractor holding it may not", setup: family, org: buildco, role: admin, typ: "RecallBatch", args: recall("RB-1.1"),
			kind: models.ErrForbidden, msg: "only the producer"},
		{name: "producer viewer may not", setup: family, org: steelco, role: viewer, typ: "RecallBatch", args: recall("RB-1"),
			kind: models.ErrForbidden, msg: "viewer role"},
		{name: "unknown severity", setup: family, org: gov, role: admin, typ: "RecallBatch",
			args: RecallBatchArgs{Batch: "RB-1", Reason: "x", Severity: "urgent"}, kind: models.ErrInvalid, field: "severity"},
		{name: "reason required", setup: family, org: gov, role: admin, typ: "RecallBatch",
			args: RecallBatchArgs{Batch: "RB-1", Severity: SeverityLow}, kind: models.ErrInvalid, field: "reason"},
		{name: "unknown batch", setup: family, org: gov, role: admin, typ: "RecallBatch", args: recall("RB-9"),
			kind: models.ErrNotFound, field: "batch"},
	})
}
