package contract

import (
	"github.com/plumbline/plumbline/models"
)

// Correction target kinds of CorrectEntryArgs.
const (
	TargetBatch      = "batch"
	TargetUsage      = "usage"
	TargetInspection = "inspection"
)

// correctable lists, per target kind, the fields a correction may change.
var correctable = map[string][]string{
	TargetBatch:      {"origin", "heat_number", "lot_number", "produced_on"},
	TargetUsage:      {"location.building", "location.floor", "location.element"},
	TargetInspection: {"notes"},
}

// CorrectEntryArgs corrects a descriptive field of an earlier record. The
// correction is appended; the original entry stays on the ledger.
type CorrectEntryArgs struct {
	TargetKind string `json:"target_kind"` // batch, usage or inspection
	TargetID   string `json:"target_id"`   // batch code, usage ID or inspection ID
	Field      string `json:"field"`
	Value      string `json:"value"`
	Reason     string `json:"reason"`
}

// Validate implements validator.
func (a *CorrectEntryArgs) Validate() error {
	fields, ok := correctable[a.TargetKind]
	if !ok {
		return models.Invalid("target_kind", "%q is not one of batch, usage, inspection", a.TargetKind)
	}
	if err := models.ValidateID("target_id", a.TargetID); err != nil {
		return err
	}
	fieldOK := false
	for _, f := range fields {
		if a.Field == f {
			fieldOK = true
		}
	}
	if !fieldOK {
		return models.Invalid("field", "%q cannot be corrected on a %s; correctable fields: %s", a.Field, a.TargetKind, joinStrings(fields))
	}
	if err := correctionValue(a.TargetKind, a.Field, a.Value); err != nil {
		return err
	}
	return requireText("reason", a.Reason, maxText)
}

// correctionValue checks the new value of a field.
func correctionValue(kind, field, v string) error {
	switch {
	case kind == TargetBatch && field == "produced_on":
		return models.ValidateDate("value", v)
	case kind == TargetBatch && field == "origin":
		return optionalText("value", v, 200)
	case kind == TargetBatch:
		return optionalText("value", v, 64)
	case kind == TargetUsage && field == "location.floor":
		return optionalText("value", v, 128)
	case kind == TargetUsage:
		return requireText("value", v, 128)
	}
	return optionalText("value", v, 4*maxText)
}

func joinStrings(ss []string) string {
	s := ""
	for i, x := range ss {
		if i > 0 {
			s += ", "
		}
		s += x
	}
	return s
}

func init() {
	register("CorrectEntry", correctEntry)
}

func correctEntry(tc *txc, a *CorrectEntryArgs) error { return notYet() }
