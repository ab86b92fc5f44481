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
	// ConfirmOldDate confirms a corrected production date more than
	// OldDateYears back (V4).
	ConfirmOldDate bool `json:"confirm_old_date,omitempty"`
}

// Validate implements validator.
func (a *CorrectEntryArgs) Validate() error {
	var v models.Collect
	fields, ok := correctable[a.TargetKind]
	if !ok {
		v.Add(models.Invalid("target_kind", "%q is not one of batch, usage, inspection", a.TargetKind))
	}
	v.Add(models.ValidateID("target_id", a.TargetID))
	fieldOK := false
	for _, f := range fields {
		if a.Field == f {
			fieldOK = true
		}
	}
	if !fieldOK {
		v.Add(models.Invalid("field", "%q cannot be corrected on a %s; correctable fields: %s", a.Field, a.TargetKind, joinStrings(fields)))
	}
	v.Add(correctionValue(a.TargetKind, a.Field, a.Value))
	v.Add(requireNote("reason", a.Reason, maxText))
	return v.Err()
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
	return optionalNote("value", v, models.MaxNote)
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

// correctEntry: the organization that created a record corrects one of its
// descriptive fields. The correction is stored with the old value, and the
// record takes the new value.
func correctEntry(tc *txc, a *CorrectEntryArgs) error {
	org, err := tc.submitter()
	if err != nil {
		return err
	}
	if a.TargetKind == TargetBatch && a.Field == "produced_on" {
		if err := tc.productionDate("value", a.Value, a.ConfirmOldDate, true); err != nil {
			return err
		}
	} else if a.ConfirmOldDate {
		return models.Invalid("confirm_old_date", "is only for a correction of a batch's produced_on")
	}
	var creator, txID, old string
	var apply func() error
	switch a.TargetKind {
	case TargetBatch:
		b, err := tc.batch("target_id", a.TargetID)
		if err != nil {
			return err
		}
		creator, txID = b.Producer, b.TxID
		p := batchField(b, a.Field)
		old = *p
		apply = func() error { *p = a.Value; return tc.putBatch(b) }
	case TargetUsage:
		var u models.Usage
		if err := tc.getJSON("target_id", "usage", models.PrefixUsage, a.TargetID, &u); err != nil {
			return err
		}
		creator, txID = u.Contractor, u.TxID
		p := usageField(&u, a.Field)
		old = *p
		apply = func() error { *p = a.Value; return tc.putJSON(models.PrefixUsage, u.ID, u) }
	case TargetInspection:
		var in models.Inspection
		if err := tc.getJSON("target_id", "inspection", models.PrefixInspection, a.TargetID, &in); err != nil {
			return err
		}
		creator, txID = in.Agency, in.TxID
		old = in.Notes
		apply = func() error { in.Notes = a.Value; return tc.putJSON(models.PrefixInspection, in.ID, in) }
	}
	if org.ID != creator {
		return models.Forbidden("only %s, which created %s %s, may correct it", creator, a.TargetKind, a.TargetID)
	}
	roles := []models.Role{models.RoleOperator}
	if a.TargetKind == TargetInspection {
		roles = []models.Role{models.RoleInspector}
	}
	if err := tc.role("correct a "+a.TargetKind, roles...); err != nil {
		return err
	}
	if old == a.Value {
		return models.Invalid("value", "%s is already %q; nothing to correct", a.Field, old)
	}
	if err := apply(); err != nil {
		return err
	}
	c := models.Correction{
		ID:         tc.call.TxID,
		TargetKind: a.TargetKind,
		TargetID:   a.TargetID,
		TargetTxID: txID,
		Field:      a.Field,
		OldValue:   old,
		NewValue:   a.Value,
		Reason:     a.Reason,
		Org:        org.ID,
		User:       tc.call.User,
		TxID:       tc.call.TxID,
		At:         tc.now(),
	}
	return tc.putJSON(models.PrefixCorrection, c.ID, c)
}

// batchField points at a correctable batch field (checked by Validate).
func batchField(b *models.Batch, field string) *string {
	switch field {
	case "origin":
		return &b.Origin
	case "heat_number":
		return &b.HeatNumber
	case "lot_number":
		return &b.LotNumber
	}
	return &b.ProducedOn
}

// usageField points at a correctable usage location field.
func usageField(u *models.Usage, field string) *string {
	switch field {
	case "location.building":
		return &u.Location.Building
	case "location.floor":
		return &u.Location.Floor
	}
	return &u.Location.Element
}
