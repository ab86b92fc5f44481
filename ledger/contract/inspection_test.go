package contract

import (
	"testing"

	"github.com/plumbline/plumbline/models"
)

func TestRecordInspection(t *testing.T) {
	base := func(f *fx) { f.commission("CEM-1", cement, "100") }
	insp := func(v models.Verdict, results ...InspectionResult) RecordInspectionArgs {
		return RecordInspectionArgs{Batch: "CEM-1", Type: "strength_28d", Verdict: v, Results: results}
	}
	res := func(p, v string) InspectionResult { return InspectionResult{Property: p, Value: dec(v)} }
	stored := func(f *fx) models.Inspection {
		var in models.Inspection
		for _, k := range f.st.keys(models.PrefixInspection) {
			f.load("", k, &in)
		}
		return in
	}
	runRules(t, []rule{
		{name: "pass within spec", setup: base, org: qalab, role: inspector, typ: "RecordInspection",
			args: insp(models.VerdictPass, res("compressive_strength_28d", "47.1"), res("initial_setting_time", "180")),
			check: func(t *testing.T, f *fx) {
				if b := f.batch("CEM-1"); b.Inspection != models.InspPassed || b.Status != models.StatusAvailable {
					t.Errorf("batch %+v", b)
				}
				in := stored(f)
				m := in.Results[0]
				if in.Agency != qalab || in.ID != in.TxID || in.BatchCode != "CEM-1" || !m.Pass || m.Unit != "MPa" ||
					m.Min == nil || *m.Min != dec("42.5") || m.Max != nil || len(in.OutOfSpec) != 0 {
					t.Errorf("inspection %+v", in)
				}
			}},
		{name: "fail puts an available batch on hold", setup: base, org: qalab, role: admin, typ: "RecordInspection",
			args: insp(models.VerdictFail, res("compressive_strength_28d", "40")),
			check: func(t *testing.T, f *fx) {
				b := f.batch("CEM-1")
				if b.Inspection != models.InspFailed || b.Status != models.StatusOnHold || b.HoldReason != "failed strength_28d inspection: out of spec compressive_strength_28d" {
					t.Errorf("batch %+v", b)
				}
				if in := stored(f); len(in.OutOfSpec) != 1 || in.Results[0].Pass {
					t.Errorf("inspection %+v", in)
				}
			}},
		{name: "fail of a depleted batch keeps its status", setup: func(f *fx) {
			f.delivered(true)
			f.ok(buildco, operator, "RecordUsage", RecordUsageArgs{Batch: "CEM-1", Quantity: dec("100"), Location: loc()})
		}, org: qalab, role: inspector, typ: "RecordInspection",
			args: RecordInspectionArgs{Batch: "CEM-1", Type: "core", Verdict: models.VerdictFail, Notes: "cores below strength"},
			check: func(t *testing.T, f *fx) {
				if b := f.batch("CEM-1"); b.Inspection != models.InspFailed || b.Status != models.StatusDepleted {
					t.Errorf("batch %+v", b)
				}
			}},
		{name: "conditional with its condition", setup: base, org: qalab, role: inspector, typ: "RecordInspection",
			args: RecordInspectionArgs{Batch: "CEM-1", Type: "visual", Verdict: models.VerdictConditional, Condition: "use above ground only"},
			check: func(t *testing.T, f *fx) {
				if b := f.batch("CEM-1"); b.Inspection != models.InspConditional || b.Condition != "use above ground only" {
					t.Errorf("batch %+v", b)
				}
			}},
		{name: "pass with a result out of spec", setup: base, org: qalab, role: inspector, typ: "RecordInspection",
			args: insp(models.VerdictPass, res("compressive_strength_28d", "50"), res("initial_setting_time", "30")),
			kind: models.ErrInvalid, field: "verdict", msg: "cannot be pass: initial_setting_time out of spec"},
		{name: "conditional without condition", setup: base, org: qalab, role: inspector, typ: "RecordInspection",
			args: insp(models.VerdictConditional), kind: models.ErrInvalid, field: "condition", msg: "is required"},
		{name: "fail without notes or out-of-spec result", setup: base, org: qalab, role: inspector, typ: "RecordInspection",
			args: insp(models.VerdictFail, res("compressive_strength_28d", "50")), kind: models.ErrInvalid, field: "notes", msg: "say why"},
		{name: "property without spec limit", setup: base, org: qalab, role: inspector, typ: "RecordInspection",
			args: insp(models.VerdictPass, res("slump", "180")), kind: models.ErrInvalid, field: "results[0].property",
			msg: "properties with limits: compressive_strength_28d, initial_setting_time"},
		{name: "unknown verdict", setup: base, org: qalab, role: inspector, typ: "RecordInspection",
			args: insp("ok"), kind: models.ErrInvalid, field: "verdict"},
		{name: "bad type", setup: base, org: qalab, role: inspector, typ: "RecordInspection",
			args: RecordInspectionArgs{Batch: "CEM-1", Type: "Visual Check", Verdict: models.VerdictPass}, kind: models.ErrInvalid, field: "type"},
		{name: "in transit", setup: func(f *fx) { base(f); f.ship("SH-1", cemco, "CEM-1", "100") }, org: qalab, role: inspector,
			typ: "RecordInspection", args: insp(models.VerdictPass), kind: models.ErrConflict, field: "batch", msg: "in transit on shipment SH-1"},
		{name: "unknown batch", org: qalab, role: inspector, typ: "RecordInspection",
			args: insp(models.VerdictPass), kind: models.ErrNotFound, field: "batch"},
		{name: "manufacturer may not inspect", setup: base, org: cemco, role: admin, typ: "RecordInspection",
			args: insp(models.VerdictPass), kind: models.ErrForbidden, msg: "manufacturer organization may not record inspections"},
		{name: "operator of an agency may not inspect", setup: base, org: qalab, role: operator, typ: "RecordInspection",
			args: insp(models.VerdictPass), kind: models.ErrForbidden, msg: "operator role"},
	})
}

func TestReleaseHold(t *testing.T) {
	held := func(f *fx) { f.commission("CEM-1", cement, "10"); f.inspect("CEM-1", models.VerdictFail) }
	rel := ReleaseHoldArgs{Batch: "CEM-1", Reason: "retest passed"}
	runRules(t, []rule{
		{name: "inspector releases a hold", setup: held, org: qalab, role: inspector, typ: "ReleaseHold", args: rel,
			check: func(t *testing.T, f *fx) {
				if b := f.batch("CEM-1"); b.Status != models.StatusAvailable || b.Inspection != models.InspReleased || b.HoldReason != "" {
					t.Errorf("batch %+v", b)
				}
			}},
		{name: "not on hold", setup: func(f *fx) { f.commission("CEM-1", cement, "10") }, org: qalab, role: inspector, typ: "ReleaseHold",
			args: rel, kind: models.ErrConflict, field: "batch", msg: "is available, not on hold"},
		{name: "a recalled batch is never released", setup: func(f *fx) {
			held(f)
			f.ok(qalab, inspector, "RecallBatch", RecallBatchArgs{Batch: "CEM-1", Reason: "chloride", Severity: SeverityHigh})
		}, org: qalab, role: admin, typ: "ReleaseHold", args: rel, kind: models.ErrConflict, field: "batch", msg: "can never be released"},
		{name: "reason required", setup: held, org: qalab, role: inspector, typ: "ReleaseHold",
			args: ReleaseHoldArgs{Batch: "CEM-1"}, kind: models.ErrInvalid, field: "reason"},
		{name: "contractor may not release", setup: held, org: buildco, role: admin, typ: "ReleaseHold", args: rel,
			kind: models.ErrForbidden, msg: "may not release holds"},
		{name: "viewer may not release", setup: held, org: qalab, role: viewer, typ: "ReleaseHold", args: rel,
			kind: models.ErrForbidden, msg: "viewer role"},
	})
}
