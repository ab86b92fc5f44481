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
