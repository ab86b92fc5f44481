package contract

import (
	"regexp"
	"strings"

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
	var v models.Collect
	v.Add(models.ValidateID("batch", a.Batch))
	if a.Type == "" {
		v.Add(models.Invalid("type", "is required, e.g. incoming, sampling, mill_test, strength_28d, visual"))
	}
	if !inspectionType.MatchString(a.Type) {
		v.Add(models.Invalid("type", "%q must be lowercase letters, digits and '_', e.g. strength_28d", a.Type))
	}
	if err := maxList("results", len(a.Results)); err != nil {
		return models.All(v.Err(), err)
	}
	seen := map[string]bool{}
	for i, r := range a.Results {
		f := idx("results", i) + ".property"
		if r.Property == "" {
			return models.All(v.Err(), models.Invalid(f, "is required"))
		}
		if seen[r.Property] {
			return models.All(v.Err(), models.Invalid(f, "%q is reported twice", r.Property))
		}
		seen[r.Property] = true
	}
	if !a.Verdict.Valid() {
		v.Add(models.Invalid("verdict", "%q is not one of pass, conditional, fail", a.Verdict))
	}
	if a.Verdict == models.VerdictConditional {
		v.Add(requireNote("condition", a.Condition, maxText))
	} else if a.Condition != "" {
		v.Add(models.Invalid("condition", "is only for a conditional verdict"))
	}
	v.Add(optionalNote("notes", a.Notes, models.MaxNote))
	v.Add(validateHashes("documents", a.Documents))
	return v.Err()
}

// ReleaseHoldArgs releases a batch put on hold by a failing inspection,
// after review (EPCIS bizStep holding ended).
type ReleaseHoldArgs struct {
	Batch  string `json:"batch"`
	Reason string `json:"reason"`
}

// Validate implements validator.
func (a *ReleaseHoldArgs) Validate() error {
	var v models.Collect
	v.Add(models.ValidateID("batch", a.Batch))
	v.Add(requireNote("reason", a.Reason, maxText))
	return v.Err()
}

func init() {
	register("RecordInspection", recordInspection)
	register("ReleaseHold", releaseHold)
}

// recordInspection: an inspection agency's inspector checks a batch that is
// not in transit against its product's spec limits. A failing inspection
// puts an available batch on hold.
func recordInspection(tc *txc, a *RecordInspectionArgs) error {
	org, err := tc.allow("RecordInspection")
	if err != nil {
		return err
	}
	b, err := tc.batch("batch", a.Batch)
	if err != nil {
		return err
	}
	if b.Status == models.StatusInTransit {
		return models.Conflict("batch", "batch %s is in transit on shipment %s; inspect it after receipt", b.Code, b.Shipment)
	}
	p, err := tc.product("batch", b.ProductID)
	if err != nil {
		return err
	}
	in := models.Inspection{
		ID:          tc.call.TxID,
		BatchCode:   b.Code,
		Type:        a.Type,
		Verdict:     a.Verdict,
		Condition:   a.Condition,
		Notes:       a.Notes,
		Documents:   append([]string(nil), a.Documents...),
		Agency:      org.ID,
		Inspector:   tc.call.User,
		InspectedAt: tc.now(),
		TxID:        tc.call.TxID,
	}
	for i, r := range a.Results {
		lim, ok := p.Limit(r.Property)
		if !ok {
			return models.Invalid(idx("results", i)+".property", "product %s has no spec limit for %q (%s)", p.ID, r.Property, limitList(p))
		}
		m := models.Measurement{Property: r.Property, Value: r.Value, Unit: lim.Unit, Min: lim.Min, Max: lim.Max, Pass: lim.Check(r.Value)}
		if !m.Pass {
			in.OutOfSpec = append(in.OutOfSpec, r.Property)
		}
		in.Results = append(in.Results, m)
	}
	switch {
	case a.Verdict == models.VerdictPass && len(in.OutOfSpec) > 0:
		return models.Invalid("verdict", "cannot be pass: %s out of spec; record fail or conditional", joinStrings(in.OutOfSpec))
	case a.Verdict == models.VerdictFail && len(in.OutOfSpec) == 0 && strings.TrimSpace(a.Notes) == "":
		return models.Invalid("notes", "say why the batch fails: no result is out of spec")
	}
	switch a.Verdict {
	case models.VerdictPass:
		b.Inspection, b.Condition = models.InspPassed, ""
	case models.VerdictConditional:
		b.Inspection, b.Condition = models.InspConditional, a.Condition
	case models.VerdictFail:
		b.Inspection, b.Condition = models.InspFailed, ""
		if b.Status == models.StatusAvailable {
			b.Status = models.StatusOnHold
			b.HoldReason = holdReason(a, in.OutOfSpec)
		}
	}
	if err := tc.putBatch(b); err != nil {
		return err
	}
	return tc.putJSON(models.PrefixInspection, in.ID, in)
}

// holdReason says why a failing inspection put a batch on hold.
func holdReason(a *RecordInspectionArgs, outOfSpec []string) string {
	s := "failed " + a.Type + " inspection"
	if len(outOfSpec) > 0 {
		s += ": out of spec " + joinStrings(outOfSpec)
	}
	if a.Notes != "" {
		s += ": " + a.Notes
	}
	return s
}

// limitList names the properties a product has spec limits for.
func limitList(p *models.Product) string {
	if len(p.SpecLimits) == 0 {
		return "it has no spec limits; record results in notes"
	}
	names := make([]string, len(p.SpecLimits))
	for i, l := range p.SpecLimits {
		names[i] = l.Property
	}
	return "properties with limits: " + joinStrings(names)
}

// releaseHold: an inspection agency's inspector releases a batch on hold
// after review. A recalled batch is never released.
func releaseHold(tc *txc, a *ReleaseHoldArgs) error {
	if _, err := tc.allow("ReleaseHold"); err != nil {
		return err
	}
	b, err := tc.batch("batch", a.Batch)
	if err != nil {
		return err
	}
	switch b.Status {
	case models.StatusOnHold:
	case models.StatusRecalled:
		return models.Conflict("batch", "batch %s is recalled (%s); a recalled batch can never be released", b.Code, b.HoldReason)
	default:
		return models.Conflict("batch", "batch %s is %s, not on hold", b.Code, b.Status)
	}
	b.Status = models.StatusAvailable
	b.Inspection = models.InspReleased
	b.HoldReason = ""
	return tc.putBatch(b)
}
