package contract

import (
	"regexp"

	"github.com/plumbline/plumbline/models"
)

// InspectionResult is one measured property as the inspector reports it;
// the contract checks it against the product's spec limit.
type InspectionResult struct {
	Property string         `json:"property"` // e.g. compressive_strength_28d
	Value    models.Decimal `json:"value"`
}

// RecordInspectionArgs records an inspection or test of a batch (EPCIS
// bizStep inspecting; disposition conformant / non_conformant).
type RecordInspectionArgs struct {
	Batch     string             `json:"batch"`
	Type      string             `json:"type"` // incoming, sampling, mill_test, strength_28d, visual, …
	Results   []InspectionResult `json:"results,omitempty"`
	Verdict   models.Verdict     `json:"verdict"`
	Condition string             `json:"condition,omitempty"` // required for a conditional verdict
	Notes     string             `json:"notes,omitempty"`
	Documents []string           `json:"documents,omitempty"` // SHA-256 hex of reports and photos
}

var inspectionType = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Validate implements validator.
func (a *RecordInspectionArgs) Validate() error {
	if err := models.ValidateID("batch", a.Batch); err != nil {
		return err
	}
	if a.Type == "" {
		return models.Invalid("type", "is required, e.g. incoming, sampling, mill_test, strength_28d, visual")
	}
	if !inspectionType.MatchString(a.Type) {
		return models.Invalid("type", "%q must be lowercase letters, digits and '_', e.g. strength_28d", a.Type)
	}
	seen := map[string]bool{}
	for i, r := range a.Results {
		f := idx("results", i) + ".property"
		if r.Property == "" {
			return models.Invalid(f, "is required")
		}
		if seen[r.Property] {
			return models.Invalid(f, "%q is reported twice", r.Property)
		}
		seen[r.Property] = true
	}
	if !a.Verdict.Valid() {
		return models.Invalid("verdict", "%q is not one of pass, conditional, fail", a.Verdict)
	}
	if a.Verdict == models.VerdictConditional {
		if err := requireText("condition", a.Condition, maxText); err != nil {
			return err
		}
	} else if a.Condition != "" {
		return models.Invalid("condition", "is only for a conditional verdict")
	}
	if err := optionalText("notes", a.Notes, 4*maxText); err != nil {
		return err
	}
	return validateHashes("documents", a.Documents)
}

// ReleaseHoldArgs releases a batch put on hold by a failing inspection,
// after review (EPCIS bizStep holding ended).
type ReleaseHoldArgs struct {
	Batch  string `json:"batch"`
	Reason string `json:"reason"`
}

// Validate implements validator.
func (a *ReleaseHoldArgs) Validate() error {
	if err := models.ValidateID("batch", a.Batch); err != nil {
		return err
	}
	return requireText("reason", a.Reason, maxText)
}

func init() {
	register("RecordInspection", recordInspection)
	register("ReleaseHold", releaseHold)
}

func recordInspection(tc *txc, a *RecordInspectionArgs) error { return notYet() }
func releaseHold(tc *txc, a *ReleaseHoldArgs) error           { return notYet() }
