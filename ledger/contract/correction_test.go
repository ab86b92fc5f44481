package contract

import (
	"testing"

	"github.com/plumbline/plumbline/models"
)

func TestCorrectEntry(t *testing.T) {
	// buildco used 10 t of CEM-1 and qalab inspected it (the passing
	// inspection in delivered).
	base := func(f *fx) {
		f.delivered(true)
		f.ok(buildco, operator, "RecordUsage", RecordUsageArgs{Batch: "CEM-1", Quantity: dec("10"), Location: loc()})
	}
	usageID := func(f *fx) string { _, id := models.SplitKey(f.st.keys(models.PrefixUsage)[0]); return id }
	inspID := func(f *fx) string { _, id := models.SplitKey(f.st.keys(models.PrefixInspection)[0]); return id }
	corr := func(kind, id, field, value string) CorrectEntryArgs {
		return CorrectEntryArgs{TargetKind: kind, TargetID: id, Field: field, Value: value, Reason: "typo on the delivery note"}
	}
	correction := func(f *fx) models.Correction {
		var c models.Correction
		f.load("", f.st.keys(models.PrefixCorrection)[0], &c)
		return c
	}
	// Cases whose target ID depends on the fixture look it up in setup.
	var target string
	runRules(t, []rule{
		{name: "producer corrects a batch's heat number", setup: base, org: cemco, role: operator, typ: "CorrectEntry",
			args: corr(TargetBatch, "CEM-1", "heat_number", "H-778"),
			check: func(t *testing.T, f *fx) {
				b := f.batch("CEM-1")
				c := correction(f)
				if b.HeatNumber != "H-778" || b.UpdatedTx != c.TxID {
					t.Errorf("batch %+v", b)
				}
				if c.OldValue != "" || c.NewValue != "H-778" || c.TargetTxID != b.TxID || c.Org != cemco || c.ID != c.TxID || c.Field != "heat_number" {
					t.Errorf("correction %+v", c)
				}
			}},
		{name: "producer corrects produced_on", setup: base, org: cemco, role: admin, typ: "CorrectEntry",
			args: corr(TargetBatch, "CEM-1", "produced_on", "2025-02-19"),
			check: func(t *testing.T, f *fx) {
				if c := correction(f); c.OldValue != "2025-02-20" || f.batch("CEM-1").ProducedOn != "2025-02-19" {
					t.Errorf("correction %+v", c)
				}
			}},
		{name: "contractor corrects a usage element", setup: func(f *fx) { base(f); target = usageID(f) }, org: buildco, role: operator,
			typ: "CorrectEntry", args: lazy(func() any { return corr(TargetUsage, target, "location.element", "column C4") }),
			check: func(t *testing.T, f *fx) {
				var u models.Usage
				f.load(models.PrefixUsage, target, &u)
				c := correction(f)
				if u.Location.Element != "column C4" || c.OldValue != "column C3" || c.TargetTxID != u.TxID {
					t.Errorf("usage %+v correction %+v", u, c)
				}
			}},
		{name: "agency corrects inspection notes", setup: func(f *fx) { base(f); target = inspID(f) }, org: qalab, role: inspector,
			typ: "CorrectEntry", args: lazy(func() any { return corr(TargetInspection, target, "notes", "sample 3 retested") }),
			check: func(t *testing.T, f *fx) {
				var in models.Inspection
				f.load(models.PrefixInspection, target, &in)
				if in.Notes != "sample 3 retested" {
					t.Errorf("inspection %+v", in)
				}
			}},
		{name: "only the creator may correct", setup: base, org: buildco, role: admin, typ: "CorrectEntry",
			args: corr(TargetBatch, "CEM-1", "origin", "Plant 2"), kind: models.ErrForbidden, msg: "only cemco, which created batch CEM-1"},
		{name: "inspector of the creator may not correct a batch", setup: base, org: cemco, role: inspector, typ: "CorrectEntry",
			args: corr(TargetBatch, "CEM-1", "origin", "Plant 2"), kind: models.ErrForbidden, msg: "inspector role may not correct a batch"},
		{name: "operator of the agency may not correct an inspection", setup: func(f *fx) { base(f); target = inspID(f) }, org: qalab, role: operator,
			typ: "CorrectEntry", args: lazy(func() any { return corr(TargetInspection, target, "notes", "x") }),
			kind: models.ErrForbidden, msg: "operator role"},
		{name: "field not correctable", setup: base, org: cemco, role: operator, typ: "CorrectEntry",
			args: corr(TargetBatch, "CEM-1", "quantity", "1000"), kind: models.ErrInvalid, field: "field",
			msg: "correctable fields: origin, heat_number, lot_number, produced_on"},
		{name: "invalid date", setup: base, org: cemco, role: operator, typ: "CorrectEntry",
			args: corr(TargetBatch, "CEM-1", "produced_on", "yesterday"), kind: models.ErrInvalid, field: "value", msg: "YYYY-MM-DD"},
		{name: "required usage field emptied", setup: base, org: buildco, role: operator, typ: "CorrectEntry",
			args: corr(TargetUsage, "tx0001", "location.building", ""), kind: models.ErrInvalid, field: "value", msg: "is required"},
		{name: "reason required", setup: base, org: cemco, role: operator, typ: "CorrectEntry",
			args: CorrectEntryArgs{TargetKind: TargetBatch, TargetID: "CEM-1", Field: "origin", Value: "Plant 2"}, kind: models.ErrInvalid, field: "reason"},
		{name: "same value", setup: base, org: cemco, role: operator, typ: "CorrectEntry",
			args: corr(TargetBatch, "CEM-1", "origin", "Plant 1"), kind: models.ErrInvalid, field: "value", msg: "nothing to correct"},
		{name: "unknown target kind", setup: base, org: cemco, role: operator, typ: "CorrectEntry",
			args: corr("shipment", "SH-C", "vehicle", "X"), kind: models.ErrInvalid, field: "target_kind"},
		{name: "unknown usage", setup: base, org: buildco, role: operator, typ: "CorrectEntry",
			args: corr(TargetUsage, "tx9999", "location.floor", "4"), kind: models.ErrNotFound, field: "target_id"},
	})
}

// lazyArgs marshals the value fn returns when the transaction runs, so that
// a case can refer to IDs its setup created.
type lazyArgs struct{ fn func() any }

func lazy(fn func() any) lazyArgs { return lazyArgs{fn} }

// MarshalJSON implements json.Marshaler.
func (l lazyArgs) MarshalJSON() ([]byte, error) { return jsonMarshal(l.fn()) }
